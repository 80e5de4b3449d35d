import assert from 'node:assert/strict';
import { sendChat } from '../../src/engine/http/transport';
import type { ProviderEndpoint } from '../../src/engine/providers/adapter';
import { geminiAdapter } from '../../src/engine/providers/gemini';
import type { ChatRequest, ToolCall, ToolDefinition } from '../../src/engine/types';
import { GEMINI_EMULATED_SIGNATURE } from '../emulator/formats/gemini';
import { startEmulator, type Emulator } from '../emulator/server';

// Wire shapes from ai.google.dev/gemini-api/docs/function-calling, /thought-signatures, /structured-output (read 2026-12-03).

const WEATHER: ToolDefinition = { name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } };
const ask: ChatRequest = { messages: [{ role: 'user', content: 'Weather in Paris and Oslo?' }], tools: [WEATHER] };
const TWO_CITIES = {
  type: 'toolCall' as const,
  calls: [
    { name: 'get_weather', arguments: { city: 'Paris' } },
    { name: 'get_weather', arguments: { city: 'Oslo' } },
  ],
};
const wireOf = (req: ChatRequest, ep: ProviderEndpoint) => geminiAdapter.buildRequest(req, ep, false).body as Record<string, unknown>;

describe('full chat: Gemini over HTTP (emulator)', () => {
  let emu: Emulator;
  let ep: ProviderEndpoint;
  before(async () => {
    emu = await startEmulator({ name: 'gemini' });
    ep = { id: 'gemini', kind: 'gemini', baseUrl: emu.baseUrl('gemini'), model: 'gemini-2.5-flash', apiKey: 'gm-test' };
  });
  beforeEach(() => emu.reset());
  after(() => emu.close());

  it('sends functionDeclarations and maps tool choices to functionCallingConfig AUTO, NONE, ANY and ANY with allowedFunctionNames', () => {
    assert.deepEqual(wireOf(ask, ep).tools, [{ functionDeclarations: [{ name: 'get_weather', description: 'Current weather', parameters: WEATHER.parameters }] }]);
    const config = (toolChoice: ChatRequest['toolChoice']) => (wireOf({ ...ask, toolChoice }, ep).toolConfig as { functionCallingConfig: unknown }).functionCallingConfig;
    assert.deepEqual(config('auto'), { mode: 'AUTO' });
    assert.deepEqual(config('none'), { mode: 'NONE' });
    assert.deepEqual(config('required'), { mode: 'ANY' });
    assert.deepEqual(config({ name: 'get_weather' }), { mode: 'ANY', allowedFunctionNames: ['get_weather'] });
  });

  it('returns parallel functionCall parts as tool calls with unique generated ids, the signature kept, and finishReason tool_calls for STOP', async () => {
    emu.enqueue(TWO_CITIES);
    const res = await sendChat(geminiAdapter, ep, ask);
    assert.deepEqual(res.toolCalls.map((c) => c.arguments), [{ city: 'Paris' }, { city: 'Oslo' }]);
    assert.notEqual(res.toolCalls[0].id, res.toolCalls[1].id);
    for (const c of res.toolCalls) assert.match(c.id, /^call_[0-9a-f]{24}$/);
    assert.equal(res.toolCalls[0].signature, GEMINI_EMULATED_SIGNATURE);
    assert.equal(res.finishReason, 'tool_calls');
  });

  it('streams the calls as whole tool_call events to onToolCall', async () => {
    emu.enqueue({ ...TWO_CITIES, text: 'Checking.' });
    const calls: ToolCall[] = [];
    const res = await sendChat(geminiAdapter, ep, { ...ask, stream: true }, { onToolCall: (c) => calls.push(c) });
    assert.equal(res.text, 'Checking.');
    assert.deepEqual(calls, res.toolCalls);
    assert.equal(calls.length, 2);
    assert.equal(res.finishReason, 'tool_calls');
  });

  it('sends the second turn back: functionCall with its thoughtSignature in the model turn, functionResponse matched by name in a user turn', async () => {
    emu.enqueue(TWO_CITIES);
    const first = await sendChat(geminiAdapter, ep, ask);
    const [paris, oslo] = first.toolCalls;
    await sendChat(geminiAdapter, ep, {
      tools: [WEATHER],
      messages: [
        ...ask.messages,
        { role: 'assistant', content: first.toolCalls.map((c) => ({ type: 'tool_call' as const, ...c })) },
        {
          role: 'tool',
          content: [
            { type: 'tool_result', callId: paris.id, content: '18°C' },
            { type: 'tool_result', callId: oslo.id, content: 'offline', isError: true },
          ],
        },
      ],
    });
    const contents = (emu.requests[1].body as { contents: unknown[] }).contents;
    assert.deepEqual(contents.slice(1), [
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: GEMINI_EMULATED_SIGNATURE },
          { functionCall: { name: 'get_weather', args: { city: 'Oslo' } } },
        ],
      },
      {
        role: 'user',
        parts: [{ functionResponse: { name: 'get_weather', response: { result: '18°C' } } }, { functionResponse: { name: 'get_weather', response: { error: 'offline' } } }],
      },
    ]);
  });

  it("on Gemini 3, gives a step of calls that has no signature (another provider made it) Google's documented placeholder on its first call", () => {
    const gemini3 = { ...ep, model: 'gemini-3-pro-preview' };
    const call = (id: string, city: string, signature?: string) => ({ type: 'tool_call' as const, id, name: 'get_weather', arguments: { city }, ...(signature ? { signature } : {}) });
    const conversation = (calls: ReturnType<typeof call>[]) => ({
      tools: [WEATHER],
      messages: [
        { role: 'user' as const, content: 'Weather in Paris and Oslo?' },
        { role: 'assistant' as const, content: calls },
        { role: 'tool' as const, content: calls.map((c) => ({ type: 'tool_result' as const, callId: c.id, content: 'mild' })) },
      ],
    });
    const modelTurn = (wire: Record<string, unknown>) => (wire.contents as Array<{ role: string; parts: Array<Record<string, unknown>> }>).find((c) => c.role === 'model')?.parts;
    assert.deepEqual(modelTurn(wireOf(conversation([call('toolu_1', 'Paris'), call('toolu_2', 'Oslo')]), gemini3)), [
      { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'skip_thought_signature_validator' },
      { functionCall: { name: 'get_weather', args: { city: 'Oslo' } } },
    ]);
    assert.deepEqual(modelTurn(wireOf(conversation([call('a', 'Paris', 'real-signature'), call('b', 'Oslo')]), gemini3))?.map((p) => p.thoughtSignature), ['real-signature', undefined], 'a real signature is kept, nothing added');
    assert.deepEqual(modelTurn(wireOf(conversation([call('toolu_1', 'Paris')]), ep))?.map((p) => p.thoughtSignature), [undefined], 'Gemini 2.5 takes calls without signatures as they are');
  });

  it('sends a base64 image as inlineData and refuses an image URL before sending, so the router can fall back', () => {
    const contents = wireOf({ messages: [{ role: 'user', content: [{ type: 'text', text: 'What?' }, { type: 'image', source: { kind: 'base64', mediaType: 'image/jpeg', data: '/9j/' } }] }] }, ep)
      .contents as unknown[];
    assert.deepEqual(contents[0], { role: 'user', parts: [{ text: 'What?' }, { inlineData: { mimeType: 'image/jpeg', data: '/9j/' } }] });
    assert.throws(() => wireOf({ messages: [{ role: 'user', content: [{ type: 'image', source: { kind: 'url', url: 'https://x.test/a.png' } }] }] }, ep), { errorClass: 'bad_request' });
  });

  it('asks for structured output with responseMimeType application/json and responseSchema', async () => {
    const schema = { type: 'object', properties: { colour: { type: 'string' } } };
    emu.enqueue({ type: 'ok', reply: '{"colour":"blue"}' });
    const res = await sendChat(geminiAdapter, ep, { messages: [{ role: 'user', content: 'A colour' }], responseFormat: { type: 'json_schema', schema } });
    assert.deepEqual((emu.requests[0].body as { generationConfig: unknown }).generationConfig, { responseMimeType: 'application/json', responseSchema: schema });
    assert.deepEqual(JSON.parse(res.text), { colour: 'blue' });
  });

  it('reads cachedContentTokenCount as cache reads inside inputTokens', async () => {
    const caching = await startEmulator({ name: 'gemini', cachedInputTokens: 512 });
    try {
      const res = await sendChat(geminiAdapter, { ...ep, baseUrl: caching.baseUrl('gemini') }, { messages: [{ role: 'user', content: 'Hi' }] });
      assert.equal(res.usage.cachedInputTokens, 512);
      assert.ok(res.usage.inputTokens >= 512);
      assert.equal(res.usage.cacheWriteTokens, 0);
    } finally {
      await caching.close();
    }
  });
});
