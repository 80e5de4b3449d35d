import assert from 'node:assert/strict';
import { parseConfig } from '../../src/engine/config/loadConfig';
import type { ChatRequest, ToolCall } from '../../src/engine/types';
import { startHarness, type Harness } from '../support/engineHarness';

const ask: ChatRequest = {
  messages: [{ role: 'user', content: 'Weather in Paris?' }],
  tools: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
};
const PARIS = { type: 'toolCall' as const, calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }], text: 'Checking.' };

describe('response cache: answers with tool calls', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('replays a streamed tool-call answer as the same text and calls, streamed and not', async () => {
    h = await startHarness([{ id: 'primary' }], { retry: { maxAttempts: 1 } });
    h.emulators.primary.enqueue(PARIS);
    const live: ToolCall[] = [];
    const first = await h.engine.chat({ ...ask, stream: true }, { onToolCall: (c) => live.push(c), onText: () => undefined });
    let text = '';
    const replayed: ToolCall[] = [];
    const streamed = await h.engine.chat({ ...ask, stream: true }, { onToolCall: (c) => replayed.push(c), onText: (t) => (text += t) });
    const plain = await h.engine.chat(ask);
    assert.deepEqual([streamed.cached, plain.cached], [true, true]);
    assert.deepEqual(replayed, live);
    assert.equal(text, first.text);
    assert.deepEqual(plain.toolCalls, first.toolCalls);
    assert.equal(plain.finishReason, 'tool_calls');
    assert.equal(h.emulators.primary.requests.length, 1);
  });

  for (const stream of [false, true]) {
    it(`with cache.storeToolCalls false, asks the provider again for a tool-call answer but still caches text (${stream ? 'streamed' : 'not streamed'})`, async () => {
      h = await startHarness([{ id: 'primary' }], { retry: { maxAttempts: 1 }, cache: { storeToolCalls: false } });
      const opts = stream ? { onToolCall: () => undefined, onText: () => undefined } : {};
      h.emulators.primary.enqueue(PARIS, PARIS);
      const first = await h.engine.chat({ ...ask, stream }, opts);
      const second = await h.engine.chat({ ...ask, stream }, opts);
      assert.deepEqual([first.cached, second.cached], [false, false]);
      assert.equal(second.finishReason, 'tool_calls');
      assert.equal(h.emulators.primary.requests.length, 2);
      const text: ChatRequest = { messages: [{ role: 'user', content: 'Just text' }], stream };
      await h.engine.chat(text, opts);
      assert.equal((await h.engine.chat(text, opts)).cached, true);
      assert.equal(h.emulators.primary.requests.length, 3);
    });
  }

  it('stops serving tool-call answers cached earlier once cache.storeToolCalls turns false', async () => {
    h = await startHarness([{ id: 'primary' }], { retry: { maxAttempts: 1 } });
    h.emulators.primary.enqueue(PARIS, PARIS);
    await h.engine.chat(ask);
    assert.equal((await h.engine.chat(ask)).cached, true);
    h.engine.updateConfig(parseConfig({ ...h.engine.config, cache: { ...h.engine.config.cache, storeToolCalls: false } }).config);
    assert.equal((await h.engine.chat(ask)).cached, false);
    assert.equal(h.emulators.primary.requests.length, 2);
  });

  it('defaults cache.storeToolCalls to true', () => {
    assert.equal(parseConfig({}).config.cache.storeToolCalls, true);
  });
});
