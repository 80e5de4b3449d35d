import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import type { ChatResult, ProviderKind } from '../../src/engine/types';
import { parseMessages } from '../../src/gateway/anthropic/messagesRequest';
import { anthropicMessages } from '../../src/gateway/anthropic/messagesResponse';
import { type GatewayHarness, rejectionOf, startGatewayHarness } from './gatewayHarness';

/**
 * Full chat through POST /v1/messages, driven by the official @anthropic-ai/sdk client. Shapes as in Anthropic's
 * Messages API reference, tool use, vision and streaming pages (docs.anthropic.com, read 2026-12-03).
 */

const KINDS: ProviderKind[] = ['openai', 'anthropic', 'gemini', 'cohere', 'ollama'];
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const weather: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const ask = { max_tokens: 256, tools: [weather], messages: [{ role: 'user' as const, content: 'Weather in Paris?' }] };
const paris = { type: 'toolCall' as const, calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] };
const parisAndOslo = { type: 'toolCall' as const, calls: [paris.calls[0], { name: 'get_weather', arguments: { city: 'Oslo' } }] };

function toolUses(content: Anthropic.ContentBlock[]): Anthropic.ToolUseBlock[] {
  return content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
}

describe('gateway: Anthropic Messages with tools and images (official @anthropic-ai/sdk client)', () => {
  let h: GatewayHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  for (const kind of KINDS) {
    it(`answers a tool call from a ${kind} upstream as a tool_use block (id toolu_…) with stop_reason tool_use, streamed and not`, async () => {
      h = await startGatewayHarness([{ id: 'up', kind }]);
      h.emulators.up.enqueue(paris, paris);
      const plain = await h.anthropic().messages.create({ model: 'auto', ...ask });
      assert.equal(plain.stop_reason, 'tool_use');
      const [use] = toolUses(plain.content);
      assert.equal(use.name, 'get_weather');
      assert.deepEqual(use.input, { city: 'Paris' });
      assert.match(use.id, /^toolu_[a-zA-Z0-9_-]+$/);

      const final = await h.anthropic().messages.stream({ model: 'auto', ...ask }).finalMessage();
      assert.equal(final.stop_reason, 'tool_use');
      const streamed = toolUses(final.content);
      assert.equal(streamed.length, 1);
      assert.equal(streamed[0].name, 'get_weather');
      assert.deepEqual(streamed[0].input, { city: 'Paris' });
      assert.match(streamed[0].id, /^toolu_[a-zA-Z0-9_-]+$/);
    });
  }

  it('puts text before the tool calls: content [text, tool_use, tool_use], streamed and not', async () => {
    h = await startGatewayHarness([{ id: 'up' }]);
    h.emulators.up.enqueue({ ...parisAndOslo, text: 'Checking both.' }, { ...parisAndOslo, text: 'Checking both.' });
    const plain = await h.anthropic().messages.create({ model: 'auto', ...ask });
    assert.deepEqual(
      plain.content.map((b) => (b.type === 'text' ? b.text : b.type === 'tool_use' ? b.input : b.type)),
      ['Checking both.', { city: 'Paris' }, { city: 'Oslo' }],
    );
    const final = await h.anthropic().messages.stream({ model: 'auto', ...ask }).finalMessage();
    assert.deepEqual(
      final.content.map((b) => (b.type === 'text' ? b.text : b.type === 'tool_use' ? b.input : b.type)),
      ['Checking both.', { city: 'Paris' }, { city: 'Oslo' }],
    );
  });

  it('streams the documented events: a text block, then tool_use blocks opened with input {} and filled by input_json_delta', async () => {
    h = await startGatewayHarness([{ id: 'up', kind: 'gemini' }]);
    h.emulators.up.enqueue({ ...parisAndOslo, text: 'Checking.' });
    const events: Anthropic.RawMessageStreamEvent[] = [];
    for await (const e of await h.anthropic().messages.create({ model: 'auto', ...ask, stream: true })) events.push(e);
    const shape = events.map((e) => {
        if (e.type === 'content_block_start') return `start ${e.index} ${e.content_block.type}`;
        if (e.type === 'content_block_delta') return `delta ${e.index} ${e.delta.type}`;
        if (e.type === 'content_block_stop') return `stop ${e.index}`;
        return e.type;
      });
    const textDeltas = shape.filter((s) => s === 'delta 0 text_delta').length;
    assert.ok(textDeltas >= 1);
    assert.deepEqual(shape, [
      'message_start',
      'start 0 text',
      ...Array<string>(textDeltas).fill('delta 0 text_delta'),
      'stop 0',
      'start 1 tool_use',
      'delta 1 input_json_delta',
      'stop 1',
      'start 2 tool_use',
      'delta 2 input_json_delta',
      'stop 2',
      'message_delta',
      'message_stop',
    ]);
    const starts = events.filter((e): e is Anthropic.RawContentBlockStartEvent => e.type === 'content_block_start' && e.content_block.type === 'tool_use');
    for (const s of starts) assert.deepEqual((s.content_block as Anthropic.ToolUseBlock).input, {});
    const json = events.flatMap((e) => (e.type === 'content_block_delta' && e.delta.type === 'input_json_delta' ? [JSON.parse(e.delta.partial_json) as unknown] : []));
    assert.deepEqual(json, [{ city: 'Paris' }, { city: 'Oslo' }]);
    const delta = events.find((e): e is Anthropic.RawMessageDeltaEvent => e.type === 'message_delta');
    assert.equal(delta?.delta.stop_reason, 'tool_use');
    assert.ok((delta?.usage.output_tokens ?? 0) > 0);
  });

  it('carries a two-turn tool conversation to an OpenAI upstream: tool_result blocks become tool messages answering the calls', async () => {
    h = await startGatewayHarness([{ id: 'gpt' }]);
    h.emulators.gpt.enqueue(parisAndOslo, { type: 'ok', reply: 'Paris 18°C; Oslo unknown.' });
    const client = h.anthropic();
    const first = await client.messages.stream({ model: 'auto', ...ask }).finalMessage();
    const [a, b] = toolUses(first.content);
    const second = await client.messages.create({
      model: 'auto',
      ...ask,
      messages: [
        ...ask.messages,
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: a.id, content: '18°C' },
            { type: 'tool_result', tool_use_id: b.id, content: [{ type: 'text', text: 'station offline' }], is_error: true },
            { type: 'text', text: 'Summarise.' },
          ],
        },
      ],
    });
    assert.deepEqual(second.content, [{ type: 'text', text: 'Paris 18°C; Oslo unknown.' }]);
    assert.equal(second.stop_reason, 'end_turn');
    const wire = h.emulators.gpt.requests[1].body as { messages: { role: string; content: unknown; tool_calls?: { id: string; function: { arguments: string } }[]; tool_call_id?: string }[] };
    const assistant = wire.messages.find((m) => m.role === 'assistant');
    assert.deepEqual(assistant?.tool_calls?.map((c) => JSON.parse(c.function.arguments) as unknown), [{ city: 'Paris' }, { city: 'Oslo' }]);
    const tools = wire.messages.filter((m) => m.role === 'tool');
    assert.deepEqual(tools.map((m) => m.tool_call_id), assistant?.tool_calls?.map((c) => c.id));
    assert.equal(wire.messages[wire.messages.length - 1].role, 'user');
  });

  it('passes image blocks (base64 and url), tool results with images, thinking with its signature and text system blocks to an Anthropic upstream', async () => {
    h = await startGatewayHarness([{ id: 'claude', kind: 'anthropic' }]);
    await h.anthropic().messages.create({
      model: 'auto',
      max_tokens: 100,
      tools: [weather],
      tool_choice: { type: 'tool', name: 'get_weather' },
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
            { type: 'image', source: { type: 'url', url: 'https://images.test/cat.jpg' } },
            { type: 'text', text: 'Where is this?', cache_control: { type: 'ephemeral' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'A map is needed.', signature: 'sig-abc' },
            { type: 'tool_use', id: 'toolu_01map', name: 'get_weather', input: { city: 'Paris' } },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01map', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }] }] },
      ],
    });
    const wire = h.emulators.claude.requests[0].body as { system: unknown; tool_choice: unknown; messages: { role: string; content: { type: string; [k: string]: unknown }[] }[] };
    assert.equal(wire.system, 'Be brief.');
    assert.deepEqual(wire.tool_choice, { type: 'tool', name: 'get_weather' });
    assert.deepEqual(wire.messages[0].content.slice(0, 2), [
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
      { type: 'image', source: { type: 'url', url: 'https://images.test/cat.jpg' } },
    ]);
    assert.deepEqual(wire.messages[1].content[0], { type: 'thinking', thinking: 'A map is needed.', signature: 'sig-abc' });
    assert.equal(wire.messages[1].content[1].type, 'tool_use');
    // Three images count as 4,800 prompt tokens in the router's estimate: the newest user turn gets the router's own cache breakpoint.
    assert.deepEqual(wire.messages[2].content[0], {
      type: 'tool_result',
      tool_use_id: 'toolu_01map',
      content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }],
      cache_control: { type: 'ephemeral' },
    });
  });

  it('maps tool_choice auto, any and none to the upstream', async () => {
    h = await startGatewayHarness([{ id: 'gpt' }]);
    for (const tool_choice of [{ type: 'auto' }, { type: 'any' }, { type: 'none' }] as const) await h.anthropic().messages.create({ model: 'auto', ...ask, tool_choice });
    assert.deepEqual(
      h.emulators.gpt.requests.map((r) => (r.body as { tool_choice?: unknown }).tool_choice),
      ['auto', 'required', 'none'],
    );
  });

  it('reports cache reads and writes as cache_read_input_tokens and cache_creation_input_tokens, streamed and not', async () => {
    h = await startGatewayHarness([{ id: 'claude', kind: 'anthropic', emulator: { cachedInputTokens: 300, cacheWriteTokens: 40 } }]);
    const plain = await h.anthropic().messages.create({ model: 'auto', ...ask });
    assert.equal(plain.usage.cache_read_input_tokens, 300);
    assert.equal(plain.usage.cache_creation_input_tokens, 40);
    assert.ok(plain.usage.input_tokens >= 0);
    const final = await h.anthropic().messages.stream({ model: 'auto', ...ask }).finalMessage();
    assert.equal(final.usage.cache_read_input_tokens, 300);
    assert.equal(final.usage.cache_creation_input_tokens, 40);
    assert.equal(final.usage.input_tokens, plain.usage.input_tokens);
  });

  it('falls back transparently when a stream is cut inside tool-use input: the client sees one clean answer', async () => {
    h = await startGatewayHarness([{ id: 'primary', kind: 'anthropic' }, { id: 'backup', kind: 'ollama' }], { retry: { maxAttempts: 1 } });
    h.emulators.primary.enqueue({ ...paris, cutInArguments: true });
    h.emulators.backup.enqueue(paris);
    const inputs: unknown[] = [];
    const stream = h.anthropic().messages.stream({ model: 'auto', ...ask });
    stream.on('contentBlock', (b) => b.type === 'tool_use' && inputs.push(b.input));
    const final = await stream.finalMessage();
    assert.deepEqual(toolUses(final.content).map((b) => b.input), [{ city: 'Paris' }]);
    assert.deepEqual(inputs, [{ city: 'Paris' }]);
    assert.equal(final.stop_reason, 'tool_use');
    assert.deepEqual([h.emulators.primary.requests.length, h.emulators.backup.requests.length], [1, 1]);
  });

  it('counts tools and images in count_tokens', async () => {
    h = await startGatewayHarness([{ id: 'claude', kind: 'anthropic' }]);
    const messages = [{ role: 'user' as const, content: 'Hi' }];
    const bare = await h.anthropic().messages.countTokens({ model: 'auto', messages });
    const withTools = await h.anthropic().messages.countTokens({ model: 'auto', messages, tools: [weather] });
    const withImage = await h.anthropic().messages.countTokens({
      model: 'auto',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }] }],
    });
    assert.ok(withTools.input_tokens > bare.input_tokens + 20, `${withTools.input_tokens} vs ${bare.input_tokens}`);
    assert.ok(withImage.input_tokens > bare.input_tokens + 1_000, `${withImage.input_tokens} vs ${bare.input_tokens}`);
    assert.equal(h.emulators.claude.requests.length, 0);
  });

  it('names the field of bad tool input with a 400 invalid_request_error and asks no provider', async () => {
    h = await startGatewayHarness([{ id: 'primary' }]);
    const client = h.anthropic();
    const use = { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ messages: [...ask.messages, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: 'x' }] }] }, /^messages\[1\]\.content\[0\]\.tool_use_id: 'toolu_9' answers no tool_use block/],
      [{ messages: [...ask.messages, { role: 'assistant', content: [use] }, { role: 'user', content: [{ type: 'tool_result', content: 'x' }] }] }, /^messages\[2\]\.content\[0\]\.tool_use_id: is required/],
      [{ messages: [...ask.messages, { role: 'assistant', content: [{ ...use, input: 'Paris' }] }] }, /^messages\[1\]\.content\[0\]\.input: must be a JSON object/],
      [{ tools: [{ description: 'no name', input_schema: { type: 'object' } }] }, /^tools\[0\]\.name: is required/],
      [{ tools: [{ name: 'f', input_schema: { type: 'object', properties: { a: 'string' } } }] }, /^tools\[0\]\.input_schema\.properties\.a: must be a JSON Schema object/],
      [{ tools: [{ name: 'f', input_schema: [] }] }, /^tools\[0\]\.input_schema: must be a JSON Schema object/],
      [{ tools: [weather, weather] }, /^tools\[1\]\.name: 'get_weather' is defined twice/],
      [{ tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, /^tools\[0\]\.type: .*server tools/],
      [{ tool_choice: { type: 'tool', name: 'nope' } }, /^tool_choice\.name: 'nope' is not one of the request's tools/],
      [{ tools: [], tool_choice: { type: 'any' } }, /^tool_choice\.type: is 'any' but the request defines no tools/],
      [{ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/bmp', data: 'AA' } }] }] }, /^messages\[0\]\.content\[0\]\.source\.media_type: must be image\/jpeg/],
      [{ messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } }] }] }, /^messages\[0\]\.content\[0\]\.type: must be a content block of type 'text', 'image' or 'tool_result'/],
      [{ system: [{ type: 'image', source: {} }] }, /^system\[0\]\.type: /],
    ];
    for (const [patch, expected] of cases) {
      const err = await rejectionOf(client.messages.create({ model: 'auto', ...ask, ...patch } as never));
      assert.ok(err instanceof Anthropic.BadRequestError, `${JSON.stringify(patch)}: ${String(err)}`);
      const body = err.error as { error: { type: string; message: string } };
      assert.match(body.error.message, expected, `${JSON.stringify(patch)} → ${body.error.message}`);
      assert.equal(body.error.type, 'invalid_request_error');
    }
    assert.equal(h.emulators.primary.requests.length, 0);
  });

  it('passes the engine\'s reasoning out as thinking blocks, with a signature only where Anthropic made it', () => {
    const result: ChatResult = {
      text: 'Paris.',
      toolCalls: [],
      reasoning: [
        { type: 'reasoning', text: 'Signed thought.', signature: 'sig-1', provider: 'anthropic' },
        { type: 'reasoning', text: 'Gemini thought.', signature: 'gem-sig', provider: 'gemini' },
      ],
      provider: 'claude',
      model: 'claude-model',
      cached: false,
      latencyMs: 1,
      costUsd: null,
      usage: { inputTokens: 10, outputTokens: 2, cachedInputTokens: 0, cacheWriteTokens: 0 },
      finishReason: 'stop',
      attempts: [],
    };
    const parsed = parseMessages({ model: 'auto', max_tokens: 10, messages: [{ role: 'user', content: 'Where?' }], stream: true });
    const body = anthropicMessages.completion(result, parsed) as { content: unknown[] };
    assert.deepEqual(body.content, [
      { type: 'thinking', thinking: 'Signed thought.', signature: 'sig-1' },
      { type: 'thinking', thinking: 'Gemini thought.', signature: '' },
      { type: 'text', text: 'Paris.' },
    ]);
    const out = anthropicMessages.stream(parsed);
    const sse = out.start('claude-model') + out.text('Paris.') + out.finish(result);
    const events = sse
      .split('\n\n')
      .filter((f) => f.startsWith('event: '))
      .map((f) => JSON.parse(f.slice(f.indexOf('data: ') + 6)) as { type: string; index?: number; delta?: { type: string } });
    const deltas = events.filter((e) => e.type === 'content_block_delta').map((e) => `${e.index} ${e.delta?.type}`);
    assert.deepEqual(deltas, ['0 text_delta', '1 thinking_delta', '1 signature_delta', '2 thinking_delta']);
  });
});
