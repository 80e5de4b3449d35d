import assert from 'node:assert/strict';
import { sendChat } from '../../src/engine/http/transport';
import type { ProviderEndpoint } from '../../src/engine/providers/adapter';
import { ollamaAdapter } from '../../src/engine/providers/ollama';
import type { ChatRequest, ToolCall, ToolDefinition } from '../../src/engine/types';
import { startEmulator, type Emulator } from '../emulator/server';

// Wire shapes from github.com/ollama/ollama docs/api.md, /api/chat with tools, images and format (read 2026-12-03).

const WEATHER: ToolDefinition = { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } };
const ask: ChatRequest = { messages: [{ role: 'user', content: 'Weather in Paris and Oslo?' }], tools: [WEATHER] };
const TWO_CITIES = {
  type: 'toolCall' as const,
  calls: [
    { name: 'get_weather', arguments: { city: 'Paris' } },
    { name: 'get_weather', arguments: { city: 'Oslo' } },
  ],
};

describe('full chat: Ollama over HTTP (emulator)', () => {
  let emu: Emulator;
  let ep: ProviderEndpoint;
  before(async () => {
    emu = await startEmulator({ name: 'ollama' });
    ep = { id: 'ollama', kind: 'ollama', baseUrl: emu.baseUrl('ollama'), model: 'llama3.2' };
  });
  beforeEach(() => emu.reset());
  after(() => emu.close());

  it('sends tools as functions and reads message.tool_calls with object arguments, ids generated, finishReason tool_calls', async () => {
    emu.enqueue(TWO_CITIES);
    const res = await sendChat(ollamaAdapter, ep, ask);
    assert.deepEqual((emu.requests[0].body as { tools: unknown }).tools, [{ type: 'function', function: { name: 'get_weather', parameters: WEATHER.parameters } }]);
    assert.deepEqual(res.toolCalls.map((c) => c.arguments), [{ city: 'Paris' }, { city: 'Oslo' }]);
    assert.notEqual(res.toolCalls[0].id, res.toolCalls[1].id);
    assert.equal(res.finishReason, 'tool_calls');
  });

  it('streams the calls, each whole, to onToolCall', async () => {
    emu.enqueue(TWO_CITIES);
    const calls: ToolCall[] = [];
    const res = await sendChat(ollamaAdapter, ep, { ...ask, stream: true }, { onToolCall: (c) => calls.push(c) });
    assert.deepEqual(calls, res.toolCalls);
    assert.equal(calls.length, 2);
    assert.equal(res.finishReason, 'tool_calls');
  });

  it('sends the second turn back with object arguments and role tool results naming their tool, and no tools for toolChoice none', async () => {
    emu.enqueue(TWO_CITIES);
    const first = await sendChat(ollamaAdapter, ep, ask);
    await sendChat(ollamaAdapter, ep, {
      ...ask,
      toolChoice: 'none',
      messages: [
        ...ask.messages,
        { role: 'assistant', content: first.toolCalls.map((c) => ({ type: 'tool_call' as const, ...c })) },
        { role: 'tool', content: first.toolCalls.map((c) => ({ type: 'tool_result' as const, callId: c.id, content: `sunny in ${c.arguments.city as string}` })) },
      ],
    });
    const wire = emu.requests[1].body as { messages: unknown[]; tools?: unknown };
    assert.deepEqual(wire.messages.slice(1), [
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }, { function: { name: 'get_weather', arguments: { city: 'Oslo' } } }] },
      { role: 'tool', content: 'sunny in Paris', tool_name: 'get_weather' },
      { role: 'tool', content: 'sunny in Oslo', tool_name: 'get_weather' },
    ]);
    assert.equal(wire.tools, undefined);
  });

  it('sends base64 images in images[] and a JSON Schema as format', async () => {
    const schema = { type: 'object', properties: { colour: { type: 'string' } } };
    emu.enqueue({ type: 'ok', reply: '{"colour":"red"}' });
    const res = await sendChat(ollamaAdapter, ep, {
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Colour?' }, { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0K' } }] }],
      responseFormat: { type: 'json_schema', schema },
    });
    const wire = emu.requests[0].body as { messages: unknown[]; format: unknown };
    assert.deepEqual(wire.messages[0], { role: 'user', content: 'Colour?', images: ['iVBORw0K'] });
    assert.deepEqual(wire.format, schema);
    assert.deepEqual(JSON.parse(res.text), { colour: 'red' });
  });
});
