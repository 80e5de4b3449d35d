import assert from 'node:assert/strict';
import type { ChatRequest, ToolCall } from '../../src/engine/types';
import { startHarness, type Harness } from '../support/engineHarness';

const ask: ChatRequest = {
  messages: [{ role: 'user', content: 'Weather in Paris?' }],
  tools: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
  stream: true,
};
const PARIS = { type: 'toolCall' as const, calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] };

describe('full chat: routing tool calls', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('falls back transparently when a stream breaks inside a tool call, and the caller gets only the backup’s call', async () => {
    h = await startHarness([{ id: 'primary' }, { id: 'backup' }], { cache: { enabled: false }, retry: { maxAttempts: 1 } });
    h.emulators.primary.enqueue({ ...PARIS, cutInArguments: true });
    h.emulators.backup.enqueue(PARIS);
    const calls: ToolCall[] = [];
    const res = await h.engine.chat(ask, { onToolCall: (c) => calls.push(c) });
    assert.equal(res.provider, 'backup');
    assert.deepEqual(calls, res.toolCalls);
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0].arguments, { city: 'Paris' });
    assert.equal(res.finishReason, 'tool_calls');
    assert.deepEqual(
      res.attempts.map((a) => [a.provider, a.outcome, a.errorClass]),
      [
        ['primary', 'error', 'stream_cut'],
        ['backup', 'ok', undefined],
      ],
    );
  });

  it('does not fall back once a complete tool call reached the caller, and says the answer is incomplete', async () => {
    h = await startHarness([{ id: 'primary', kind: 'anthropic' }, { id: 'backup' }], { cache: { enabled: false }, retry: { maxAttempts: 1 } });
    h.emulators.primary.enqueue({ type: 'toolCall', calls: [PARIS.calls[0], { name: 'get_weather', arguments: { city: 'Oslo' } }], cutInArguments: 1 });
    const calls: ToolCall[] = [];
    await assert.rejects(h.engine.chat(ask, { onToolCall: (c) => calls.push(c) }), /^AllProvidersFailedError: Provider 'primary' broke off its answer after 1 tool call and 0 characters had been streamed \(\w+\); the answer is incomplete\.$/);
    assert.deepEqual(calls.map((c) => c.arguments), [{ city: 'Paris' }]);
    assert.equal(h.emulators.backup.requests.length, 0, 'a delivered call cannot be taken back, so nobody else is asked');
  });

  it('continues on Anthropic a conversation whose tool call came from OpenAI, with the call id mapped the same way in both blocks', async () => {
    h = await startHarness([{ id: 'openai' }, { id: 'claude', kind: 'anthropic' }], { cache: { enabled: false }, retry: { maxAttempts: 1 } });
    h.emulators.openai.enqueue(PARIS);
    const first = await h.engine.chat({ ...ask, stream: false }, { onlyProviders: ['openai'] });
    const call = first.toolCalls[0];
    const second = await h.engine.chat(
      {
        ...ask,
        stream: false,
        messages: [
          ...ask.messages,
          { role: 'assistant', content: [{ type: 'tool_call', ...call }] },
          { role: 'tool', content: [{ type: 'tool_result', callId: call.id, content: '18°C' }] },
        ],
      },
      { onlyProviders: ['claude'] },
    );
    assert.equal(second.provider, 'claude');
    const wire = h.emulators.claude.requests[0].body as { messages: { role: string; content: { type: string; id?: string; tool_use_id?: string }[] }[] };
    assert.equal(wire.messages[1].content[0].type, 'tool_use');
    assert.equal(wire.messages[2].role, 'user');
    assert.equal(wire.messages[2].content[0].tool_use_id, wire.messages[1].content[0].id);
  });

  it('replays a cached tool-call answer as the same tool calls, ids included, streamed and not', async () => {
    h = await startHarness([{ id: 'primary' }], { retry: { maxAttempts: 1 } });
    h.emulators.primary.enqueue(PARIS);
    const first = await h.engine.chat({ ...ask, stream: false });
    const again = await h.engine.chat({ ...ask, stream: false });
    assert.equal(again.cached, true);
    assert.deepEqual(again.toolCalls, first.toolCalls);
    assert.equal(again.finishReason, 'tool_calls');
    const streamed: ToolCall[] = [];
    const replay = await h.engine.chat(ask, { onToolCall: (c) => streamed.push(c) });
    assert.equal(replay.cached, true);
    assert.deepEqual(streamed, first.toolCalls);
    assert.equal(h.emulators.primary.requests.length, 1);
  });

  it('keys the cache on tools, tool choice, schema and image content', async () => {
    h = await startHarness([{ id: 'primary' }], { retry: { maxAttempts: 1 } });
    const image = (data: string): ChatRequest => ({ messages: [{ role: 'user', content: [{ type: 'text', text: 'What?' }, { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data } }] }] });
    const variants: ChatRequest[] = [
      { ...ask, stream: false },
      { ...ask, stream: false, toolChoice: 'required' },
      { ...ask, stream: false, tools: [{ name: 'other', parameters: { type: 'object' } }] },
      { ...ask, stream: false, responseFormat: { type: 'json_schema', schema: { type: 'object' } } },
      image('AAAA'),
      image('BBBB'),
    ];
    for (const v of variants) assert.equal((await h.engine.chat(v)).cached, false);
    assert.equal((await h.engine.chat(image('BBBB'))).cached, true, 'the same image content hits');
  });
});
