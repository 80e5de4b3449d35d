import assert from 'node:assert/strict';
import type { ChatMessage, ChatRequest, HttpProviderKind as ProviderKind } from '../../src/engine/types';
import { GEMINI_EMULATED_SIGNATURE } from '../emulator/formats/gemini';
import { startHarness, type Harness } from '../support/engineHarness';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const KINDS: Exclude<ProviderKind, 'openai-compatible'>[] = ['openai', 'anthropic', 'gemini', 'cohere', 'ollama'];
const ask: ChatRequest = {
  messages: [{ role: 'user', content: 'Weather in Paris?' }],
  tools: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
};

/** How each format ties a tool result to its call, read from the request the next provider received: [call key, result key]. */
const LINKS: Record<(typeof KINDS)[number], (body: Json) => [string, string]> = {
  openai: (b) => [b.messages.find((m: Json) => m.tool_calls).tool_calls[0].id, b.messages.find((m: Json) => m.role === 'tool').tool_call_id],
  cohere: (b) => [b.messages.find((m: Json) => m.tool_calls).tool_calls[0].id, b.messages.find((m: Json) => m.role === 'tool').tool_call_id],
  anthropic: (b) => {
    const blocks = b.messages.flatMap((m: Json) => (Array.isArray(m.content) ? m.content : []));
    const use = blocks.find((c: Json) => c.type === 'tool_use');
    assert.match(use.id, /^[a-zA-Z0-9_-]+$/, 'an id Anthropic accepts');
    return [use.id, blocks.find((c: Json) => c.type === 'tool_result').tool_use_id];
  },
  // Gemini matches results to calls by name.
  gemini: (b) => {
    const parts = b.contents.flatMap((c: Json) => c.parts);
    return [parts.find((p: Json) => p.functionCall).functionCall.name, parts.find((p: Json) => p.functionResponse).functionResponse.name];
  },
  ollama: (b) => [b.messages.find((m: Json) => m.tool_calls).tool_calls[0].function.name, b.messages.find((m: Json) => m.role === 'tool').tool_name],
};

describe('full chat: a conversation continues on another provider (every pair of the five formats)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  for (const from of KINDS) {
    for (const to of KINDS) {
      if (from === to) continue;
      it(`${from} → ${to}: the ${from} tool call and its result reach ${to} linked the way ${to} links them, with ${from}'s reasoning signatures left out`, async () => {
        h = await startHarness([{ id: 'first', kind: from }, { id: 'next', kind: to }], { cache: { enabled: false }, retry: { maxAttempts: 1 } });
        h.emulators.first.enqueue({ type: 'toolCall', calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] });
        const first = await h.engine.chat(ask, { onlyProviders: ['first'] });
        assert.equal(first.finishReason, 'tool_calls');
        const [call] = first.toolCalls;
        const history: ChatMessage[] = [
          ...ask.messages,
          { role: 'assistant', content: [...(first.reasoning ?? []), { type: 'tool_call', ...call }] },
          { role: 'tool', content: [{ type: 'tool_result', callId: call.id, content: '18°C and clear' }] },
        ];
        const next = await h.engine.chat({ ...ask, messages: history }, { onlyProviders: ['next'] });
        assert.equal(next.provider, 'next');
        const body = h.emulators.next.requests[0].body as Json;
        const [callKey, resultKey] = LINKS[to](body);
        assert.equal(resultKey, callKey);
        const wire = JSON.stringify(body);
        assert.ok(wire.includes('Paris') && wire.includes('18°C and clear'), 'the call and its result were both sent');
        if (from === 'gemini') {
          assert.equal(call.signature, GEMINI_EMULATED_SIGNATURE, 'the Gemini call carried a signature');
          assert.ok(!wire.includes(GEMINI_EMULATED_SIGNATURE), 'a Gemini signature goes back to Gemini only');
        }
        if (from === 'cohere') {
          assert.equal(first.reasoning?.[0]?.provider, 'cohere', 'the Cohere answer carried a tool plan');
          assert.ok(!wire.includes(first.reasoning[0].text), 'a Cohere tool plan goes back to Cohere only');
        }
      });
    }
  }
});

describe('full chat: continuing on Gemini 3, which refuses calls without their thought signature', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('the emulator refuses, as Gemini 3 does, a replayed call step without a signature', async () => {
    h = await startHarness([{ id: 'next', kind: 'gemini' }]);
    const url = `${h.emulators.next.origin}/v1beta/models/gemini-3-pro-preview:generateContent`;
    const contents = [
      { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { result: 'mild' } } }] },
    ];
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' }, body: JSON.stringify({ contents }) });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as Json).error.message, /missing a thought_signature/);
  });

  for (const from of KINDS.filter((k) => k !== 'gemini')) {
    it(`${from} → gemini-3-pro-preview: the ${from} call goes with Google's placeholder signature and is answered`, async () => {
      h = await startHarness([{ id: 'first', kind: from }, { id: 'next', kind: 'gemini', extra: { model: 'gemini-3-pro-preview' } }], { cache: { enabled: false }, retry: { maxAttempts: 1 } });
      h.emulators.first.enqueue({ type: 'toolCall', calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] });
      const first = await h.engine.chat(ask, { onlyProviders: ['first'] });
      const [call] = first.toolCalls;
      const history: ChatMessage[] = [
        ...ask.messages,
        { role: 'assistant', content: [{ type: 'tool_call', ...call }] },
        { role: 'tool', content: [{ type: 'tool_result', callId: call.id, content: '18°C and clear' }] },
      ];
      const next = await h.engine.chat({ ...ask, messages: history }, { onlyProviders: ['next'] });
      assert.equal(next.provider, 'next');
      assert.ok(JSON.stringify(h.emulators.next.requests[0].body).includes('skip_thought_signature_validator'));
    });
  }
});
