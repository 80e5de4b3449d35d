import assert from 'node:assert/strict';
import { sendChat } from '../../src/engine/http/transport';
import type { ProviderEndpoint } from '../../src/engine/providers/adapter';
import { cohereAdapter } from '../../src/engine/providers/cohere';
import type { ChatRequest, ToolCall, ToolDefinition } from '../../src/engine/types';
import { startEmulator, type Emulator } from '../emulator/server';

// Wire shapes from docs.cohere.com/reference/chat, /reference/chat-stream and /docs/tool-use (read 2026-12-03).

const WEATHER: ToolDefinition = { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } };
const OTHER: ToolDefinition = { name: 'get_time', parameters: { type: 'object', properties: {} } };
const ask: ChatRequest = { messages: [{ role: 'user', content: 'Weather in Paris and Oslo?' }], tools: [WEATHER] };
const TWO_CITIES = {
  type: 'toolCall' as const,
  calls: [
    { name: 'get_weather', arguments: { city: 'Paris' } },
    { name: 'get_weather', arguments: { city: 'Oslo' } },
  ],
};

describe('full chat: Cohere v2 over HTTP (emulator)', () => {
  let emu: Emulator;
  let ep: ProviderEndpoint;
  before(async () => {
    emu = await startEmulator({ name: 'cohere' });
    ep = { id: 'cohere', kind: 'cohere', baseUrl: emu.baseUrl('cohere'), model: 'command-a-03-2025', apiKey: 'co-test' };
  });
  beforeEach(() => emu.reset());
  after(() => emu.close());

  it('sends tools as functions; none and required become NONE and REQUIRED, and a named tool is sent alone, required', () => {
    const wire = (req: ChatRequest) => cohereAdapter.buildRequest(req, ep, false).body as { tools?: { function: { name: string } }[]; tool_choice?: string };
    assert.deepEqual(wire(ask).tools, [{ type: 'function', function: { name: 'get_weather', parameters: WEATHER.parameters } }]);
    assert.equal(wire(ask).tool_choice, undefined);
    assert.equal(wire({ ...ask, toolChoice: 'none' }).tool_choice, 'NONE');
    assert.equal(wire({ ...ask, toolChoice: 'required' }).tool_choice, 'REQUIRED');
    const named = wire({ ...ask, tools: [WEATHER, OTHER], toolChoice: { name: 'get_time' } });
    assert.deepEqual(named.tools?.map((t) => t.function.name), ['get_time']);
    assert.equal(named.tool_choice, 'REQUIRED');
  });

  it('returns tool_calls with parsed arguments, the tool_plan as reasoning, and TOOL_CALL as tool_calls', async () => {
    emu.enqueue(TWO_CITIES);
    const res = await sendChat(cohereAdapter, ep, ask);
    assert.deepEqual(res.toolCalls.map((c) => [c.name, c.arguments]), [['get_weather', { city: 'Paris' }], ['get_weather', { city: 'Oslo' }]]);
    assert.equal(res.reasoning[0].provider, 'cohere');
    assert.equal(res.finishReason, 'tool_calls');
  });

  it('streams tool-call-start/delta/end into whole calls, each handed on at its tool-call-end', async () => {
    emu.enqueue(TWO_CITIES);
    const calls: ToolCall[] = [];
    const res = await sendChat(cohereAdapter, ep, { ...ask, stream: true }, { onToolCall: (c) => calls.push(c) });
    assert.deepEqual(calls.map((c) => c.arguments), [{ city: 'Paris' }, { city: 'Oslo' }]);
    assert.deepEqual(calls, res.toolCalls);
    assert.equal(res.reasoning.length, 1, 'the streamed plan is one reasoning part');
    assert.equal(res.finishReason, 'tool_calls');
  });

  it('sends the second turn back: tool_plan and tool_calls with JSON-string arguments, then role tool with tool_call_id', async () => {
    emu.enqueue(TWO_CITIES);
    const first = await sendChat(cohereAdapter, ep, ask);
    const [paris] = first.toolCalls;
    await sendChat(cohereAdapter, ep, {
      ...ask,
      messages: [...ask.messages, { role: 'assistant', content: [...first.reasoning, { type: 'tool_call', ...paris }] }, { role: 'tool', content: [{ type: 'tool_result', callId: paris.id, content: '18°C' }] }],
    });
    assert.deepEqual((emu.requests[1].body as { messages: unknown[] }).messages.slice(1), [
      { role: 'assistant', tool_plan: first.reasoning[0].text, tool_calls: [{ id: paris.id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: paris.id, content: '18°C' },
    ]);
  });

  it('sends images as image_url parts and a schema as response_format json_object', async () => {
    const schema = { type: 'object', properties: { colour: { type: 'string' } } };
    await sendChat(cohereAdapter, ep, {
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Colour?' }, { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0K' } }] }],
      responseFormat: { type: 'json_schema', schema },
    });
    const wire = emu.requests[0].body as { messages: unknown[]; response_format: unknown };
    assert.deepEqual(wire.messages[0], { role: 'user', content: [{ type: 'text', text: 'Colour?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0K' } }] });
    assert.deepEqual(wire.response_format, { type: 'json_object', json_schema: schema });
  });

  it('treats a stream cut inside tool-call-delta as stream_cut, with no call handed on', async () => {
    emu.enqueue({ ...TWO_CITIES, cutInArguments: true });
    const calls: ToolCall[] = [];
    await assert.rejects(sendChat(cohereAdapter, ep, { ...ask, stream: true }, { onToolCall: (c) => calls.push(c) }), { errorClass: 'stream_cut' });
    assert.deepEqual(calls, []);
  });
});
