import assert from 'node:assert/strict';
import OpenAI from 'openai';
import type { ProviderKind } from '../../src/engine/types';
import { GEMINI_EMULATED_SIGNATURE } from '../emulator/formats/gemini';
import { type GatewayHarness, rejectionOf, startGatewayHarness } from './gatewayHarness';

/**
 * Full chat through POST /v1/chat/completions, driven by the official openai client. Shapes as in the OpenAI API
 * reference, Chat Completions create / object / chunk (platform.openai.com/docs/api-reference/chat, read 2026-12-03).
 */

type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;
const KINDS: ProviderKind[] = ['openai', 'anthropic', 'gemini', 'cohere', 'ollama'];
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const weather: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};
const ask: Message[] = [{ role: 'user', content: 'Weather in Paris?' }];
const paris = { type: 'toolCall' as const, calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] };
const parisAndOslo = { type: 'toolCall' as const, calls: [paris.calls[0], { name: 'get_weather', arguments: { city: 'Oslo' } }] };

describe('gateway: OpenAI Chat Completions with tools, images and structured output (official openai client)', () => {
  let h: GatewayHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  for (const kind of KINDS) {
    it(`answers a tool call from a ${kind} upstream as message.tool_calls with JSON-string arguments, streamed and not`, async () => {
      h = await startGatewayHarness([{ id: 'up', kind }]);
      h.emulators.up.enqueue(paris, paris);
      const plain = await h.openai().chat.completions.create({ model: 'auto', messages: ask, tools: [weather] });
      const choice = plain.choices[0];
      assert.equal(choice.finish_reason, 'tool_calls');
      assert.equal(choice.message.tool_calls?.length, 1);
      const call = choice.message.tool_calls[0];
      assert.ok(call.type === 'function');
      assert.equal(call.function.name, 'get_weather');
      assert.equal(typeof call.function.arguments, 'string');
      assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
      assert.ok(call.id.length > 0);

      const final = await h.openai().chat.completions.stream({ model: 'auto', messages: ask, tools: [weather] }).finalChatCompletion();
      assert.equal(final.choices[0].finish_reason, 'tool_calls');
      const streamed = final.choices[0].message.tool_calls ?? [];
      assert.equal(streamed.length, 1);
      assert.ok(streamed[0].type === 'function');
      assert.equal(streamed[0].function.name, 'get_weather');
      assert.deepEqual(JSON.parse(streamed[0].function.arguments), { city: 'Paris' });

      const tools = h.emulators.up.requests.map((r) => JSON.stringify(r.body));
      assert.ok(tools.every((b) => b.includes('get_weather')), 'the tool definition reached the upstream both times');
    });
  }

  it('keeps the text that precedes tool calls in message.content, streamed and not', async () => {
    h = await startGatewayHarness([{ id: 'up' }]);
    h.emulators.up.enqueue({ ...paris, text: 'Let me check.' }, { ...paris, text: 'Let me check.' });
    const plain = await h.openai().chat.completions.create({ model: 'auto', messages: ask, tools: [weather] });
    assert.equal(plain.choices[0].message.content, 'Let me check.');
    assert.equal(plain.choices[0].message.tool_calls?.length, 1);
    const final = await h.openai().chat.completions.stream({ model: 'auto', messages: ask, tools: [weather] }).finalChatCompletion();
    assert.equal(final.choices[0].message.content, 'Let me check.');
    assert.equal(final.choices[0].message.tool_calls?.length, 1);
  });

  it('streams each tool call as one delta by index with id, type, name and arguments, then finish_reason and the usage chunk', async () => {
    h = await startGatewayHarness([{ id: 'up', kind: 'anthropic', emulator: { cachedInputTokens: 7 } }]);
    h.emulators.up.enqueue(parisAndOslo);
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    const stream = await h.openai().chat.completions.create({ model: 'auto', messages: ask, tools: [weather], stream: true, stream_options: { include_usage: true } });
    for await (const c of stream) chunks.push(c);
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    assert.deepEqual(
      deltas.map((d) => [d.index, d.type, d.function?.name, JSON.parse(d.function?.arguments ?? 'null')]),
      [
        [0, 'function', 'get_weather', { city: 'Paris' }],
        [1, 'function', 'get_weather', { city: 'Oslo' }],
      ],
    );
    assert.ok(deltas.every((d) => typeof d.id === 'string' && d.id !== ''));
    assert.notEqual(deltas[0].id, deltas[1].id);
    assert.equal(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0].finish_reason, 'tool_calls');
    const last = chunks[chunks.length - 1];
    assert.deepEqual(last.choices, []);
    assert.equal(last.usage?.prompt_tokens_details?.cached_tokens, 7);
  });

  it('carries a two-turn tool conversation with parallel calls to a Gemini upstream and back', async () => {
    h = await startGatewayHarness([{ id: 'gem', kind: 'gemini' }]);
    h.emulators.gem.enqueue(parisAndOslo, { type: 'ok', reply: 'Paris 18°C, Oslo 4°C.' });
    const client = h.openai();
    const first = await client.chat.completions.stream({ model: 'auto', messages: ask, tools: [weather] }).finalChatCompletion();
    const calls = first.choices[0].message.tool_calls ?? [];
    assert.equal(calls.length, 2);
    const answers: Message[] = calls.map((c, i) => ({ role: 'tool', tool_call_id: c.id, content: i === 0 ? '18°C' : '4°C' }));
    const second = await client.chat.completions.create({
      model: 'auto',
      tools: [weather],
      messages: [...ask, { role: 'assistant', content: first.choices[0].message.content, tool_calls: calls }, ...answers],
    });
    assert.equal(second.choices[0].message.content, 'Paris 18°C, Oslo 4°C.');
    assert.equal(second.choices[0].finish_reason, 'stop');
    const wire = h.emulators.gem.requests[1].body as { contents: { role: string; parts: Record<string, { name?: string; args?: unknown; response?: unknown }>[] }[] };
    const calledWith = wire.contents.flatMap((c) => c.parts.filter((p) => p.functionCall).map((p) => p.functionCall.args));
    assert.deepEqual(calledWith, [{ city: 'Paris' }, { city: 'Oslo' }]);
    const responses = wire.contents.flatMap((c) => c.parts.filter((p) => p.functionResponse).map((p) => p.functionResponse.name));
    assert.deepEqual(responses, ['get_weather', 'get_weather']);
    // Gemini's thought signature has no field in the OpenAI format: the gateway kept it by call id and sent it back.
    const signed = wire.contents.flatMap((c) => c.parts.filter((p) => p.functionCall).map((p) => (p as { thoughtSignature?: string }).thoughtSignature));
    assert.deepEqual(signed, [GEMINI_EMULATED_SIGNATURE, undefined]);
  });

  it('maps tool_choice to the upstream: required, none and a named function', async () => {
    h = await startGatewayHarness([{ id: 'claude', kind: 'anthropic' }]);
    for (const tool_choice of ['required', 'none', { type: 'function', function: { name: 'get_weather' } }] as const) {
      await h.openai().chat.completions.create({ model: 'auto', messages: ask, tools: [weather], tool_choice });
    }
    const sent = h.emulators.claude.requests.map((r) => (r.body as { tool_choice?: unknown }).tool_choice);
    assert.deepEqual(sent, [{ type: 'any' }, { type: 'none' }, { type: 'tool', name: 'get_weather' }]);
  });

  it('sends image_url parts on: data: URLs as base64 images, http(s) URLs as URLs', async () => {
    h = await startGatewayHarness([{ id: 'claude', kind: 'anthropic' }]);
    const res = await h.openai().chat.completions.create({
      model: 'auto',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
            { type: 'image_url', image_url: { url: 'https://images.test/cat.jpg', detail: 'low' } },
          ],
        },
      ],
    });
    assert.equal(res.choices[0].message.content, 'Hello from claude.');
    const wire = h.emulators.claude.requests[0].body as { messages: { content: unknown[] }[] };
    // Two images count as 3,200 prompt tokens in the router's estimate, past the 1,024-token minimum: the turn gets a cache breakpoint.
    assert.deepEqual(wire.messages[0].content, [
      { type: 'text', text: 'What is in these?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
      { type: 'image', source: { type: 'url', url: 'https://images.test/cat.jpg' }, cache_control: { type: 'ephemeral' } },
    ]);
  });

  it('asks the upstream for structured output with response_format json_schema and json_object, on OpenAI, Gemini and Anthropic, and skips a provider without it', async () => {
    h = await startGatewayHarness([{ id: 'plain', extra: { capabilities: { structuredOutput: false } } }, { id: 'gpt' }, { id: 'gem', kind: 'gemini' }, { id: 'claude', kind: 'anthropic' }]);
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    const place = { type: 'json_schema' as const, json_schema: { name: 'place', schema, strict: true } };
    h.emulators.gpt.enqueue({ type: 'ok', reply: '{"city":"Paris"}' });
    const { data, response } = await h.openai().chat.completions.create({ model: 'auto', messages: ask, response_format: place }).withResponse();
    assert.deepEqual(JSON.parse(data.choices[0].message.content ?? ''), { city: 'Paris' });
    assert.equal(response.headers.get('x-llm-router-provider'), 'gpt');
    assert.equal(h.emulators.plain.requests.length, 0, 'the provider without structured output was skipped before any connection');
    assert.deepEqual((h.emulators.gpt.requests[0].body as { response_format: unknown }).response_format, place);

    h.emulators.gem.enqueue({ type: 'ok', reply: '{"ok":true}' });
    const streamed = await h.openai().chat.completions.stream({ model: 'gem', messages: ask, response_format: { type: 'json_object' } }).finalChatCompletion();
    assert.deepEqual(JSON.parse(streamed.choices[0].message.content ?? ''), { ok: true });
    const generationConfig = (h.emulators.gem.requests[0].body as { generationConfig: { responseMimeType?: string; responseSchema?: unknown } }).generationConfig;
    assert.equal(generationConfig.responseMimeType, 'application/json');
    assert.deepEqual(generationConfig.responseSchema, { type: 'object' });

    h.emulators.claude.enqueue({ type: 'ok', reply: '{"city":"Oslo"}' });
    const claude = await h.openai().chat.completions.create({ model: 'claude', messages: ask, response_format: place });
    assert.deepEqual(JSON.parse(claude.choices[0].message.content ?? ''), { city: 'Oslo' });
    const outputConfig = (h.emulators.claude.requests[0].body as { output_config?: { format?: { type: string } } }).output_config;
    assert.equal(outputConfig?.format?.type, 'json_schema');
  });

  it('falls back transparently when a stream is cut inside tool-call arguments: the client sees one clean answer', async () => {
    h = await startGatewayHarness([{ id: 'primary' }, { id: 'backup', kind: 'anthropic' }], { retry: { maxAttempts: 1 } });
    h.emulators.primary.enqueue({ ...parisAndOslo, cutInArguments: true });
    h.emulators.backup.enqueue(paris);
    const events: string[] = [];
    const runner = h.openai().chat.completions.stream({ model: 'auto', messages: ask, tools: [weather] });
    runner.on('tool_calls.function.arguments.done', (e) => events.push(`${e.name}(${e.arguments})`));
    const final = await runner.finalChatCompletion();
    const calls = final.choices[0].message.tool_calls ?? [];
    assert.equal(calls.length, 1);
    assert.ok(calls[0].type === 'function');
    assert.deepEqual(JSON.parse(calls[0].function.arguments), { city: 'Paris' });
    assert.deepEqual(events, ['get_weather({"city":"Paris"})']);
    assert.equal(final.choices[0].finish_reason, 'tool_calls');
    assert.deepEqual([h.emulators.primary.requests.length, h.emulators.backup.requests.length], [1, 1]);
  });

  it('names the field of bad tool input with a 400 and asks no provider', async () => {
    h = await startGatewayHarness([{ id: 'primary' }]);
    const client = h.openai();
    const call = { id: 'call_1', type: 'function' as const, function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ messages: [...ask, { role: 'tool', tool_call_id: 'call_9', content: '18°C' }] }, /^400 messages\[1\]\.tool_call_id: 'call_9' answers no tool call/],
      [{ messages: [...ask, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', content: 'x' }] }, /^400 messages\[2\]\.tool_call_id: is required/],
      [{ messages: [...ask, { role: 'assistant', tool_calls: [{ ...call, function: { name: 'get_weather', arguments: '{city' } }] }] }, /^400 messages\[1\]\.tool_calls\[0\]\.function\.arguments: must be a JSON object/],
      [{ tools: [{ type: 'function', function: { parameters: { type: 'object' } } }] }, /^400 tools\[0\]\.function\.name: is required/],
      [{ tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'thing' } } }] }, /^400 tools\[0\]\.function\.parameters\.type: must be one of object/],
      [{ tools: [{ type: 'function', function: { name: 'f', parameters: 'object' } }] }, /^400 tools\[0\]\.function\.parameters: must be a JSON Schema object/],
      [{ tools: [weather, weather] }, /^400 tools\[1\]\.function\.name: 'get_weather' is defined twice/],
      [{ tools: [{ type: 'custom', custom: { name: 'f' } }] }, /^400 tools\[0\]\.type: must be 'function'/],
      [{ tools: [weather], tool_choice: { type: 'function', function: { name: 'nope' } } }, /^400 tool_choice\.function\.name: 'nope' is not one of the request's tools/],
      [{ tool_choice: 'required' }, /^400 tool_choice: is 'required' but the request defines no tools/],
      [{ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', properties: { a: 1 } } } } }, /^400 response_format\.json_schema\.schema\.properties\.a: /],
      [{ response_format: { type: 'xml' } }, /^400 response_format\.type: must have a type of 'text', 'json_object' or 'json_schema'/],
      [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'file:///etc/passwd' } }] }] }, /^400 messages\[0\]\.content\[0\]\.image_url\.url: must be an http\(s\) URL or a data: URL/],
      [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:text/plain;base64,AA' } }] }] }, /^400 messages\[0\]\.content\[0\]\.image_url\.url: must be a data:image/],
      [{ functions: [{ name: 'f' }] }, /^400 functions: .*send them as tools/],
    ];
    for (const [patch, expected] of cases) {
      const err = await rejectionOf(client.chat.completions.create({ model: 'auto', messages: ask, ...patch } as never));
      assert.ok(err instanceof OpenAI.BadRequestError, `${JSON.stringify(patch)}: ${String(err)}`);
      assert.match(err.message, expected, `${JSON.stringify(patch)} → ${err.message}`);
      assert.equal(err.type, 'invalid_request_error');
    }
    assert.equal(h.emulators.primary.requests.length, 0);
  });
});
