import assert from 'node:assert/strict';
import { AllProvidersFailedError } from '../../src/engine/errors';
import { estimateWindowTokens, WINDOW_CHARS_PER_TOKEN } from '../../src/engine/routing/capabilities';
import type { ChatRequest } from '../../src/engine/types';
import { startHarness, type Harness } from '../support/engineHarness';

const withTools: ChatRequest = {
  messages: [{ role: 'user', content: 'Weather in Paris?' }],
  tools: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
};
const PIXEL = { type: 'image' as const, source: { kind: 'base64' as const, mediaType: 'image/png', data: 'iVBORw0K' } };

describe('full chat: routing only to providers that can serve the request', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const start = (providers: Parameters<typeof startHarness>[0]) => startHarness(providers, { cache: { enabled: false }, retry: { maxAttempts: 1 } });

  it('skips a provider configured without tools, with a no_tool_support attempt and no connection, and asks the next', async () => {
    h = await start([{ id: 'plain', extra: { capabilities: { tools: false } } }, { id: 'tooled' }]);
    const res = await h.engine.chat(withTools);
    assert.equal(res.provider, 'tooled');
    assert.deepEqual(res.attempts[0], { ...res.attempts[0], provider: 'plain', outcome: 'skipped', errorClass: 'no_tool_support', latencyMs: 0 });
    assert.match(res.attempts[0].message ?? '', /capabilities\.tools: false/);
    assert.equal(h.emulators.plain.requests.length, 0);
  });

  it('skips a provider configured without images or structured output for requests that need them', async () => {
    h = await start([{ id: 'blind', extra: { capabilities: { images: false, structuredOutput: false } } }, { id: 'seeing' }]);
    const image = await h.engine.chat({ messages: [{ role: 'user', content: [{ type: 'text', text: 'What is it?' }, PIXEL] }] });
    assert.equal(image.attempts[0].errorClass, 'no_image_support');
    const schema = await h.engine.chat({ messages: [{ role: 'user', content: 'Colour?' }], responseFormat: { type: 'json_schema', schema: { type: 'object' } } });
    assert.equal(schema.attempts[0].errorClass, 'no_structured_output');
    const text = await h.engine.chat({ messages: [{ role: 'user', content: 'Plain text is fine' }] });
    assert.equal(text.provider, 'blind', 'a plain request still goes to it first');
    assert.equal(h.emulators.blind.requests.length, 1);
  });

  it('assumes a model with no capabilities configured and none in the shipped table is capable, so its own answer decides', async () => {
    h = await start([{ id: 'unknown-model' }]);
    h.emulators['unknown-model'].enqueue({ type: 'toolCall', calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] });
    const res = await h.engine.chat(withTools);
    assert.equal(res.provider, 'unknown-model');
    assert.equal(res.finishReason, 'tool_calls');
  });

  it('skips a provider whose contextWindow the request does not fit (context_too_long), counting maxTokens', async () => {
    h = await start([{ id: 'small', extra: { contextWindow: 50 } }, { id: 'large', extra: { contextWindow: 100_000 } }]);
    const long = 'x'.repeat(40 * WINDOW_CHARS_PER_TOKEN);
    const fits = await h.engine.chat({ messages: [{ role: 'user', content: long }] });
    assert.equal(fits.provider, 'small', 'about 40 tokens fit a window of 50');
    const tooLong = await h.engine.chat({ messages: [{ role: 'user', content: long }], maxTokens: 20 });
    assert.equal(tooLong.provider, 'large');
    assert.equal(tooLong.attempts[0].errorClass, 'context_too_long');
    assert.match(tooLong.attempts[0].message ?? '', /context window is 50/);
  });

  it('refuses a request no provider can serve, naming each and why, without a connection', async () => {
    h = await start([{ id: 'a', extra: { capabilities: { tools: false } } }, { id: 'b', extra: { contextWindow: 5 } }]);
    await assert.rejects(h.engine.chat(withTools), (err: unknown) => {
      assert.ok(err instanceof AllProvidersFailedError);
      assert.match(err.message, /a \(no_tool_support\), b \(context_too_long\)/);
      assert.deepEqual(err.attempts.map((x) => x.outcome), ['skipped', 'skipped']);
      return true;
    });
    assert.equal(h.emulators.a.requests.length + h.emulators.b.requests.length, 0);
  });

  it('counts images and tool definitions in the window estimate', () => {
    const text = estimateWindowTokens({ messages: [{ role: 'user', content: 'hi' }] });
    assert.ok(estimateWindowTokens({ messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }, PIXEL] }] }) >= text + 1_000);
    assert.ok(estimateWindowTokens({ ...withTools, messages: [{ role: 'user', content: 'hi' }] }) > text);
  });
});
