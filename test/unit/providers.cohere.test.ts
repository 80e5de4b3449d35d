import assert from 'node:assert/strict';
import { ProviderError } from '../../src/engine/errors';
import { createSseSplitter } from '../../src/engine/http/streamFraming';
import { sendChat } from '../../src/engine/http/transport';
import type { ProviderEndpoint } from '../../src/engine/providers/adapter';
import { cohereAdapter } from '../../src/engine/providers/cohere';
import type { ChatRequest, StreamEvent } from '../../src/engine/types';
import { cohereFormat } from '../emulator/formats/cohere';
import { startEmulator, type Emulator } from '../emulator/server';

const KEY = 'co-test-key-do-not-leak-123';
const ep: ProviderEndpoint = { id: 'cohere-main', kind: 'cohere', baseUrl: 'https://api.cohere.com', model: 'command-a-03-2025', apiKey: KEY };
const hello: ChatRequest = { messages: [{ role: 'user', content: 'Hello' }] };

function caught(fn: () => unknown): ProviderError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ProviderError, `expected ProviderError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ProviderError to be thrown');
}

function sse(event: string | undefined, data: unknown) {
  const frame = { data: typeof data === 'string' ? data : JSON.stringify(data) };
  return cohereAdapter.parseStreamEvent(event ? { event, ...frame } : frame, ep);
}

describe('cohere adapter: request', () => {
  it('declares kind cohere, the documented host, SSE framing and a required key', () => {
    assert.equal(cohereAdapter.kind, 'cohere');
    assert.equal(cohereAdapter.defaultBaseUrl, 'https://api.cohere.com');
    assert.equal(cohereAdapter.requiresKey, true);
    assert.equal(cohereAdapter.streamFraming, 'sse');
  });

  it('posts to /v2/chat with a bearer key, config headers, and system first in messages', () => {
    const spec = cohereAdapter.buildRequest(
      { system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }, { role: 'user', content: 'Bye' }] },
      { ...ep, headers: { 'X-Client-Name': 'llm-router' } },
      false,
    );
    assert.equal(spec.url, 'https://api.cohere.com/v2/chat');
    assert.equal(spec.headers.Authorization, `Bearer ${KEY}`);
    assert.equal(spec.headers['X-Client-Name'], 'llm-router');
    assert.deepEqual((spec.body as Record<string, unknown>).messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello' },
      { role: 'user', content: 'Bye' },
    ]);
  });

  it('maps sampling parameters to temperature, p, max_tokens and stop_sequences', () => {
    const spec = cohereAdapter.buildRequest({ ...hello, temperature: 0.2, topP: 0.9, maxTokens: 64, stop: ['\n\n'] }, ep, true);
    assert.deepEqual(spec.body, {
      model: 'command-a-03-2025',
      messages: [{ role: 'user', content: 'Hello' }],
      temperature: 0.2,
      p: 0.9,
      max_tokens: 64,
      stop_sequences: ['\n\n'],
      stream: true,
    });
  });

  it('always sets stream explicitly, also when false', () => {
    assert.equal((cohereAdapter.buildRequest(hello, ep, false).body as Record<string, unknown>).stream, false);
  });

  it('uses the request model over the configured one', () => {
    assert.equal((cohereAdapter.buildRequest({ ...hello, model: 'command-r7b-12-2024' }, ep, false).body as Record<string, unknown>).model, 'command-r7b-12-2024');
  });

  it('omits optional parameters that the request does not set', () => {
    const body = cohereAdapter.buildRequest({ ...hello, stop: [] }, ep, false).body as Record<string, unknown>;
    for (const k of ['temperature', 'p', 'max_tokens', 'stop_sequences']) assert.equal(k in body, false, k);
  });
});

describe('cohere adapter: non-streamed response', () => {
  const response = {
    id: 'c14c80c3-18eb-4519-9460-6c92edd8cfb4',
    finish_reason: 'COMPLETE',
    message: {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'Let me think.' },
        { type: 'text', text: 'LLMs are ' },
        { type: 'text', text: 'language models.' },
      ],
    },
    usage: { billed_units: { input_tokens: 5, output_tokens: 418 }, tokens: { input_tokens: 71, output_tokens: 420 }, cached_tokens: 64 },
  };

  it('concatenates only the text items of message.content', () => {
    assert.equal(cohereAdapter.parseCompletion(response, ep).text, 'LLMs are language models.');
  });

  it('prefers usage.tokens over billed_units and reports cached_tokens as cached input', () => {
    assert.deepEqual(cohereAdapter.parseCompletion(response, ep).usage, { inputTokens: 71, outputTokens: 420, cachedInputTokens: 64 });
  });

  it('falls back to usage.billed_units when usage.tokens is absent', () => {
    const parsed = cohereAdapter.parseCompletion({ ...response, usage: { billed_units: { input_tokens: 5, output_tokens: 418 } } }, ep);
    assert.deepEqual(parsed.usage, { inputTokens: 5, outputTokens: 418 });
  });

  it('maps every documented finish_reason', () => {
    const cases: [string, string][] = [
      ['COMPLETE', 'stop'],
      ['STOP_SEQUENCE', 'stop'],
      ['MAX_TOKENS', 'length'],
      ['TOOL_CALL', 'tool_calls'],
      ['ERROR', 'other'],
      ['SOMETHING_NEW', 'other'],
    ];
    for (const [wire, expected] of cases) {
      assert.equal(cohereAdapter.parseCompletion({ ...response, finish_reason: wire }, ep).finishReason, expected, wire);
    }
  });

  it('returns empty text for a tool-call-only message', () => {
    const parsed = cohereAdapter.parseCompletion({ id: 'x', finish_reason: 'TOOL_CALL', message: { role: 'assistant', tool_plan: 'plan', tool_calls: [] } }, ep);
    assert.equal(parsed.text, '');
    assert.equal(parsed.finishReason, 'tool_calls');
  });

  it('rejects a body without a message as malformed_response', () => {
    assert.equal(caught(() => cohereAdapter.parseCompletion({ id: 'x' }, ep)).errorClass, 'malformed_response');
    assert.equal(caught(() => cohereAdapter.parseCompletion('nope', ep)).errorClass, 'malformed_response');
  });
});

describe('cohere adapter: stream events', () => {
  it('turns content-delta into text, whether the event name comes from the SSE event line or only from type', () => {
    const data = { type: 'content-delta', index: 0, delta: { message: { content: { text: 'Hi' } } } };
    assert.deepEqual(sse('content-delta', data), [{ type: 'text', text: 'Hi' }]);
    assert.deepEqual(sse(undefined, data), [{ type: 'text', text: 'Hi' }]);
    assert.deepEqual(sse('content-delta', { index: 0, delta: { message: { content: { text: 'Hi' } } } }), [{ type: 'text', text: 'Hi' }]);
  });

  it('ignores thinking deltas of reasoning models', () => {
    assert.deepEqual(sse('content-delta', { type: 'content-delta', index: 0, delta: { message: { content: { thinking: 'hmm' } } } }), []);
  });

  it('emits finish, usage and end on message-end', () => {
    const events = sse('message-end', {
      type: 'message-end',
      delta: { finish_reason: 'MAX_TOKENS', usage: { billed_units: { input_tokens: 3, output_tokens: 9 }, tokens: { input_tokens: 12, output_tokens: 10 } } },
    });
    assert.deepEqual(events, [
      { type: 'finish', reason: 'length' },
      { type: 'usage', usage: { inputTokens: 12, outputTokens: 10 } },
      { type: 'end' },
    ]);
  });

  it('turns tool-plan-delta into reasoning and tool-call-start/delta/end into tool-call pieces by index', () => {
    assert.deepEqual(sse('tool-plan-delta', { type: 'tool-plan-delta', delta: { message: { tool_plan: 'I will' } } }), [
      { type: 'reasoning', part: { type: 'reasoning', text: 'I will', provider: 'cohere' } },
    ]);
    const start = { type: 'tool-call-start', index: 1, delta: { message: { tool_calls: { id: 't', type: 'function', function: { name: 'f', arguments: '' } } } } };
    assert.deepEqual(sse('tool-call-start', start), [{ type: 'tool_call_delta', index: 1, id: 't', name: 'f', arguments: undefined }]);
    const delta = { type: 'tool-call-delta', index: 1, delta: { message: { tool_calls: { function: { arguments: '{}' } } } } };
    assert.deepEqual(sse('tool-call-delta', delta), [{ type: 'tool_call_delta', index: 1, id: undefined, name: undefined, arguments: '{}' }]);
    assert.deepEqual(sse('tool-call-end', { type: 'tool-call-end', index: 1 }), [{ type: 'tool_call_end', index: 1 }]);
  });

  it('ignores message-start, content-start/end, citation, debug and unknown events', () => {
    const ignored = [
      { type: 'message-start', id: 'abc', delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } } },
      { type: 'content-start', index: 0, delta: { message: { content: { type: 'text', text: '' } } } },
      { type: 'content-end', index: 0 },
      { type: 'citation-start', index: 0, delta: { message: { citations: { start: 0, end: 2, text: 'Hi' } } } },
      { type: 'citation-end', index: 0 },
      { type: 'debug', prompt: 'x' },
      { type: 'brand-new-event' },
    ];
    for (const data of ignored) assert.deepEqual(sse(data.type, data), [], data.type);
  });

  it('treats a [DONE] data line as the end of the stream', () => {
    assert.deepEqual(sse(undefined, '[DONE]'), [{ type: 'end' }]);
  });

  it('throws malformed_response on an event whose data is not JSON', () => {
    assert.equal(caught(() => sse('content-delta', '{"type":"content-delta",')).errorClass, 'malformed_response');
  });

  it('throws a transient server_error when message-end reports a failed generation', () => {
    const err = caught(() => sse('message-end', { type: 'message-end', delta: { finish_reason: 'ERROR', error: 'inference failed' } }));
    assert.equal(err.errorClass, 'server_error');
    assert.equal(err.transient, true);
    assert.match(err.message, /inference failed/);
  });
});

describe('cohere adapter: errors', () => {
  const body = (message: string) => JSON.stringify({ id: 'b9f2e3a1-0000-4000-8000-000000000000', message });

  it('classifies each documented status', () => {
    const cases: [number, string][] = [
      [400, 'bad_request'],
      [401, 'auth'],
      [402, 'quota_exceeded'],
      [403, 'auth'],
      [404, 'not_found'],
      [422, 'bad_request'],
      [429, 'rate_limited'],
      [498, 'content_policy'],
      [499, 'server_error'],
      [500, 'server_error'],
      [501, 'bad_request'],
      [503, 'overloaded'],
      [504, 'timeout'],
      [599, 'server_error'],
      [418, 'bad_request'],
    ];
    for (const [status, cls] of cases) {
      const err = cohereAdapter.parseError(status, body('something happened'), {}, ep);
      assert.equal(err.errorClass, cls, `HTTP ${status}`);
      assert.equal(err.status, status);
      assert.equal(err.provider, 'cohere-main');
    }
  });

  it("classifies a 400 'too many tokens' as context_length", () => {
    const err = cohereAdapter.parseError(400, body('too many tokens: total number of tokens in the prompt cannot exceed 4081 - received 4292.'), {}, ep);
    assert.equal(err.errorClass, 'context_length');
  });

  it("puts Cohere's message in the error and takes the wait from Retry-After", () => {
    const err = cohereAdapter.parseError(429, body('You are past the per minute request limit, please wait and try again later.'), { 'retry-after': '7' }, ep);
    assert.equal(err.retryAfterMs, 7000);
    assert.match(err.message, /cohere-main/);
    assert.match(err.message, /per minute request limit/);
  });

  it('reads the {data} error shape of the OpenAPI spec too', () => {
    assert.match(cohereAdapter.parseError(503, JSON.stringify({ data: 'service unavailable' }), {}, ep).message, /service unavailable/);
  });

  it('classifies an HTML error page by status with a short message', () => {
    const html = `<html><head><title>502 Bad Gateway</title></head><body>${'x'.repeat(5000)}</body></html>`;
    const err = cohereAdapter.parseError(502, html, {}, ep);
    assert.equal(err.errorClass, 'server_error');
    assert.ok(err.message.length < 200, err.message);
    assert.doesNotMatch(err.message, /<html>/);
  });

  it('never puts the API key in an error message, even when the provider echoes it', () => {
    const err = cohereAdapter.parseError(401, body(`invalid api token ${KEY}`), {}, ep);
    assert.equal(err.errorClass, 'auth');
    assert.doesNotMatch(err.message, new RegExp(KEY));
  });
});

describe('cohere emulator format', () => {
  const reply = { text: 'Hello there world', model: 'command-a-03-2025', usage: { inputTokens: 20, outputTokens: 3, cachedInputTokens: 8 }, chunks: ['Hello ', 'there ', 'world'] };

  it('matches POST /v2/chat only, streaming only when the body says stream: true', () => {
    const q = new URLSearchParams();
    assert.deepEqual(cohereFormat.match('POST', '/v2/chat', q, { model: 'm', stream: true }), { stream: true, model: 'm' });
    assert.deepEqual(cohereFormat.match('POST', '/v2/chat', q, { model: 'm' }), { stream: false, model: 'm' });
    assert.equal(cohereFormat.match('GET', '/v2/chat', q, {}), null);
    assert.equal(cohereFormat.match('POST', '/v1/chat', q, {}), null);
  });

  it('reads the prompt from the messages the adapter builds', () => {
    const body = cohereAdapter.buildRequest({ system: 'sys', messages: [{ role: 'user', content: 'q1' }] }, ep, false).body;
    assert.equal(cohereFormat.promptText(body), 'sys\nq1');
  });

  it('builds a complete answer the adapter parses back to the same text and usage', () => {
    assert.deepEqual(cohereAdapter.parseCompletion(cohereFormat.completionBody(reply), ep), {
      text: 'Hello there world',
      usage: { inputTokens: 20, outputTokens: 3, cachedInputTokens: 8 },
      finishReason: 'stop',
    });
  });

  it('frames the stream as named SSE events that also carry type, read back by the splitter and adapter', () => {
    const frames = cohereFormat.streamFrames(reply);
    for (const f of frames) {
      const m = /^event: ([a-z-]+)\ndata: (.*)\n\n$/s.exec(f);
      assert.ok(m, f);
      assert.equal(JSON.parse(m[2]).type, m[1]);
    }
    assert.deepEqual(
      frames.map((f) => /^event: ([a-z-]+)/.exec(f)?.[1]),
      ['message-start', 'content-start', 'content-delta', 'content-delta', 'content-delta', 'content-end', 'message-end'],
    );
    const events: StreamEvent[] = [];
    const splitter = createSseSplitter((ev) => events.push(...cohereAdapter.parseStreamEvent(ev, ep)));
    for (const f of frames) splitter.feed(f);
    splitter.end();
    assert.deepEqual(events, [
      { type: 'text', text: 'Hello ' },
      { type: 'text', text: 'there ' },
      { type: 'text', text: 'world' },
      { type: 'finish', reason: 'stop' },
      { type: 'usage', usage: { inputTokens: 20, outputTokens: 3, cachedInputTokens: 8 } },
      { type: 'end' },
    ]);
  });

  it('reports errors as {id, message} and a stream error as a failed message-end', () => {
    const { body } = cohereFormat.errorBody(429, 'slow down');
    assert.equal((body as Record<string, unknown>).message, 'slow down');
    const frame = cohereFormat.streamErrorFrame?.('boom') ?? '';
    const data = /^data: (.*)$/m.exec(frame)?.[1] ?? '';
    assert.equal(caught(() => cohereAdapter.parseStreamEvent({ event: 'message-end', data }, ep)).errorClass, 'server_error');
  });
});

describe('cohere over HTTP (sendChat against the emulator)', () => {
  const REPLY = 'Cohere says hello to the router.';
  let emu: Emulator;
  let live: ProviderEndpoint;

  before(async () => {
    emu = await startEmulator({ reply: REPLY, chunks: 3, cachedInputTokens: 50 });
    live = { id: 'cohere-emu', kind: 'cohere', baseUrl: emu.baseUrl('cohere'), model: 'command-a-03-2025', apiKey: KEY };
  });
  afterEach(() => emu.reset());
  after(() => emu.close());

  const ask: ChatRequest = { system: 'Be brief.', messages: [{ role: 'user', content: 'Say hello' }], temperature: 0.3, maxTokens: 40 };

  it('gets a complete answer with usage and finish reason, sending a bearer key and stream: false to /v2/chat', async () => {
    const result = await sendChat(cohereAdapter, live, ask, { totalTimeoutMs: 2000 });
    assert.equal(result.text, REPLY);
    assert.deepEqual(result.usage, { inputTokens: 50, outputTokens: 6, cachedInputTokens: 50, cacheWriteTokens: 0 });
    assert.equal(result.finishReason, 'stop');
    assert.equal(emu.requests.length, 1);
    const rec = emu.requests[0];
    assert.equal(rec.method, 'POST');
    assert.equal(rec.path, '/v2/chat');
    assert.equal(rec.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(rec.body, {
      model: 'command-a-03-2025',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Say hello' },
      ],
      temperature: 0.3,
      max_tokens: 40,
      stream: false,
    });
  });

  it('streams the answer piece by piece and ends on message-end with usage', async () => {
    const pieces: string[] = [];
    const result = await sendChat(cohereAdapter, live, { ...ask, stream: true }, { totalTimeoutMs: 2000, onText: (t) => pieces.push(t) });
    assert.equal(result.text, REPLY);
    assert.equal(pieces.length, 3);
    assert.equal(pieces.join(''), REPLY);
    assert.equal(result.finishReason, 'stop');
    assert.deepEqual(result.usage, { inputTokens: 50, outputTokens: 6, cachedInputTokens: 50, cacheWriteTokens: 0 });
    assert.equal((emu.requests[0].body as Record<string, unknown>).stream, true);
  });

  it('classifies a 429 as rate_limited with the Retry-After wait, and 402/498/503 by their documented meaning', async () => {
    emu.enqueue(
      { type: 'status', status: 429, retryAfterSeconds: 2, message: 'You are past the per minute request limit, please wait and try again later.' },
      { type: 'status', status: 402, message: 'Please add or update your payment method' },
      { type: 'status', status: 498, message: 'blocked output: deny-listed token' },
      { type: 'status', status: 503, message: 'service unavailable' },
    );
    const expected: [number, string][] = [
      [429, 'rate_limited'],
      [402, 'quota_exceeded'],
      [498, 'content_policy'],
      [503, 'overloaded'],
    ];
    for (const [status, cls] of expected) {
      const err = await sendChat(cohereAdapter, live, ask, { totalTimeoutMs: 2000 }).then(
        () => assert.fail(`HTTP ${status} should fail`),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ProviderError);
      assert.equal(err.status, status);
      assert.equal(err.errorClass, cls, `HTTP ${status}`);
      if (status === 429) assert.equal(err.retryAfterMs, 2000);
    }
  });

  it('fails a 401 as auth without the key in the message', async () => {
    emu.enqueue({ type: 'status', status: 401, message: 'invalid api token' });
    const err = await sendChat(cohereAdapter, live, ask, { totalTimeoutMs: 2000 }).catch((e: unknown) => e);
    assert.ok(err instanceof ProviderError);
    assert.equal(err.errorClass, 'auth');
    assert.doesNotMatch(err.message, new RegExp(KEY));
  });

  it('fails a stream whose message-end reports an error as server_error', async () => {
    emu.enqueue({ type: 'streamError', message: 'internal inference failure' });
    const err = await sendChat(cohereAdapter, live, { ...ask, stream: true }, { totalTimeoutMs: 2000 }).catch((e: unknown) => e);
    assert.ok(err instanceof ProviderError);
    assert.equal(err.errorClass, 'server_error');
    assert.match(err.message, /internal inference failure/);
  });

  it('fails a stream with a non-JSON event as malformed_response, and one that stops before message-end as stream_cut', async () => {
    emu.enqueue({ type: 'malformed' }, { type: 'truncated' });
    const malformedErr = await sendChat(cohereAdapter, live, { ...ask, stream: true }, { totalTimeoutMs: 2000 }).catch((e: unknown) => e);
    assert.ok(malformedErr instanceof ProviderError);
    assert.equal(malformedErr.errorClass, 'malformed_response');
    const cutErr = await sendChat(cohereAdapter, live, { ...ask, stream: true }, { totalTimeoutMs: 2000 }).catch((e: unknown) => e);
    assert.ok(cutErr instanceof ProviderError);
    assert.equal(cutErr.errorClass, 'stream_cut');
  });
});
