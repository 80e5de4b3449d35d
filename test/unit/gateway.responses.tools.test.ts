import assert from 'node:assert/strict';
import http from 'node:http';
import OpenAI from 'openai';
import type { ProviderKind } from '../../src/engine/types';
import { GEMINI_EMULATED_SIGNATURE } from '../emulator/formats/gemini';
import { collect, GATEWAY_TOKEN, type GatewayHarness, rejectionOf, startGatewayHarness } from './gatewayHarness';

/**
 * Full chat through POST /v1/responses: function tools, function_call / function_call_output items, images and
 * text.format, driven by the official openai client (6.30.1), on upstreams of every wire format.
 */

type InputItem = OpenAI.Responses.ResponseInputItem;
const KINDS: ProviderKind[] = ['openai', 'anthropic', 'gemini', 'cohere', 'ollama'];
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const weather: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};
const ask = 'Weather in Paris?';
const paris = { type: 'toolCall' as const, calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] };
const parisAndOslo = { type: 'toolCall' as const, calls: [paris.calls[0], { name: 'get_weather', arguments: { city: 'Oslo' } }] };

function calls(res: { output: OpenAI.Responses.ResponseOutputItem[] }): OpenAI.Responses.ResponseFunctionToolCall[] {
  return res.output.filter((i): i is OpenAI.Responses.ResponseFunctionToolCall => i.type === 'function_call');
}

describe('gateway: OpenAI Responses with tools, images and structured output (official openai client)', () => {
  let h: GatewayHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  for (const kind of KINDS) {
    it(`answers a tool call from a ${kind} upstream as a function_call item with JSON-string arguments, streamed and not`, async () => {
      h = await startGatewayHarness([{ id: 'up', kind }]);
      h.emulators.up.enqueue(paris, paris);
      const plain = await h.openai().responses.create({ model: 'auto', input: ask, tools: [weather] });
      assert.equal(plain.status, 'completed');
      assert.deepEqual(plain.output.map((i) => i.type), ['function_call']);
      const [call] = calls(plain);
      assert.equal(call.name, 'get_weather');
      assert.equal(typeof call.arguments, 'string');
      assert.deepEqual(JSON.parse(call.arguments), { city: 'Paris' });
      assert.ok(call.call_id.length > 0);
      assert.match(call.id ?? '', /^fc_/);
      assert.equal(call.status, 'completed');
      assert.deepEqual(plain.tools, [{ ...weather }]);

      const streamed = await h.openai().responses.stream({ model: 'auto', input: ask, tools: [weather] }).finalResponse();
      const [again] = calls(streamed);
      assert.equal(again.name, 'get_weather');
      assert.deepEqual(JSON.parse(again.arguments), { city: 'Paris' });
      assert.equal(streamed.status, 'completed');

      const sent = h.emulators.up.requests.map((r) => JSON.stringify(r.body));
      assert.ok(sent.every((b) => b.includes('get_weather')), 'the tool definition reached the upstream both times');
    });
  }

  it('streams text, then each call as its own output item with arguments delta and done, at rising output indexes', async () => {
    h = await startGatewayHarness([{ id: 'up', kind: 'anthropic', emulator: { cachedInputTokens: 7 } }]);
    h.emulators.up.enqueue({ ...parisAndOslo, text: 'Let me check.' });
    const events = await collect(await h.openai().responses.create({ model: 'auto', input: ask, tools: [weather], stream: true }));
    const outline = events
      .filter((e) => e.type !== 'response.output_text.delta')
      .map((e) => ('output_index' in e ? `${e.type}@${e.output_index}` : e.type));
    assert.deepEqual(outline, [
      'response.created',
      'response.in_progress',
      'response.output_item.added@0',
      'response.content_part.added@0',
      'response.output_text.done@0',
      'response.content_part.done@0',
      'response.output_item.done@0',
      'response.output_item.added@1',
      'response.function_call_arguments.delta@1',
      'response.function_call_arguments.done@1',
      'response.output_item.done@1',
      'response.output_item.added@2',
      'response.function_call_arguments.delta@2',
      'response.function_call_arguments.done@2',
      'response.output_item.done@2',
      'response.completed',
    ]);
    const added = events.find((e) => e.type === 'response.output_item.added' && e.output_index === 1);
    assert.ok(added?.type === 'response.output_item.added' && added.item.type === 'function_call');
    assert.equal(added.item.arguments, '');
    assert.equal(added.item.status, 'in_progress');
    const argsDone = events.filter((e) => e.type === 'response.function_call_arguments.done');
    assert.deepEqual(argsDone.map((e) => e.type === 'response.function_call_arguments.done' && [e.name, JSON.parse(e.arguments)]), [
      ['get_weather', { city: 'Paris' }],
      ['get_weather', { city: 'Oslo' }],
    ]);
    const completed = events[events.length - 1];
    assert.ok(completed.type === 'response.completed');
    assert.deepEqual(completed.response.output.map((i) => i.type), ['message', 'function_call', 'function_call']);
    const ids = calls(completed.response).map((c) => c.call_id);
    assert.equal(new Set(ids).size, 2);
    assert.equal(completed.response.usage?.input_tokens_details.cached_tokens, 7);
  });

  it('carries a two-turn tool conversation (function_call and function_call_output items) to a Gemini upstream and back', async () => {
    h = await startGatewayHarness([{ id: 'gem', kind: 'gemini' }]);
    h.emulators.gem.enqueue(parisAndOslo, { type: 'ok', reply: 'Paris 18°C, Oslo 4°C.' });
    const client = h.openai();
    const first = await client.responses.stream({ model: 'auto', input: ask, tools: [weather], store: false }).finalResponse();
    const made = calls(first);
    assert.equal(made.length, 2);
    // As Codex sends the history back with store: false: the call items as received, then one output per call.
    const history: InputItem[] = [
      { role: 'user', content: ask },
      ...made.map(({ type, call_id, name, arguments: args }) => ({ type, call_id, name, arguments: args })),
      ...made.map((c, i) => ({ type: 'function_call_output' as const, call_id: c.call_id, output: i === 0 ? '18°C' : [{ type: 'input_text' as const, text: '4°C' }] })),
    ];
    const second = await client.responses.create({ model: 'auto', tools: [weather], input: history });
    assert.equal(second.output_text, 'Paris 18°C, Oslo 4°C.');
    assert.equal(second.status, 'completed');
    const wire = h.emulators.gem.requests[1].body as { contents: { role: string; parts: Record<string, { name?: string; args?: unknown; response?: unknown }>[] }[] };
    assert.deepEqual(wire.contents.map((c) => c.role), ['user', 'model', 'user']);
    const calledWith = wire.contents.flatMap((c) => c.parts.filter((p) => p.functionCall).map((p) => p.functionCall.args));
    assert.deepEqual(calledWith, [{ city: 'Paris' }, { city: 'Oslo' }], 'both calls in one model turn');
    const answered = wire.contents.flatMap((c) => c.parts.filter((p) => p.functionResponse).map((p) => p.functionResponse.name));
    assert.deepEqual(answered, ['get_weather', 'get_weather']);
    // Gemini's thought signature has no field in the Responses format: the gateway kept it by call id and sent it back.
    const signed = wire.contents.flatMap((c) => c.parts.filter((p) => p.functionCall).map((p) => (p as { thoughtSignature?: string }).thoughtSignature));
    assert.deepEqual(signed, [GEMINI_EMULATED_SIGNATURE, undefined]);
  });

  it('sends assistant text, calls and results to an Anthropic upstream as one assistant turn and one user turn of results', async () => {
    h = await startGatewayHarness([{ id: 'claude', kind: 'anthropic' }]);
    await h.openai().responses.create({
      model: 'auto',
      tools: [weather],
      input: [
        { role: 'user', content: ask },
        { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'opaque' },
        { type: 'message', role: 'assistant', id: 'msg_1', status: 'completed', content: [{ type: 'output_text', text: 'Let me check.', annotations: [] }] },
        { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' },
        { type: 'function_call_output', call_id: 'call_1', output: '18°C' },
      ],
    });
    const body = h.emulators.claude.requests[0].body as { messages: { role: string; content: { type: string; text?: string; id?: string; tool_use_id?: string; input?: unknown }[] }[] };
    assert.deepEqual(body.messages.map((m) => m.role), ['user', 'assistant', 'user']);
    const assistant = body.messages[1].content.map((b) => [b.type, b.text ?? b.input]);
    assert.deepEqual(assistant, [['text', 'Let me check.'], ['tool_use', { city: 'Paris' }]]);
    const result = body.messages[2].content[0];
    assert.equal(result.type, 'tool_result');
    assert.equal(result.tool_use_id, body.messages[1].content[1].id);
  });

  it('maps tool_choice to the upstream: required, none and a named function', async () => {
    h = await startGatewayHarness([{ id: 'claude', kind: 'anthropic' }]);
    for (const tool_choice of ['required', 'none', { type: 'function', name: 'get_weather' }] as const) {
      const res: OpenAI.Responses.Response = await h.openai().responses.create({ model: 'auto', input: ask, tools: [weather], tool_choice, parallel_tool_calls: false });
      assert.deepEqual(res.tool_choice, tool_choice);
      assert.equal(res.parallel_tool_calls, false);
    }
    const sent = h.emulators.claude.requests.map((r) => (r.body as { tool_choice?: unknown }).tool_choice);
    assert.deepEqual(sent, [{ type: 'any' }, { type: 'none' }, { type: 'tool', name: 'get_weather' }]);
  });

  it('sends input_image parts on: data: URLs as base64 images, https URLs as URLs, in messages and in function_call_output', async () => {
    h = await startGatewayHarness([{ id: 'claude', kind: 'anthropic' }]);
    const res = await h.openai().responses.create({
      model: 'auto',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'What is in these?' },
            { type: 'input_image', image_url: `data:image/png;base64,${PNG}`, detail: 'auto' },
            { type: 'input_image', image_url: 'https://images.test/cat.jpg', detail: 'low' },
          ],
        },
      ],
    });
    assert.equal(res.output_text, 'Hello from claude.');
    const wire = h.emulators.claude.requests[0].body as { messages: { content: Record<string, unknown>[] }[] };
    assert.deepEqual(
      wire.messages[0].content.map(({ cache_control: _, ...b }) => b),
      [
        { type: 'text', text: 'What is in these?' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
        { type: 'image', source: { type: 'url', url: 'https://images.test/cat.jpg' } },
      ],
    );

    await h.openai().responses.create({
      model: 'auto',
      tools: [weather],
      input: [
        { role: 'user', content: 'Take a screenshot' },
        { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call_output', call_id: 'call_1', output: [{ type: 'input_text', text: 'here:' }, { type: 'input_image', image_url: `data:image/png;base64,${PNG}` }] },
      ],
    });
    const second = h.emulators.claude.requests[1].body as { messages: { content: { type: string; content?: { type: string }[] }[] }[] };
    assert.deepEqual(second.messages[2].content[0].content?.map((b) => b.type), ['text', 'image']);
  });

  it('asks the upstream for structured output with text.format json_schema and json_object, and skips a provider without it', async () => {
    h = await startGatewayHarness([{ id: 'plain', extra: { capabilities: { structuredOutput: false } } }, { id: 'gpt' }, { id: 'gem', kind: 'gemini' }]);
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    const format = { type: 'json_schema' as const, name: 'place', schema, strict: true };
    h.emulators.gpt.enqueue({ type: 'ok', reply: '{"city":"Paris"}' });
    const { data, response } = await h.openai().responses.create({ model: 'auto', input: ask, text: { format } }).withResponse();
    assert.deepEqual(JSON.parse(data.output_text), { city: 'Paris' });
    assert.deepEqual(data.text?.format, format);
    assert.equal(response.headers.get('x-llm-router-provider'), 'gpt');
    assert.equal(h.emulators.plain.requests.length, 0, 'the provider without structured output was skipped before any connection');
    assert.deepEqual((h.emulators.gpt.requests[0].body as { response_format: unknown }).response_format, { type: 'json_schema', json_schema: { name: 'place', schema, strict: true } });

    h.emulators.gem.enqueue({ type: 'ok', reply: '{"ok":true}' });
    const events = await collect(await h.openai().responses.create({ model: 'gem', input: ask, text: { format: { type: 'json_object' } }, stream: true }));
    const done = events.find((e) => e.type === 'response.output_text.done');
    assert.ok(done?.type === 'response.output_text.done');
    assert.deepEqual(JSON.parse(done.text), { ok: true });
    const generationConfig = (h.emulators.gem.requests[0].body as { generationConfig: { responseMimeType?: string; responseSchema?: unknown } }).generationConfig;
    assert.equal(generationConfig.responseMimeType, 'application/json');
    assert.deepEqual(generationConfig.responseSchema, { type: 'object' });
  });

  it('falls back transparently when a stream is cut inside tool-call arguments: the client sees one clean response', async () => {
    h = await startGatewayHarness([{ id: 'primary' }, { id: 'backup', kind: 'anthropic' }], { retry: { maxAttempts: 1 } });
    h.emulators.primary.enqueue({ ...parisAndOslo, cutInArguments: true });
    h.emulators.backup.enqueue(paris);
    const events = await collect(await h.openai().responses.create({ model: 'auto', input: ask, tools: [weather], stream: true }));
    assert.equal(events.filter((e) => e.type === 'response.created').length, 1);
    const completed = events[events.length - 1];
    assert.ok(completed.type === 'response.completed');
    assert.deepEqual(calls(completed.response).map((c) => JSON.parse(c.arguments)), [{ city: 'Paris' }]);
    assert.deepEqual([h.emulators.primary.requests.length, h.emulators.backup.requests.length], [1, 1]);
  });

  it('accepts the request Codex CLI sends and streams an answer it can read', async () => {
    h = await startGatewayHarness([{ id: 'up', kind: 'anthropic' }]);
    h.emulators.up.enqueue(paris);
    const codexBody = {
      model: 'auto',
      instructions: 'You are a coding agent.',
      input: [
        { type: 'message', role: 'developer', content: [{ type: 'input_text', text: '<permissions instructions>' }] },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: ask }] },
      ],
      tools: [{ ...weather, strict: false }],
      tool_choice: 'auto',
      parallel_tool_calls: false,
      reasoning: { effort: 'medium', summary: 'auto' },
      store: false,
      stream: true,
      include: ['reasoning.encrypted_content'],
      prompt_cache_key: '0199a1b2-thread',
      text: { verbosity: 'medium' },
    };
    const text = await new Promise<string>((resolve, reject) => {
      const headers = { authorization: `Bearer ${GATEWAY_TOKEN}`, 'content-type': 'application/json', accept: 'text/event-stream', host: `127.0.0.1:${h!.gateway.port}` };
      const req = http.request(`${h!.gateway.url}/v1/responses`, { method: 'POST', headers, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${res.statusCode}: ${body}`))));
      });
      req.on('error', reject);
      req.end(JSON.stringify(codexBody));
    });
    const frames = text
      .trim()
      .split('\n\n')
      .map((b) => JSON.parse(b.split('\n')[1].replace(/^data: /, '')) as { type: string; item?: { type: string; call_id?: string; name?: string; arguments?: string }; response?: { id: string; usage: unknown } });
    const doneItems = frames.filter((f) => f.type === 'response.output_item.done').map((f) => f.item);
    assert.equal(doneItems.length, 1);
    assert.equal(doneItems[0]?.type, 'function_call');
    assert.equal(doneItems[0]?.name, 'get_weather');
    assert.ok(doneItems[0]?.call_id);
    assert.deepEqual(JSON.parse(doneItems[0]?.arguments ?? ''), { city: 'Paris' });
    const completed = frames[frames.length - 1];
    assert.equal(completed.type, 'response.completed');
    assert.ok(completed.response?.id && completed.response.usage);
    const upstream = h.emulators.up.requests[0].body as { system?: unknown };
    assert.match(JSON.stringify(upstream.system), /You are a coding agent\.\\n\\n<permissions instructions>/);
  });

  // Codex's apply_patch is a custom tool: free-form text checked by a Lark grammar (openai 6.30.1 CustomTool, read 2026-12-04).
  const applyPatch: OpenAI.Responses.CustomTool = {
    type: 'custom',
    name: 'apply_patch',
    description: 'Edit files with a patch.',
    format: { type: 'grammar', syntax: 'lark', definition: 'start: begin_patch hunk+ end_patch' },
  };
  const patchText = '*** Begin Patch\n*** Update File: a.ts\n@@\n-old\n+new\n*** End Patch';

  for (const kind of ['anthropic', 'gemini'] as ProviderKind[]) {
    it(`serves a custom tool on a ${kind} upstream as a one-string function, answered as a custom_tool_call item, streamed and not; hosted tools are left out and named`, async () => {
      h = await startGatewayHarness([{ id: 'up', kind }]);
      const call = { type: 'toolCall' as const, calls: [{ name: 'apply_patch', arguments: { input: patchText } }] };
      h.emulators.up.enqueue(call, call);
      const body = { model: 'auto', input: 'Rename old to new in a.ts', tools: [applyPatch, { type: 'web_search' as const }, weather] };
      const { data: plain, response } = await h.openai().responses.create(body).withResponse();
      assert.equal(response.headers.get('x-llm-router-dropped-tools'), 'web_search');
      const [item] = plain.output;
      assert.equal(item.type, 'custom_tool_call');
      if (item.type !== 'custom_tool_call') return;
      assert.equal(item.name, 'apply_patch');
      assert.equal(item.input, patchText);
      assert.match(item.id ?? '', /^ctc_/);
      assert.deepEqual(plain.tools.map((t) => t.type), ['custom', 'function'], 'the echo lists the tools that were served');

      const events = await collect(await h.openai().responses.create({ ...body, stream: true }));
      const types = events.map((e) => e.type);
      assert.ok(types.includes('response.custom_tool_call_input.delta') && types.includes('response.custom_tool_call_input.done'), types.join(', '));
      const done = events.find((e) => e.type === 'response.output_item.done');
      assert.deepEqual(done && 'item' in done ? { type: done.item.type, input: (done.item as { input?: string }).input } : undefined, { type: 'custom_tool_call', input: patchText });

      // What the upstream was offered: the custom tool as a function of one string, its grammar in the description, no web search.
      const sent = JSON.stringify(h.emulators.up.requests[0].body);
      assert.ok(!sent.includes('web_search'), sent);
      assert.match(sent, /apply_patch/);
      assert.match(sent, /lark grammar:\\nstart: begin_patch hunk\+ end_patch/);
      assert.match(sent, /"required":\["input"\]/);
    });
  }

  it('carries custom_tool_call and custom_tool_call_output items to the upstream as a call with its input and its result, leaving hosted tools’ records out', async () => {
    h = await startGatewayHarness([{ id: 'up', kind: 'anthropic' }]);
    const input: InputItem[] = [
      { role: 'user', content: 'Rename old to new in a.ts' },
      { type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'rename' } } as InputItem,
      { type: 'custom_tool_call', call_id: 'call_p1', name: 'apply_patch', input: patchText },
      { type: 'custom_tool_call_output', call_id: 'call_p1', output: 'Done: a.ts updated' },
    ];
    const res = await h.openai().responses.create({ model: 'auto', input, tools: [applyPatch] });
    assert.equal(res.status, 'completed');
    const messages = (h.emulators.up.requests[0].body as { messages: { role: string; content: unknown }[] }).messages;
    assert.deepEqual(messages.slice(1), [
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_p1', name: 'apply_patch', input: { input: patchText } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_p1', content: 'Done: a.ts updated' }] },
    ]);
  });

  it('names the field of bad tool input with a 400 and asks no provider', async () => {
    h = await startGatewayHarness([{ id: 'primary' }]);
    const client = h.openai();
    const call = { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ tools: [{ type: 'shell' }] }, /^400 tools\[0\]\.type: 'shell' tools are run by the client in a format only OpenAI's models produce/],
      [{ tools: [{ type: 'custom' }] }, /^400 tools\[0\]\.name: is required/],
      [{ tools: [{ type: 'custom', name: 'patch', format: { type: 'grammar', syntax: 'ebnf', definition: 'x' } }] }, /^400 tools\[0\]\.format\.syntax: must be 'lark' or 'regex'/],
      [{ tools: [{ type: 'custom', name: 'patch' }], tool_choice: { type: 'function', name: 'patch' } }, /^400 tool_choice\.type: 'patch' is a custom tool/],
      [{ tools: [{ type: 'function', parameters: { type: 'object' } }] }, /^400 tools\[0\]\.name: is required/],
      [{ tools: [{ type: 'function', name: 'f', parameters: { type: 'thing' } }] }, /^400 tools\[0\]\.parameters\.type: must be one of object/],
      [{ tools: [weather, weather] }, /^400 tools\[1\]\.name: 'get_weather' is defined twice/],
      [{ tools: [weather], tool_choice: { type: 'function', name: 'nope' } }, /^400 tool_choice\.name: 'nope' is not one of the request's tools/],
      [{ tools: [weather], tool_choice: { type: 'web_search_preview' } }, /^400 tool_choice\.type: must be 'function' or 'custom'/],
      [{ tool_choice: 'required' }, /^400 tool_choice: is 'required' but the request defines no tools/],
      [{ input: [{ role: 'user', content: ask }, { type: 'function_call_output', call_id: 'call_9', output: '18°C' }] }, /^400 input\[1\]\.call_id: 'call_9' answers no function_call of an earlier item/],
      [{ input: [{ role: 'user', content: ask }, { ...call, arguments: '{city' }] }, /^400 input\[1\]\.arguments: must be a JSON object/],
      [{ input: [{ role: 'user', content: ask }, { ...call, call_id: undefined }] }, /^400 input\[1\]\.call_id: is required/],
      [{ input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }] }, /^400 input\[0\]\.content\[0\]\.file_id: is not served: this gateway has no file storage/],
      [{ input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'file:///etc/passwd' }] }] }, /^400 input\[0\]\.content\[0\]\.image_url: must be an http\(s\) URL or a data: URL/],
      [{ input: [{ role: 'system', content: [{ type: 'input_image', image_url: 'https://images.test/a.png' }] }, { role: 'user', content: ask }] }, /^400 input\[0\]\.content\[0\]\.type: 'input_image' parts belong to user messages/],
      [{ text: { format: { type: 'json_schema', schema: { type: 'object' } } } }, /^400 text\.format\.name: is required/],
      [{ text: { format: { type: 'json_schema', name: 'x', schema: { type: 'object', properties: { a: 1 } } } } }, /^400 text\.format\.schema\.properties\.a: /],
    ];
    for (const [patch, expected] of cases) {
      const err = await rejectionOf(client.responses.create({ model: 'auto', input: ask, ...patch } as never));
      assert.ok(err instanceof OpenAI.BadRequestError, `${JSON.stringify(patch)}: ${String(err)}`);
      assert.match(err.message, expected, `${JSON.stringify(patch)} → ${err.message}`);
      assert.equal(err.type, 'invalid_request_error');
    }
    assert.equal(h.emulators.primary.requests.length, 0);
  });
});
