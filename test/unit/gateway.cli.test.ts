import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import OpenAI from 'openai';
import { TOKEN_FILE } from '../../src/gateway/gatewayToken';
import { startEmulator, type Emulator } from '../emulator/server';
import { CLI_PATH } from '../support/runCli';
import { serve, type Served } from '../support/serveCli';

describe('llm-router serve (dist/cli.js as a separate process)', function () {
  this.timeout(20_000);
  let emulator: Emulator;
  let dir: string;
  let configFile: string;
  let running: Served | undefined;

  before(function () {
    if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run 'npm run build' first (npm test does).`);
  });

  beforeEach(async () => {
    emulator = await startEmulator({ name: 'upstream', chunks: 4 });
    dir = await mkdtemp(path.join(tmpdir(), 'llm-router-serve-'));
    configFile = path.join(dir, 'cfg.json');
    await writeFile(configFile, JSON.stringify({ providers: [{ id: 'upstream', kind: 'openai', baseUrl: emulator.baseUrl('openai'), model: 'gpt-4o-mini', apiKeyEnv: 'TEST_PROVIDER_KEY' }], cache: { enabled: false } }));
  });

  afterEach(async () => {
    if (running && running.child.exitCode === null) running.child.kill('SIGKILL');
    running = undefined;
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints exactly "listening on http://127.0.0.1:PORT" first, and answers the official client with the token from --token', async () => {
    running = await serve(['--config', configFile, '--state-dir', path.join(dir, 'state'), '--token', 'tok-cli-1234567890']);
    assert.match(running.firstLine, /^listening on http:\/\/127\.0\.0\.1:\d+$/);
    const client = new OpenAI({ baseURL: `${running.url}/v1`, apiKey: 'tok-cli-1234567890', maxRetries: 0 });
    const res = await client.chat.completions.create({ model: 'upstream', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(res.choices[0].message.content, 'Hello from upstream.');
    running.child.kill('SIGINT');
    assert.equal(await running.exited, 0, 'Ctrl-C stops it cleanly too');
  });

  it('serves POST /v1/responses to the official client, streamed and not', async () => {
    running = await serve(['--config', configFile, '--state-dir', path.join(dir, 'state'), '--token', 'tok-cli-1234567890']);
    const client = new OpenAI({ baseURL: `${running.url}/v1`, apiKey: 'tok-cli-1234567890', maxRetries: 0 });
    const plain = await client.responses.create({ model: 'auto', instructions: 'Be brief.', input: 'hi', store: false });
    assert.equal(plain.output_text, 'Hello from upstream.');
    const types: string[] = [];
    for await (const e of await client.responses.create({ model: 'upstream', input: 'hi', stream: true })) types.push(e.type);
    assert.equal(types[0], 'response.created');
    assert.equal(types[types.length - 1], 'response.completed');
    running.child.kill('SIGTERM');
    assert.equal(await running.exited, 0);
  });

  it('without --token or LLM_ROUTER_GATEWAY_TOKEN generates one, prints it once on stderr, keeps it (0600) and reuses it after a restart', async () => {
    const stateDir = path.join(dir, 'state');
    running = await serve(['--config', configFile, '--state-dir', stateDir]);
    const printed = /gateway token \(kept in (.+)\): (\S+)/.exec(running.stderr());
    assert.ok(printed, running.stderr());
    const [, file, token] = printed;
    assert.equal(file, path.join(stateDir, TOKEN_FILE));
    assert.equal((await readFile(file, 'utf8')).trim(), token);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(token.length >= 32);
    const ok = await new OpenAI({ baseURL: `${running.url}/v1`, apiKey: token, maxRetries: 0 }).models.list();
    assert.deepEqual(ok.data.map((m) => m.id), ['auto', 'upstream']);
    running.child.kill('SIGTERM');
    assert.equal(await running.exited, 0);

    running = await serve(['--config', configFile, '--state-dir', stateDir]);
    assert.ok(!running.stderr().includes(token), 'the token is printed only when generated');
    const again = await new OpenAI({ baseURL: `${running.url}/v1`, apiKey: token, maxRetries: 0 }).models.list();
    assert.equal(again.data.length, 2);
    running.child.kill('SIGTERM');
    assert.equal(await running.exited, 0);

    running = await serve(['--config', configFile, '--state-dir', stateDir], { LLM_ROUTER_GATEWAY_TOKEN: 'from-the-env-123456' });
    const refused = await new OpenAI({ baseURL: `${running.url}/v1`, apiKey: token, maxRetries: 0 }).models.list().catch((e: unknown) => e);
    assert.ok(refused instanceof OpenAI.AuthenticationError, 'the environment variable wins over the stored token');
    await new OpenAI({ baseURL: `${running.url}/v1`, apiKey: 'from-the-env-123456', maxRetries: 0 }).models.list();
  });

  it('on SIGTERM finishes the stream in flight, flushes state and exits 0', async () => {
    const stateDir = path.join(dir, 'state');
    running = await serve(['--config', configFile, '--state-dir', stateDir, '--token', 'tok-cli-1234567890']);
    emulator.enqueue({ type: 'slow', chunkDelayMs: 150 });
    const client = new OpenAI({ baseURL: `${running.url}/v1`, apiKey: 'tok-cli-1234567890', maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    let signalled = false;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      if (!signalled && text !== '') {
        running.child.kill('SIGTERM');
        signalled = true;
      }
    }
    assert.equal(text, 'Hello from upstream.');
    assert.equal(await running.exited, 0, running.stderr());
    assert.ok(existsSync(path.join(stateDir, 'metrics.json')), 'metrics were flushed to the state dir');
  });

  it('exits 2 naming the field of a bad gateway setting', async () => {
    await writeFile(configFile, JSON.stringify({ providers: [], gateway: { maxBodyBytes: -1, allowedOrigins: ['http://localhost:3000'] } }));
    const child = spawn(process.execPath, [CLI_PATH, 'serve', '--port', '0', '--config', configFile], { env: { PATH: process.env.PATH ?? '' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 2);
    assert.match(stderr, /gateway\.maxBodyBytes: /);
    assert.ok(!stderr.includes('allowedOrigins'), 'allowedOrigins is a known setting');
  });

  it('exits 2 naming the flag for a bad --port', async () => {
    const child = spawn(process.execPath, [CLI_PATH, 'serve', '--port', 'eighty', '--config', configFile], { env: { PATH: process.env.PATH ?? '' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 2);
    assert.match(stderr, /--port must be a whole number from 0 to 65535/);
  });
});
