import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../emulator/server';
import { CLI_PATH, runCli } from '../support/runCli';

const KEY = 'sk-cli-chat-0123456789';
const PNG_1X1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
const WEATHER = { name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };

describe('CLI: ask with --messages, --tools, --image and --schema (dist/cli.js)', function () {
  this.timeout(20_000);
  let emu: Emulator;
  let dir: string;
  let configFile: string;

  before(function () {
    if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run 'npm run build' first (npm test does).`);
  });
  beforeEach(async () => {
    emu = await startEmulator({ name: 'claude', cacheWriteTokens: 40 });
    dir = await mkdtemp(path.join(tmpdir(), 'llm-router-cli-chat-'));
    configFile = path.join(dir, 'cfg.json');
    const providers = [{ id: 'claude', kind: 'anthropic', baseUrl: emu.baseUrl('anthropic'), model: 'claude-sonnet-4-5', apiKeyEnv: 'TEST_PROVIDER_KEY' }];
    await writeFile(configFile, JSON.stringify({ providers, retry: { maxAttempts: 1 }, cache: { enabled: false } }));
  });
  afterEach(async () => {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function file(name: string, content: unknown): Promise<string> {
    const p = path.join(dir, name);
    await writeFile(p, Buffer.isBuffer(content) ? content : JSON.stringify(content));
    return p;
  }
  const ask = (...args: string[]) => runCli(['ask', '--config', configFile, '--state-dir', path.join(dir, 'state'), ...args], { env: { TEST_PROVIDER_KEY: KEY } });

  it('prints toolCalls with object arguments and usage.cacheWriteTokens in --json', async () => {
    emu.enqueue({ type: 'toolCall', calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] });
    const r = await ask('--json', '--tools', await file('tools.json', [WEATHER]), 'Weather in Paris?');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.finishReason, 'tool_calls');
    assert.equal(out.toolCalls.length, 1);
    assert.equal(out.toolCalls[0].name, 'get_weather');
    assert.deepEqual(out.toolCalls[0].arguments, { city: 'Paris' });
    assert.equal(typeof out.toolCalls[0].id, 'string');
    assert.equal(out.usage.cacheWriteTokens, 40);
    const wire = emu.requests[0].body as { tools: unknown[] };
    assert.deepEqual(wire.tools, [{ name: 'get_weather', description: 'Current weather', input_schema: WEATHER.parameters }]);
  });

  it('sends a --messages conversation with a tool call and its result, and --image told by content (a .txt name)', async () => {
    const conversation = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
      { role: 'user', content: 'And this picture?' },
    ];
    const r = await ask('--json', '--messages', await file('conv.json', conversation), '--tools', await file('tools.json', [WEATHER]), '--image', await file('pixel.txt', PNG_1X1));
    assert.equal(r.code, 0, r.stderr);
    const wire = emu.requests[0].body as { system: string; messages: { role: string; content: unknown }[] };
    assert.equal(wire.system, 'Be brief.');
    assert.deepEqual(wire.messages.map((m) => m.role), ['user', 'assistant', 'user']);
    assert.deepEqual(wire.messages[1].content, [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } }]);
    assert.deepEqual(wire.messages[2].content, [
      { type: 'tool_result', tool_use_id: 'call_1', content: '18°C' },
      { type: 'text', text: 'And this picture?' },
      // An image counts as 1,600 prompt tokens in the router's estimate, past Sonnet's 1,024: the turn is marked for caching.
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_1X1.toString('base64') }, cache_control: { type: 'ephemeral' } },
    ]);
  });

  it('exits 2 naming the field for a tool without a name, a schema that is not JSON Schema, a non-image, and a result without its call', async () => {
    const cases: [string[], RegExp][] = [
      [['--tools', await file('t.json', [{ parameters: { type: 'object' } }])], /--tools .*t\.json: tools\[0\]\.name is required/],
      [['--schema', await file('s.json', { type: 'thing' })], /--schema .*s\.json: schema\.type must be one of object/],
      [['--schema', await file('s2.json', [1, 2])], /--schema .*s2\.json: schema must be a JSON Schema object/],
      [['--image', await file('fake.png', 'not really a png')], /--image .*fake\.png: not a PNG, JPEG, GIF or WebP image/],
      [['--messages', await file('m.json', [{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'call_9', content: 'r' }])], /messages\[1\]\.tool_call_id 'call_9' answers no tool call/],
    ];
    for (const [args, expected] of cases) {
      const r = await ask(...args, 'hello');
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, expected);
    }
    assert.equal(emu.requests.length, 0, 'nothing was sent');
  });
});
