import assert from 'node:assert/strict';
import { request } from 'undici';
import { sendChat } from '../../src/engine/http/transport';
import type { ProviderEndpoint } from '../../src/engine/providers/adapter';
import { anthropicAdapter } from '../../src/engine/providers/anthropic';
import type { ChatRequest } from '../../src/engine/types';
import { startEmulator, type Emulator } from '../emulator/server';
import { startHarness, type Harness } from '../support/engineHarness';

// JSON outputs from platform.claude.com/docs/en/build-with-claude/structured-outputs (read 2026-12-03): GA as
// output_config.format { type: 'json_schema', schema } with no beta header, objects closed with additionalProperties: false.

const COLOUR_SCHEMA = {
  type: 'object',
  properties: { name: { type: 'string' }, shades: { type: 'array', items: { type: 'object', properties: { hex: { type: 'string' } } } } },
  required: ['name'],
};
const CLOSED_COLOUR_SCHEMA = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    shades: { type: 'array', items: { type: 'object', properties: { hex: { type: 'string' } }, additionalProperties: false } },
  },
  required: ['name'],
  additionalProperties: false,
};
const ANSWER = '{"name":"teal","shades":[{"hex":"#008080"}]}';
const askColour: ChatRequest = { messages: [{ role: 'user', content: 'A colour, as JSON' }], responseFormat: { type: 'json_schema', name: 'colour', schema: COLOUR_SCHEMA, strict: true } };

describe('structured output: Anthropic JSON outputs over HTTP (emulator)', () => {
  let emu: Emulator;
  let ep: ProviderEndpoint;
  before(async () => {
    emu = await startEmulator({ name: 'anthropic' });
    ep = { id: 'anthropic', kind: 'anthropic', baseUrl: emu.baseUrl('anthropic'), model: 'claude-sonnet-4-5', apiKey: 'sk-ant-test' };
  });
  beforeEach(() => emu.reset());
  after(() => emu.close());

  for (const stream of [false, true]) {
    it(`sends the schema in output_config.format, closing every object, and returns the JSON text (${stream ? 'streamed' : 'not streamed'})`, async () => {
      emu.enqueue({ type: 'ok', reply: ANSWER });
      const res = await sendChat(anthropicAdapter, ep, { ...askColour, stream }, { onText: () => undefined });
      const wire = emu.requests[0].body as Record<string, unknown>;
      assert.deepEqual(wire.output_config, { format: { type: 'json_schema', schema: CLOSED_COLOUR_SCHEMA } });
      assert.equal('output_format' in wire, false, 'the beta field is not sent');
      assert.equal(emu.requests[0].headers['anthropic-beta'], undefined, 'GA needs no beta header');
      assert.deepEqual(JSON.parse(res.text), { name: 'teal', shades: [{ hex: '#008080' }] });
      assert.equal(res.finishReason, 'stop');
    });
  }

  it("keeps what the schema says about additionalProperties and leaves the caller's schema untouched", () => {
    const schema = { type: 'object', properties: { tags: { type: 'object', additionalProperties: { type: 'string' } } }, additionalProperties: false };
    const before = structuredClone(schema);
    const wire = anthropicAdapter.buildRequest({ ...askColour, responseFormat: { type: 'json_schema', schema } }, ep, false).body as { output_config: { format: { schema: unknown } } };
    assert.deepEqual(wire.output_config.format.schema, schema);
    assert.deepEqual(schema, before);
  });

  it('closes objects inside anyOf and $defs too', () => {
    const schema = { $defs: { point: { type: 'object', properties: { x: { type: 'number' } } } }, anyOf: [{ $ref: '#/$defs/point' }, { type: 'object', properties: {} }] };
    const wire = anthropicAdapter.buildRequest({ ...askColour, responseFormat: { type: 'json_schema', schema } }, ep, false).body as { output_config: { format: { schema: unknown } } };
    const sent = wire.output_config.format.schema as { $defs: { point: { additionalProperties: unknown } }; anyOf: { additionalProperties?: unknown }[] };
    assert.equal(sent.$defs.point.additionalProperties, false);
    assert.equal(sent.anyOf[1].additionalProperties, false);
    assert.equal('additionalProperties' in sent.anyOf[0], false, 'a $ref is not an object schema itself');
  });

  it('merges providerOptions output_config (e.g. effort) key by key with the format', () => {
    const wire = anthropicAdapter.buildRequest({ ...askColour, providerOptions: { output_config: { effort: 'low' } } }, ep, false).body as { output_config: Record<string, unknown> };
    assert.deepEqual(Object.keys(wire.output_config).sort(), ['effort', 'format']);
  });

  it('maps stop_reason refusal to content_filter and max_tokens to length, as the docs warn the JSON may then not match', () => {
    for (const [stopReason, finish] of [['refusal', 'content_filter'], ['max_tokens', 'length']] as const) {
      const parsed = anthropicAdapter.parseCompletion({ model: 'claude-sonnet-4-5', content: [{ type: 'text', text: '{"na' }], stop_reason: stopReason, usage: { input_tokens: 3, output_tokens: 2 } }, ep);
      assert.equal(parsed.finishReason, finish);
    }
  });

  it('the emulator refuses what the API refuses: an open object schema, and output_format without its beta header', async () => {
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      request(`${emu.baseUrl('anthropic')}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const base = { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] };
    const open = await post({ ...base, output_config: { format: { type: 'json_schema', schema: COLOUR_SCHEMA } } });
    assert.equal(open.statusCode, 400);
    assert.match(((await open.body.json()) as { error: { message: string } }).error.message, /additionalProperties/);
    const legacy = { ...base, output_format: { type: 'json_schema', schema: CLOSED_COLOUR_SCHEMA } };
    const noBeta = await post(legacy);
    assert.equal(noBeta.statusCode, 400);
    await noBeta.body.dump();
    const withBeta = await post(legacy, { 'anthropic-beta': 'structured-outputs-2025-11-13' });
    assert.equal(withBeta.statusCode, 200);
    await withBeta.body.dump();
  });
});

describe('structured output: routing to Anthropic models that have it', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const start = (providers: Parameters<typeof startHarness>[0]) => startHarness(providers, { cache: { enabled: false }, retry: { maxAttempts: 1 } });

  it('sends structured output to a current Claude model and to one missing from the table', async () => {
    h = await start([
      { id: 'sonnet', kind: 'anthropic', extra: { model: 'claude-sonnet-4-5-20250929' } },
      { id: 'unlisted', kind: 'anthropic', extra: { model: 'claude-next' } },
    ]);
    for (const id of ['sonnet', 'unlisted']) {
      h.emulators[id].enqueue({ type: 'ok', reply: ANSWER });
      const res = await h.engine.chat(askColour, { onlyProviders: [id] });
      assert.equal(res.provider, id);
      assert.equal(JSON.parse(res.text).name, 'teal');
    }
  });

  it('skips a Claude model the table marks without structured output (no_structured_output, no connection), unless its config says it has it', async () => {
    h = await start([
      { id: 'haiku35', kind: 'anthropic', extra: { model: 'claude-3-5-haiku-20241022' } },
      { id: 'sonnet', kind: 'anthropic', extra: { model: 'claude-sonnet-4-5' } },
    ]);
    const res = await h.engine.chat(askColour);
    assert.equal(res.provider, 'sonnet');
    assert.deepEqual([res.attempts[0].provider, res.attempts[0].outcome, res.attempts[0].errorClass], ['haiku35', 'skipped', 'no_structured_output']);
    assert.match(res.attempts[0].message ?? '', /model table says claude-3-5-haiku-20241022 has none .*capabilities\.structuredOutput: true/);
    assert.equal(h.emulators.haiku35.requests.length, 0);
    await h.close();

    h = await start([{ id: 'haiku35', kind: 'anthropic', extra: { model: 'claude-3-5-haiku-20241022', capabilities: { structuredOutput: true } } }]);
    h.emulators.haiku35.enqueue({ type: 'ok', reply: ANSWER });
    const overridden = await h.engine.chat(askColour);
    assert.equal(overridden.provider, 'haiku35');
    assert.ok((h.emulators.haiku35.requests[0].body as Record<string, unknown>).output_config);
  });
});
