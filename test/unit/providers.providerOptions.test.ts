import assert from 'node:assert/strict';
import { ProviderError } from '../../src/engine/errors';
import { sendChat } from '../../src/engine/http/transport';
import type { ProviderEndpoint } from '../../src/engine/providers/adapter';
import { applyProviderOptions } from '../../src/engine/providers/providerOptions';
import { adapterFor } from '../../src/engine/providers/registry';
import type { ChatRequest, ProviderKind } from '../../src/engine/types';
import { startEmulator, type Emulator } from '../emulator/server';

type Body = Record<string, unknown>;

interface Case {
  kind: ProviderKind;
  /** Options touching a mapped parameter, a nested object, a removal and a plain new field. */
  options: Body;
  /** What the recorded wire body must hold for those options (with temperature 0.2 and maxTokens 10 in the request). */
  expect(body: Body, stream: boolean): void;
}

const CASES: Case[] = [
  {
    kind: 'openai',
    options: { temperature: 0.9, seed: 7, stream_options: null, response_format: { type: 'json_object' } },
    expect(body) {
      assert.equal(body.temperature, 0.9);
      assert.equal(body.max_completion_tokens, 10);
      assert.equal(body.seed, 7);
      assert.equal('stream_options' in body, false);
      assert.deepEqual(body.response_format, { type: 'json_object' });
    },
  },
  {
    kind: 'openai-compatible',
    options: { max_tokens: 99, stream_options: { chunk_usage: true } },
    expect(body, stream) {
      assert.equal(body.max_tokens, 99);
      assert.equal(body.temperature, 0.2);
      assert.deepEqual(body.stream_options, stream ? { include_usage: true, chunk_usage: true } : { chunk_usage: true });
    },
  },
  {
    kind: 'anthropic',
    options: { max_tokens: 50, temperature: null, metadata: { user_id: 'u1' } },
    expect(body) {
      assert.equal(body.max_tokens, 50);
      assert.equal('temperature' in body, false);
      assert.deepEqual(body.metadata, { user_id: 'u1' });
    },
  },
  {
    kind: 'gemini',
    options: { generationConfig: { maxOutputTokens: 99, temperature: null, thinkingConfig: { thinkingBudget: 0 } }, safetySettings: [] },
    expect(body) {
      assert.deepEqual(body.generationConfig, { maxOutputTokens: 99, thinkingConfig: { thinkingBudget: 0 } });
      assert.deepEqual(body.safetySettings, []);
    },
  },
  {
    kind: 'cohere',
    options: { temperature: 0.9, safety_mode: 'OFF', max_tokens: null },
    expect(body) {
      assert.equal(body.temperature, 0.9);
      assert.equal(body.safety_mode, 'OFF');
      assert.equal('max_tokens' in body, false);
    },
  },
  {
    kind: 'ollama',
    options: { options: { num_ctx: 8192, temperature: 0.9 }, keep_alive: '10m' },
    expect(body) {
      assert.deepEqual(body.options, { temperature: 0.9, num_predict: 10, num_ctx: 8192 });
      assert.equal(body.keep_alive, '10m');
    },
  },
];

describe('providerOptions: one rule for every adapter, over HTTP to the emulator', () => {
  let emu: Emulator;
  before(async () => {
    emu = await startEmulator();
  });
  afterEach(() => emu.reset());
  after(() => emu.close());

  const endpoint = (kind: ProviderKind): ProviderEndpoint => ({ id: `${kind}-emu`, kind, baseUrl: emu.baseUrl(kind), model: 'wire-model', apiKey: 'sk-options-test' });
  const request = (providerOptions: Body, stream: boolean): ChatRequest => ({
    system: 'Be brief.',
    messages: [{ role: 'user', content: 'Hello' }],
    temperature: 0.2,
    maxTokens: 10,
    stream,
    providerOptions,
  });

  for (const c of CASES) {
    it(`${c.kind}: merges them over the built body (objects key by key, null removes, anything else replaces) and keeps model, prompt and stream`, async () => {
      for (const stream of [false, true]) {
        emu.reset();
        const options = structuredClone(c.options);
        const result = await sendChat(adapterFor(c.kind), endpoint(c.kind), request(options, stream), { totalTimeoutMs: 2000 });
        assert.equal(result.text, 'Hello from emulator.');
        assert.equal(emu.requests.length, 1);
        const { body, model, stream: streamed } = emu.requests[0];
        c.expect(body as Body, stream);
        assert.equal(model, 'wire-model');
        assert.equal(streamed, stream);
        assert.match(JSON.stringify(body), /Be brief\..*Hello|Hello.*Be brief\./);
        assert.deepEqual(options, c.options, 'the caller’s providerOptions are not changed');
      }
    });

    it(`${c.kind}: refuses each field in its ownedFields table with a bad_request naming it, and sends nothing`, async () => {
      const owned = Object.keys(adapterFor(c.kind).ownedFields);
      assert.ok(owned.includes('model'), 'every adapter owns the model');
      for (const field of owned) {
        const err = await sendChat(adapterFor(c.kind), endpoint(c.kind), request({ seed: 1, [field]: 'overridden' }, false)).then(
          () => assert.fail(`providerOptions.${field} was accepted`),
          (e: unknown) => e,
        );
        assert.ok(err instanceof ProviderError);
        assert.equal(err.errorClass, 'bad_request');
        assert.equal(err.countsAgainstProvider, false);
        assert.match(err.message, new RegExp(`^Provider '${c.kind}-emu': providerOptions\\.${field} cannot be set — the router builds it from the request's`));
      }
      assert.equal(emu.requests.length, 0);
    });
  }

  it('owns what each wire format uses for the prompt and the stream flag', () => {
    const owned = (kind: ProviderKind) => Object.keys(adapterFor(kind).ownedFields).sort();
    assert.deepEqual(owned('openai'), ['messages', 'model', 'stream']);
    assert.deepEqual(owned('openai-compatible'), ['messages', 'model', 'stream']);
    assert.deepEqual(owned('anthropic'), ['messages', 'model', 'stream', 'system']);
    // Gemini's stream flag is the URL's method; Google's JSON parser reads snake_case names too.
    assert.deepEqual(owned('gemini'), ['contents', 'model', 'systemInstruction', 'system_instruction']);
    assert.deepEqual(owned('cohere'), ['messages', 'model', 'stream']);
    assert.deepEqual(owned('ollama'), ['messages', 'model', 'stream']);
  });

  it('keeps a "__proto__" key from JSON as a plain field, never a prototype', () => {
    const ep = endpoint('openai');
    const body = applyProviderOptions({ model: 'm' }, JSON.parse('{"__proto__": {"polluted": true}, "nested": {"__proto__": {"deep": 1}}}'), {}, ep);
    assert.equal(({} as Body).polluted, undefined);
    assert.equal(Object.getPrototypeOf(body), Object.prototype);
    assert.equal(JSON.stringify(body), '{"model":"m","__proto__":{"polluted":true},"nested":{"__proto__":{"deep":1}}}');
  });
});
