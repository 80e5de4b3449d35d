import assert from 'node:assert/strict';
import { sendChat } from '../../src/engine/http/transport';
import type { ProviderEndpoint } from '../../src/engine/providers/adapter';
import { anthropicAdapter } from '../../src/engine/providers/anthropic';
import type { ChatRequest, ToolCall, ToolDefinition } from '../../src/engine/types';
import { startEmulator, type Emulator } from '../emulator/server';

// Wire shapes from docs.anthropic.com: Messages API, streaming and tool use pages (read 2026-12-03).

const WEATHER: ToolDefinition = {
  name: 'get_weather',
  description: 'Current weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const ask: ChatRequest = { messages: [{ role: 'user', content: 'Weather in Paris and Oslo?' }], tools: [WEATHER] };
const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
const TWO_CITIES = {
  type: 'toolCall' as const,
  calls: [
    { name: 'get_weather', arguments: { city: 'Paris' } },
    { name: 'get_weather', arguments: { city: 'Oslo' } },
  ],
};

function body(emu: Emulator, i = 0): Record<string, unknown> {
  return emu.requests[i].body as Record<string, unknown>;
}

describe('full chat: Anthropic Messages over HTTP (emulator)', () => {
  let emu: Emulator;
  let ep: ProviderEndpoint;
  before(async () => {
    emu = await startEmulator({ name: 'anthropic' });
    ep = { id: 'anthropic', kind: 'anthropic', baseUrl: emu.baseUrl('anthropic'), model: 'claude-sonnet-4-5', apiKey: 'sk-ant-test' };
  });
  beforeEach(() => emu.reset());
  after(() => emu.close());

  it('sends tools with input_schema and maps tool choices to auto, any, tool and none', () => {
    const wire = (toolChoice: ChatRequest['toolChoice']) => anthropicAdapter.buildRequest({ ...ask, toolChoice }, ep, false).body as Record<string, unknown>;
    assert.deepEqual(wire('auto').tools, [{ name: 'get_weather', description: 'Current weather in a city', input_schema: WEATHER.parameters }]);
    assert.deepEqual(wire('auto').tool_choice, { type: 'auto' });
    assert.deepEqual(wire('required').tool_choice, { type: 'any' });
    assert.deepEqual(wire({ name: 'get_weather' }).tool_choice, { type: 'tool', name: 'get_weather' });
    assert.deepEqual(wire('none').tool_choice, { type: 'none' });
    assert.equal('tool_choice' in wire(undefined), false);
  });

  it('returns parallel tool_use blocks as tool calls with their toolu_ ids and finishReason tool_calls, not streamed', async () => {
    emu.enqueue(TWO_CITIES);
    const res = await sendChat(anthropicAdapter, ep, ask);
    assert.deepEqual(res.toolCalls.map((c) => [c.name, c.arguments]), [['get_weather', { city: 'Paris' }], ['get_weather', { city: 'Oslo' }]]);
    for (const c of res.toolCalls) assert.match(c.id, /^toolu_01[0-9a-f]+$/);
    assert.equal(res.finishReason, 'tool_calls');
  });

  it('streams tool_use blocks from input_json_delta pieces, each handed on at its content_block_stop, after the text', async () => {
    emu.enqueue({ ...TWO_CITIES, text: 'Let me check.' });
    const calls: ToolCall[] = [];
    const res = await sendChat(anthropicAdapter, ep, { ...ask, stream: true }, { onToolCall: (c) => calls.push(c) });
    assert.equal(res.text, 'Let me check.');
    assert.deepEqual(calls.map((c) => c.arguments), [{ city: 'Paris' }, { city: 'Oslo' }]);
    assert.deepEqual(calls, res.toolCalls);
    assert.equal(res.finishReason, 'tool_calls');
  });

  it('sends a two-turn conversation back: tool_use in the assistant turn, tool_result (is_error kept) in a user turn', async () => {
    emu.enqueue(TWO_CITIES);
    const first = await sendChat(anthropicAdapter, ep, ask);
    const [paris, oslo] = first.toolCalls;
    await sendChat(anthropicAdapter, ep, {
      tools: [WEATHER],
      messages: [
        ...ask.messages,
        { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_call', ...paris }, { type: 'tool_call', ...oslo }] },
        {
          role: 'tool',
          content: [
            { type: 'tool_result', callId: paris.id, content: '18°C' },
            { type: 'tool_result', callId: oslo.id, content: 'station offline', isError: true },
          ],
        },
      ],
    });
    assert.deepEqual((body(emu, 1).messages as unknown[]).slice(1), [
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: paris.id, name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: oslo.id, name: 'get_weather', input: { city: 'Oslo' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: paris.id, content: '18°C' },
          { type: 'tool_result', tool_use_id: oslo.id, content: 'station offline', is_error: true },
        ],
      },
    ]);
  });

  it('maps a tool call id from another provider to the characters Anthropic accepts, the same way in tool_use and tool_result', () => {
    const foreign = 'call:abc.123/x';
    const wire = anthropicAdapter.buildRequest(
      {
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: [{ type: 'tool_call', id: foreign, name: 'f', arguments: {} }] },
          { role: 'tool', content: [{ type: 'tool_result', callId: foreign, content: 'ok' }] },
        ],
      },
      ep,
      false,
    ).body as { messages: { content: { id?: string; tool_use_id?: string }[] }[] };
    const useId = wire.messages[1].content[0].id;
    assert.match(useId ?? '', /^[a-zA-Z0-9_-]+$/);
    assert.equal(wire.messages[2].content[0].tool_use_id, useId);
  });

  it('sends image blocks from base64 and URL sources', async () => {
    await sendChat(anthropicAdapter, ep, {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: PNG_1X1 } },
            { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.jpg' } },
            { type: 'text', text: 'What are these?' },
          ],
        },
      ],
    });
    assert.deepEqual((body(emu).messages as unknown[])[0], {
      role: 'user',
      content: [
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_1X1 } },
        { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
        // Two images count as 3,200 prompt tokens, past Sonnet's 1,024 minimum: the turn is marked for caching.
        { type: 'text', text: 'What are these?', cache_control: { type: 'ephemeral' } },
      ],
    });
  });

  it('keeps thinking with its signature across turns and drops reasoning another provider made', () => {
    const wire = anthropicAdapter.buildRequest(
      {
        messages: [
          { role: 'user', content: 'Hi' },
          {
            role: 'assistant',
            content: [
              { type: 'reasoning', text: 'Think.', signature: 'sig-1', provider: 'anthropic' },
              { type: 'reasoning', text: 'Other.', signature: 'g-sig', provider: 'gemini' },
              { type: 'text', text: 'Hello' },
            ],
          },
          { role: 'user', content: 'Again' },
        ],
      },
      ep,
      false,
    ).body as { messages: { content: unknown }[] };
    assert.deepEqual(wire.messages[1].content, [
      { type: 'thinking', thinking: 'Think.', signature: 'sig-1' },
      { type: 'text', text: 'Hello' },
    ]);
  });

  it('reads thinking blocks with their signature from an answer', () => {
    const parsed = anthropicAdapter.parseCompletion(
      {
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5',
        content: [
          { type: 'thinking', thinking: 'Let me think.', signature: 'EqQBCgIYAhIM' },
          { type: 'text', text: 'Done.' },
        ],
        stop_reason: 'end_turn',
        usage: { input_tokens: 5, output_tokens: 3 },
      },
      ep,
    );
    assert.deepEqual(parsed.reasoning, [{ type: 'reasoning', text: 'Let me think.', signature: 'EqQBCgIYAhIM', provider: 'anthropic' }]);
    assert.equal(parsed.text, 'Done.');
  });

  it('counts cache reads and writes in inputTokens and reports each apart, streamed and not', async () => {
    const caching = await startEmulator({ name: 'anthropic', cachedInputTokens: 2000, cacheWriteTokens: 300 });
    try {
      for (const stream of [false, true]) {
        const res = await sendChat(anthropicAdapter, { ...ep, baseUrl: caching.baseUrl('anthropic') }, { messages: [{ role: 'user', content: 'Hi' }], stream });
        assert.equal(res.usage.cachedInputTokens, 2000);
        assert.equal(res.usage.cacheWriteTokens, 300);
        assert.ok(res.usage.inputTokens >= 2300, `inputTokens ${res.usage.inputTokens} includes reads and writes`);
      }
    } finally {
      await caching.close();
    }
  });

  it('treats a stream cut inside input_json_delta as stream_cut, with no call handed on', async () => {
    emu.enqueue({ ...TWO_CITIES, cutInArguments: true });
    const calls: ToolCall[] = [];
    await assert.rejects(sendChat(anthropicAdapter, ep, { ...ask, stream: true }, { onToolCall: (c) => calls.push(c) }), { errorClass: 'stream_cut' });
    assert.deepEqual(calls, []);
  });
});
