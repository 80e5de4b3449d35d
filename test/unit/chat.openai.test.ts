import assert from 'node:assert/strict';
import { sendChat } from '../../src/engine/http/transport';
import type { ProviderEndpoint } from '../../src/engine/providers/adapter';
import { openaiAdapter } from '../../src/engine/providers/openai';
import type { ChatRequest, ToolCall, ToolDefinition } from '../../src/engine/types';
import { startEmulator, type Emulator } from '../emulator/server';

// Wire shapes from the OpenAI API reference, Chat Completions (platform.openai.com/docs/api-reference/chat, read 2026-12-03).

const WEATHER: ToolDefinition = {
  name: 'get_weather',
  description: 'Current weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const ask: ChatRequest = { messages: [{ role: 'user', content: 'Weather in Paris and Oslo?' }], tools: [WEATHER] };
const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

function body(emu: Emulator, i = 0): Record<string, unknown> {
  return emu.requests[i].body as Record<string, unknown>;
}

describe('full chat: OpenAI Chat Completions over HTTP (emulator)', () => {
  let emu: Emulator;
  let ep: ProviderEndpoint;
  before(async () => {
    emu = await startEmulator({ name: 'openai' });
    ep = { id: 'openai', kind: 'openai', baseUrl: emu.baseUrl('openai'), model: 'gpt-4o-mini', apiKey: 'sk-test' };
  });
  beforeEach(() => emu.reset());
  after(() => emu.close());

  it('sends tools as functions with tool_choice, and returns the call with parsed arguments and finishReason tool_calls', async () => {
    emu.enqueue({ type: 'toolCall', calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] });
    const res = await sendChat(openaiAdapter, ep, { ...ask, toolChoice: { name: 'get_weather' } });
    assert.deepEqual(body(emu).tools, [{ type: 'function', function: { name: 'get_weather', description: 'Current weather in a city', parameters: WEATHER.parameters } }]);
    assert.deepEqual(body(emu).tool_choice, { type: 'function', function: { name: 'get_weather' } });
    assert.equal(res.toolCalls.length, 1);
    assert.match(res.toolCalls[0].id, /^call_/);
    assert.equal(res.toolCalls[0].name, 'get_weather');
    assert.deepEqual(res.toolCalls[0].arguments, { city: 'Paris' });
    assert.equal(res.finishReason, 'tool_calls');
    assert.equal(res.text, '');
  });

  it('maps tool choices auto, none and required to their wire strings, and sends none without tools', async () => {
    for (const choice of ['auto', 'none', 'required'] as const) {
      const spec = openaiAdapter.buildRequest({ ...ask, toolChoice: choice }, ep, false);
      assert.equal((spec.body as Record<string, unknown>).tool_choice, choice);
    }
    const plain = openaiAdapter.buildRequest({ messages: ask.messages }, ep, false).body as Record<string, unknown>;
    assert.equal('tools' in plain || 'tool_choice' in plain, false);
  });

  it('streams parallel tool calls joined by index, handing each to onToolCall only when complete, after the text before them', async () => {
    emu.enqueue({
      type: 'toolCall',
      text: 'Checking both.',
      calls: [
        { name: 'get_weather', arguments: { city: 'Paris', units: 'metric' } },
        { name: 'get_weather', arguments: { city: 'Oslo', units: 'metric' } },
      ],
    });
    const seen: string[] = [];
    const calls: ToolCall[] = [];
    const res = await sendChat(openaiAdapter, ep, { ...ask, stream: true }, {
      onText: (d) => seen.push(`text:${d}`),
      onToolCall: (c) => {
        calls.push(c);
        seen.push(`call:${c.arguments.city as string}`);
      },
    });
    assert.equal(res.text, 'Checking both.');
    assert.deepEqual(res.toolCalls.map((c) => c.arguments), [{ city: 'Paris', units: 'metric' }, { city: 'Oslo', units: 'metric' }]);
    assert.notEqual(res.toolCalls[0].id, res.toolCalls[1].id);
    assert.deepEqual(calls, res.toolCalls);
    assert.deepEqual(seen.slice(-2), ['call:Paris', 'call:Oslo']);
    assert.equal(res.finishReason, 'tool_calls');
  });

  it('sends a two-turn tool conversation back: assistant tool_calls with JSON-string arguments, then role tool with tool_call_id', async () => {
    emu.enqueue({ type: 'toolCall', calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] });
    const first = await sendChat(openaiAdapter, ep, ask);
    const call = first.toolCalls[0];
    const second = await sendChat(openaiAdapter, ep, {
      tools: [WEATHER],
      messages: [
        ...ask.messages,
        { role: 'assistant', content: [{ type: 'tool_call', ...call }] },
        { role: 'tool', content: [{ type: 'tool_result', callId: call.id, content: '18°C, clear' }] },
      ],
    });
    assert.deepEqual((body(emu, 1).messages as unknown[]).slice(1), [
      { role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: call.id, content: '18°C, clear' },
    ]);
    assert.equal(second.finishReason, 'stop');
    assert.ok(second.text.length > 0);
  });

  it('sends an image as an image_url part: a data: URL for base64, the URL itself otherwise', async () => {
    await sendChat(openaiAdapter, ep, {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these?' },
            { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: PNG_1X1 } },
            { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
    });
    assert.deepEqual((body(emu).messages as unknown[])[0], {
      role: 'user',
      content: [
        { type: 'text', text: 'What is in these?' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_1X1}` } },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
      ],
    });
  });

  it('asks for structured output with response_format json_schema (name, schema, strict)', async () => {
    const schema = { type: 'object', properties: { colour: { type: 'string' } }, required: ['colour'], additionalProperties: false };
    emu.enqueue({ type: 'ok', reply: '{"colour":"blue"}' });
    const res = await sendChat(openaiAdapter, ep, { messages: [{ role: 'user', content: 'A colour' }], responseFormat: { type: 'json_schema', name: 'colour', schema, strict: true } });
    assert.deepEqual(body(emu).response_format, { type: 'json_schema', json_schema: { name: 'colour', schema, strict: true } });
    assert.deepEqual(JSON.parse(res.text), { colour: 'blue' });
  });

  it('reads cached prompt tokens from prompt_tokens_details.cached_tokens, streamed and not, with no cache writes', async () => {
    const cachingEmu = await startEmulator({ name: 'openai', cachedInputTokens: 1024 });
    try {
      const cachingEp = { ...ep, baseUrl: cachingEmu.baseUrl('openai') };
      for (const stream of [false, true]) {
        const res = await sendChat(openaiAdapter, cachingEp, { messages: [{ role: 'user', content: 'Hi' }], stream });
        assert.equal(res.usage.cachedInputTokens, 1024);
        assert.ok(res.usage.inputTokens >= 1024, 'input includes the cached tokens');
        assert.equal(res.usage.cacheWriteTokens, 0);
      }
    } finally {
      await cachingEmu.close();
    }
  });

  it('treats a stream cut inside tool-call arguments as stream_cut with nothing handed to the caller', async () => {
    emu.enqueue({ type: 'toolCall', calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }], cutInArguments: true });
    const calls: ToolCall[] = [];
    await assert.rejects(sendChat(openaiAdapter, ep, { ...ask, stream: true }, { onToolCall: (c) => calls.push(c) }), (err: Error & { errorClass?: string }) => {
      assert.equal(err.errorClass, 'stream_cut');
      assert.match(err.message, /inside a tool call/);
      return true;
    });
    assert.deepEqual(calls, []);
  });
});
