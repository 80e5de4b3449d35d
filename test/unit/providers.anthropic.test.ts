import assert from 'node:assert/strict';
import { ProviderError } from '../../src/engine/errors';
import { createSseSplitter } from '../../src/engine/http/streamFraming';
import { sendChat } from '../../src/engine/http/transport';
import { anthropicAdapter, DEFAULT_MAX_TOKENS } from '../../src/engine/providers/anthropic';
import type { FramedEvent, ProviderEndpoint } from '../../src/engine/providers/adapter';
import type { ChatRequest, StreamEvent } from '../../src/engine/types';
import { anthropicFormat } from '../emulator/formats/anthropic';
import { startEmulator, type Emulator } from '../emulator/server';

const KEY = 'sk-ant-api03-test-SECRET-do-not-print';
const ep: ProviderEndpoint = {
  id: 'claude',
  kind: 'anthropic',
  baseUrl: 'https://api.anthropic.com',
  model: 'claude-sonnet-4-5',
  apiKey: KEY,
};

const hello: ChatRequest = { messages: [{ role: 'user', content: 'Hello' }] };

function body(req: ChatRequest, stream = false): Record<string, unknown> {
  return anthropicAdapter.buildRequest(req, ep, stream).body as Record<string, unknown>;
}

function events(frames: FramedEvent[]): StreamEvent[] {
  return frames.flatMap((f) => anthropicAdapter.parseStreamEvent(f, ep));
}

function frame(event: string, data: unknown): FramedEvent {
  return { event, data: JSON.stringify(data) };
}

function thrown(fn: () => unknown): ProviderError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ProviderError, `expected a ProviderError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a throw');
}

function errorBody(type: string, message: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ type: 'error', error: { type, message, ...extra }, request_id: 'req_011CSHoEeqs5C35K2UUqR7Fy' });
}

describe('anthropic adapter', () => {
  describe('buildRequest', () => {
    it('posts to {baseUrl}/v1/messages with x-api-key, anthropic-version 2023-06-01 and JSON content type', () => {
      const spec = anthropicAdapter.buildRequest(hello, ep, false);
      assert.equal(spec.url, 'https://api.anthropic.com/v1/messages');
      assert.equal(spec.headers['x-api-key'], KEY);
      assert.equal(spec.headers['anthropic-version'], '2023-06-01');
      assert.equal(spec.headers['content-type'], 'application/json');
      assert.equal(spec.headers.authorization, undefined);
    });

    it('adds the headers from config (e.g. anthropic-beta) without letting them drop the key', () => {
      const spec = anthropicAdapter.buildRequest(hello, { ...ep, headers: { 'anthropic-beta': 'prompt-caching-2024-07-31', 'x-api-key': 'wrong' } }, false);
      assert.equal(spec.headers['anthropic-beta'], 'prompt-caching-2024-07-31');
      assert.equal(spec.headers['x-api-key'], KEY);
    });

    it('sends no x-api-key header when the endpoint has no key', () => {
      const spec = anthropicAdapter.buildRequest(hello, { ...ep, apiKey: undefined }, false);
      assert.equal('x-api-key' in spec.headers, false);
    });

    it(`always sends max_tokens: the request's value, or ${DEFAULT_MAX_TOKENS} when unset`, () => {
      assert.equal(body(hello).max_tokens, DEFAULT_MAX_TOKENS);
      assert.equal(body({ ...hello, maxTokens: 256 }).max_tokens, 256);
    });

    it('maps system to a top-level string and the sampling options to temperature, top_p and stop_sequences', () => {
      const b = body({ ...hello, system: 'Be brief.', temperature: 0.2, topP: 0.9, stop: ['\n\nHuman:'] });
      assert.deepEqual(b, {
        model: 'claude-sonnet-4-5',
        max_tokens: DEFAULT_MAX_TOKENS,
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'Hello' }],
        temperature: 0.2,
        top_p: 0.9,
        stop_sequences: ['\n\nHuman:'],
      });
    });

    it('leaves out optional fields that are not set, and sets stream only when streaming', () => {
      const b = body(hello);
      for (const k of ['system', 'temperature', 'top_p', 'stop_sequences', 'stream']) assert.equal(k in b, false, k);
      assert.equal(body(hello, true).stream, true);
    });

    it("uses the request's model over the configured one", () => {
      assert.equal(body({ ...hello, model: 'claude-haiku-4-5' }).model, 'claude-haiku-4-5');
    });

    it("clamps temperature to Anthropic's 0..1 range", () => {
      assert.equal(body({ ...hello, temperature: 1.7 }).temperature, 1);
      assert.equal(body({ ...hello, temperature: 0 }).temperature, 0);
    });

    it('merges consecutive messages of the same role so roles alternate', () => {
      const b = body({
        messages: [
          { role: 'user', content: 'File A' },
          { role: 'user', content: 'File B' },
          { role: 'assistant', content: 'Read both.' },
          { role: 'assistant', content: 'Anything else?' },
          { role: 'user', content: 'Summarise' },
        ],
      });
      assert.deepEqual(b.messages, [
        { role: 'user', content: 'File A\n\nFile B' },
        { role: 'assistant', content: 'Read both.\n\nAnything else?' },
        { role: 'user', content: 'Summarise' },
      ]);
    });

    it('opens with a user turn when the history starts with the assistant', () => {
      const msgs = body({ messages: [{ role: 'assistant', content: 'Hi, how can I help?' }, { role: 'user', content: 'Explain this' }] }).messages as {
        role: string;
        content: string;
      }[];
      assert.equal(msgs[0].role, 'user');
      assert.ok(msgs[0].content.trim().length > 0, 'the placeholder user turn must not be empty');
      assert.deepEqual(msgs.slice(1), [
        { role: 'assistant', content: 'Hi, how can I help?' },
        { role: 'user', content: 'Explain this' },
      ]);
    });

    it('drops blank messages, which Anthropic rejects, before merging', () => {
      const b = body({
        messages: [
          { role: 'user', content: 'Q1' },
          { role: 'assistant', content: '   ' },
          { role: 'user', content: 'Q2' },
        ],
      });
      assert.deepEqual(b.messages, [{ role: 'user', content: 'Q1\n\nQ2' }]);
    });

    it('trims trailing whitespace from a final assistant prefill', () => {
      const b = body({ messages: [{ role: 'user', content: 'Write JSON' }, { role: 'assistant', content: '{\n' }] });
      assert.deepEqual(b.messages, [
        { role: 'user', content: 'Write JSON' },
        { role: 'assistant', content: '{' },
      ]);
    });
  });

  describe('parseCompletion', () => {
    const message = {
      id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5-20250929',
      content: [
        { type: 'thinking', thinking: 'hmm', signature: 'x' },
        { type: 'text', text: 'Hello' },
        { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} },
        { type: 'text', text: ', world' },
      ],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 7, cache_read_input_tokens: 2000, cache_creation_input_tokens: 300 },
    };

    it('concatenates the text blocks and ignores other block types', () => {
      assert.equal(anthropicAdapter.parseCompletion(message, ep).text, 'Hello, world');
    });

    it('counts cache reads and writes in inputTokens and reports cache reads as cachedInputTokens and writes as cacheWriteTokens', () => {
      const parsed = anthropicAdapter.parseCompletion(message, ep);
      assert.deepEqual(parsed.usage, { inputTokens: 2310, outputTokens: 7, cachedInputTokens: 2000, cacheWriteTokens: 300 });
      assert.equal(parsed.model, 'claude-sonnet-4-5-20250929');
    });

    it('treats missing cache fields as zero', () => {
      const parsed = anthropicAdapter.parseCompletion({ ...message, usage: { input_tokens: 12, output_tokens: 3 } }, ep);
      assert.deepEqual(parsed.usage, { inputTokens: 12, outputTokens: 3, cachedInputTokens: 0, cacheWriteTokens: 0 });
    });

    const stopReasons = [
      ['end_turn', 'stop'],
      ['stop_sequence', 'stop'],
      ['max_tokens', 'length'],
      ['model_context_window_exceeded', 'length'],
      ['tool_use', 'tool_calls'],
      ['refusal', 'content_filter'],
      ['pause_turn', 'other'],
      ['some_future_reason', 'other'],
    ] as const;
    for (const [stopReason, finish] of stopReasons) {
      it(`maps stop_reason ${stopReason} to finish reason ${finish}`, () => {
        assert.equal(anthropicAdapter.parseCompletion({ ...message, stop_reason: stopReason }, ep).finishReason, finish);
      });
    }

    it('rejects a body that is not a Message object as malformed_response', () => {
      assert.equal(thrown(() => anthropicAdapter.parseCompletion({ choices: [] }, ep)).errorClass, 'malformed_response');
      assert.equal(thrown(() => anthropicAdapter.parseCompletion('nope', ep)).errorClass, 'malformed_response');
    });

    it('classifies an error object found in a 2xx body instead of calling it malformed', () => {
      const err = thrown(() => anthropicAdapter.parseCompletion(JSON.parse(errorBody('overloaded_error', 'Overloaded')), ep));
      assert.equal(err.errorClass, 'overloaded');
      assert.equal(err.providerCode, 'overloaded_error');
    });
  });

  describe('parseStreamEvent', () => {
    it('reads the model and the input usage (including cache tokens) from message_start', () => {
      const out = events([
        frame('message_start', {
          type: 'message_start',
          message: {
            id: 'msg_1',
            type: 'message',
            role: 'assistant',
            content: [],
            model: 'claude-sonnet-4-5-20250929',
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 25, cache_creation_input_tokens: 5, cache_read_input_tokens: 100, output_tokens: 1 },
          },
        }),
      ]);
      assert.deepEqual(out, [
        { type: 'model', model: 'claude-sonnet-4-5-20250929' },
        { type: 'usage', usage: { inputTokens: 130, cachedInputTokens: 100, cacheWriteTokens: 5 } },
      ]);
    });

    it('emits text for text_delta, nothing for an empty content_block_start, and tool_call_end for content_block_stop', () => {
      const out = events([
        frame('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
        frame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } }),
        frame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'lo' } }),
        frame('content_block_stop', { type: 'content_block_stop', index: 0 }),
      ]);
      assert.deepEqual(out, [
        { type: 'text', text: 'Hel' },
        { type: 'text', text: 'lo' },
        { type: 'tool_call_end', index: 0 },
      ]);
    });

    it('turns tool_use blocks and input_json_delta into tool-call pieces by index, and thinking into reasoning parts', () => {
      const out = events([
        frame('content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 't', name: 'f', input: {} } }),
        frame('content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"a":' } }),
        frame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Let me' } }),
        frame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'abc' } }),
      ]);
      assert.deepEqual(out, [
        { type: 'tool_call_delta', index: 1, id: 't', name: 'f' },
        { type: 'tool_call_delta', index: 1, arguments: '{"a":' },
        { type: 'reasoning', part: { type: 'reasoning', text: 'Let me', provider: 'anthropic' } },
        { type: 'reasoning', part: { type: 'reasoning', text: '', signature: 'abc', provider: 'anthropic' } },
      ]);
    });

    it('turns message_delta into output usage and a finish reason', () => {
      const out = events([
        frame('message_delta', { type: 'message_delta', delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { output_tokens: 15 } }),
      ]);
      assert.deepEqual(out, [
        { type: 'usage', usage: { outputTokens: 15 } },
        { type: 'finish', reason: 'length' },
      ]);
    });

    it('takes cumulative input usage from message_delta only when all input fields are present', () => {
      const complete = events([
        frame('message_delta', {
          type: 'message_delta',
          delta: { stop_reason: 'end_turn', stop_sequence: null },
          usage: { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 40, output_tokens: 30 },
        }),
      ]);
      assert.deepEqual(complete[0], { type: 'usage', usage: { inputTokens: 52, cachedInputTokens: 40, cacheWriteTokens: 0, outputTokens: 30 } });
      const partial = events([frame('message_delta', { type: 'message_delta', delta: { stop_reason: null }, usage: { input_tokens: 12, output_tokens: 30 } })]);
      assert.deepEqual(partial, [{ type: 'usage', usage: { outputTokens: 30 } }]);
    });

    it("emits 'end' on message_stop", () => {
      assert.deepEqual(events([frame('message_stop', { type: 'message_stop' })]), [{ type: 'end' }]);
    });

    it('emits nothing for ping', () => {
      assert.deepEqual(events([{ event: 'ping', data: '{"type": "ping"}' }]), []);
    });

    it('ignores event types it does not know, even when their data is not JSON', () => {
      assert.deepEqual(events([frame('message_annotation', { type: 'message_annotation', whatever: 1 }), { event: 'future_event', data: 'not json' }]), []);
    });

    it('throws a classified ProviderError for an error event (overloaded_error → overloaded)', () => {
      const err = thrown(() => events([{ event: 'error', data: '{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}' }]));
      assert.equal(err.errorClass, 'overloaded');
      assert.equal(err.providerCode, 'overloaded_error');
      assert.equal(err.status, undefined);
      assert.equal(err.provider, 'claude');
      assert.match(err.message, /^Provider 'claude': overloaded_error — Overloaded$/);
    });

    it('classifies other in-stream error types by their type (api_error → server_error, rate_limit_error → rate_limited)', () => {
      assert.equal(thrown(() => events([frame('error', { type: 'error', error: { type: 'api_error', message: 'Internal' } })])).errorClass, 'server_error');
      assert.equal(thrown(() => events([frame('error', { type: 'error', error: { type: 'rate_limit_error', message: 'slow' } })])).errorClass, 'rate_limited');
      assert.equal(thrown(() => events([frame('error', { type: 'error', error: { type: 'brand_new_error', message: '?' } })])).errorClass, 'server_error');
    });

    it('throws malformed_response for a known event whose data is not JSON', () => {
      const err = thrown(() => events([{ event: 'content_block_delta', data: '{"type":"content_block_delta","delta":{"type":"text_del' }]));
      assert.equal(err.errorClass, 'malformed_response');
    });

    it('reads an unnamed frame by the type in its data', () => {
      assert.deepEqual(events([{ data: '{"type":"message_stop"}' }]), [{ type: 'end' }]);
    });

    it("parses the emulator's documented stream, framed by the shared SSE splitter, into text, usage, finish and end", () => {
      const reply = {
        text: 'Hello, world',
        model: 'claude-sonnet-4-5',
        usage: { inputTokens: 120, outputTokens: 4, cachedInputTokens: 100 },
        chunks: ['Hel', 'lo, ', 'world'],
      };
      const frames: FramedEvent[] = [];
      const splitter = createSseSplitter((f) => frames.push(f));
      for (const raw of anthropicFormat.streamFrames(reply)) splitter.feed(raw);
      splitter.end();
      assert.deepEqual(
        frames.map((f) => f.event),
        ['message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop'],
      );
      const out = events(frames);
      assert.equal(out.filter((e) => e.type === 'text').map((e) => (e as { text: string }).text).join(''), 'Hello, world');
      assert.deepEqual(out.filter((e) => e.type === 'usage'), [
        { type: 'usage', usage: { inputTokens: 120, cachedInputTokens: 100, cacheWriteTokens: 0 } },
        { type: 'usage', usage: { outputTokens: 4 } },
      ]);
      assert.deepEqual(out.slice(-2), [{ type: 'finish', reason: 'stop' }, { type: 'end' }]);
    });
  });

  describe('parseError', () => {
    const documented = [
      [400, 'invalid_request_error', 'messages: roles must alternate', 'bad_request'],
      [401, 'authentication_error', 'invalid x-api-key', 'auth'],
      [402, 'billing_error', 'Billing error', 'quota_exceeded'],
      [403, 'permission_error', 'Your API key does not have permission to use the specified resource.', 'auth'],
      [404, 'not_found_error', 'model: claude-nope', 'not_found'],
      [413, 'request_too_large', 'Request exceeds the maximum allowed number of bytes.', 'bad_request'],
      [429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', 'rate_limited'],
      [500, 'api_error', 'Internal server error', 'server_error'],
      [504, 'timeout_error', 'Request timeout', 'timeout'],
      [529, 'overloaded_error', 'Overloaded', 'overloaded'],
    ] as const;
    for (const [status, type, message, cls] of documented) {
      it(`classifies ${status} ${type} as ${cls}`, () => {
        const err = anthropicAdapter.parseError(status, errorBody(type, message), {}, ep);
        assert.equal(err.errorClass, cls);
        assert.equal(err.status, status);
        assert.equal(err.providerCode, type);
        assert.equal(err.provider, 'claude');
        assert.equal(err.message, `Provider 'claude': ${status} ${type} — ${message}`);
      });
    }

    it('classifies a 400 "prompt is too long" as context_length', () => {
      const err = anthropicAdapter.parseError(400, errorBody('invalid_request_error', 'prompt is too long: 208656 tokens > 200000 maximum'), {}, ep);
      assert.equal(err.errorClass, 'context_length');
    });

    it('classifies a 400 "input length and max_tokens exceed context limit" as context_length', () => {
      const msg = 'input length and `max_tokens` exceed context limit: 199759 + 8192 > 200000, decrease input length or `max_tokens` and try again';
      assert.equal(anthropicAdapter.parseError(400, errorBody('invalid_request_error', msg), {}, ep).errorClass, 'context_length');
    });

    it('classifies the 400 for a spend limit you set as quota_exceeded', () => {
      const msg = 'You have reached your specified API usage limits. You will regain access on 2025-07-01 at 00:00 UTC.';
      assert.equal(anthropicAdapter.parseError(400, errorBody('invalid_request_error', msg), {}, ep).errorClass, 'quota_exceeded');
    });

    it('classifies a 429 with error_code enforced_spend_limit_reached as quota_exceeded, not rate_limited', () => {
      const text = errorBody('rate_limit_error', 'Monthly spend cap reached', { details: { error_code: 'enforced_spend_limit_reached' } });
      assert.equal(anthropicAdapter.parseError(429, text, {}, ep).errorClass, 'quota_exceeded');
    });

    it('takes retryAfterMs from the retry-after header (seconds) and prefers retry-after-ms', () => {
      const body429 = errorBody('rate_limit_error', 'slow down');
      assert.equal(anthropicAdapter.parseError(429, body429, { 'retry-after': '7' }, ep).retryAfterMs, 7000);
      assert.equal(anthropicAdapter.parseError(529, errorBody('overloaded_error', 'Overloaded'), { 'retry-after': '2', 'retry-after-ms': '150' }, ep).retryAfterMs, 150);
      assert.equal(anthropicAdapter.parseError(429, body429, {}, ep).retryAfterMs, undefined);
    });

    it('classifies a non-JSON (HTML) body by status with a short message free of markup', () => {
      const html = `<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>${'<p>padding</p>'.repeat(100)}</body></html>`;
      const err = anthropicAdapter.parseError(502, html, {}, ep);
      assert.equal(err.errorClass, 'server_error');
      assert.equal(err.status, 502);
      assert.equal(err.providerCode, undefined);
      assert.doesNotMatch(err.message, /[<>]/);
      assert.ok(err.message.length <= 240, `message too long: ${err.message.length}`);
      assert.match(err.message, /^Provider 'claude': 502 — 502 Bad Gateway/);
    });

    const byStatus = [
      [401, 'auth'],
      [403, 'auth'],
      [404, 'not_found'],
      [413, 'bad_request'],
      [429, 'rate_limited'],
      [500, 'server_error'],
      [503, 'overloaded'],
      [504, 'timeout'],
      [529, 'overloaded'],
    ] as const;
    for (const [status, cls] of byStatus) {
      it(`classifies a ${status} with a plain-text body as ${cls}`, () => {
        assert.equal(anthropicAdapter.parseError(status, 'upstream said no', {}, ep).errorClass, cls);
      });
    }

    it('falls back to the status for an error type it does not know', () => {
      assert.equal(anthropicAdapter.parseError(503, errorBody('brand_new_error', 'new'), {}, ep).errorClass, 'overloaded');
      assert.equal(anthropicAdapter.parseError(409, errorBody('conflict_error', 'conflict'), {}, ep).errorClass, 'bad_request');
    });

    it('never puts the API key in the message, even when the body echoes it', () => {
      const err = anthropicAdapter.parseError(401, errorBody('authentication_error', `invalid x-api-key ${KEY}`), {}, ep);
      assert.doesNotMatch(err.message, new RegExp(KEY));
      const raw = anthropicAdapter.parseError(401, `bad key ${KEY}`, {}, ep);
      assert.doesNotMatch(raw.message, new RegExp(KEY));
    });
  });

  describe('emulator format', () => {
    const reply = { text: 'Hi there', model: 'claude-sonnet-4-5', usage: { inputTokens: 50, outputTokens: 3, cachedInputTokens: 20 }, chunks: ['Hi', ' there'] };

    it('serves a Message object the adapter reads back with the same text, model and usage', () => {
      const b = anthropicFormat.completionBody(reply) as { id: string; type: string; stop_reason: string; usage: Record<string, number> };
      assert.match(b.id, /^msg_/);
      assert.equal(b.type, 'message');
      assert.deepEqual(b.usage, { input_tokens: 30, cache_creation_input_tokens: 0, cache_read_input_tokens: 20, output_tokens: 3 });
      assert.deepEqual(anthropicAdapter.parseCompletion(b, ep), {
        text: 'Hi there',
        model: 'claude-sonnet-4-5',
        usage: { inputTokens: 50, outputTokens: 3, cachedInputTokens: 20, cacheWriteTokens: 0 },
        finishReason: 'stop',
      });
    });

    it('matches only POST /v1/messages and reads stream and model from the body', () => {
      assert.deepEqual(anthropicFormat.match('POST', '/v1/messages', new URLSearchParams(), { model: 'm', stream: true }), { stream: true, model: 'm' });
      assert.deepEqual(anthropicFormat.match('POST', '/v1/messages', new URLSearchParams(), { model: 'm' }), { stream: false, model: 'm' });
      assert.equal(anthropicFormat.match('POST', '/v1/chat/completions', new URLSearchParams(), {}), null);
      assert.equal(anthropicFormat.match('GET', '/v1/messages', new URLSearchParams(), {}), null);
    });

    it('extracts the prompt from system and messages, as strings or text blocks', () => {
      const text = anthropicFormat.promptText({
        system: [{ type: 'text', text: 'Sys' }],
        messages: [{ role: 'user', content: 'One' }, { role: 'user', content: [{ type: 'text', text: 'Two' }] }],
      });
      assert.equal(text, 'Sys\nOne\nTwo');
    });

    it('answers each documented status with its documented error type, which the adapter classifies back', () => {
      const expected = { 400: 'bad_request', 401: 'auth', 403: 'auth', 404: 'not_found', 413: 'bad_request', 429: 'rate_limited', 500: 'server_error', 529: 'overloaded' } as const;
      for (const [status, cls] of Object.entries(expected)) {
        const { body: b, headers } = anthropicFormat.errorBody(Number(status), 'boom');
        assert.equal((b as { type: string }).type, 'error');
        assert.match(String((b as { request_id: string }).request_id), /^req_/);
        assert.equal(anthropicAdapter.parseError(Number(status), JSON.stringify(b), headers ?? {}, ep).errorClass, cls, `status ${status}`);
      }
    });

    it('sends the anthropic-ratelimit-* headers with a 429', () => {
      const { headers = {} } = anthropicFormat.errorBody(429, 'slow down');
      for (const name of ['requests', 'tokens', 'input-tokens', 'output-tokens']) {
        assert.ok(headers[`anthropic-ratelimit-${name}-limit`], name);
        assert.equal(headers[`anthropic-ratelimit-${name}-remaining`], '0');
        assert.ok(!Number.isNaN(Date.parse(headers[`anthropic-ratelimit-${name}-reset`])), `${name} reset is a date`);
      }
    });

    it('reports an in-stream error as a documented error event', () => {
      const raw = anthropicFormat.streamErrorFrame!('Overloaded');
      assert.equal(raw, 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n');
    });
  });

  describe('over HTTP against the emulator', () => {
    const REPLY = 'Hello from the emulated Claude, word by word.';
    const CACHED = 20;
    let emu: Emulator;
    let live: ProviderEndpoint;
    const request: ChatRequest = {
      system: 'You are a terse assistant that answers in one line.',
      messages: [
        { role: 'user', content: 'Say hello' },
        { role: 'user', content: 'to the whole test suite, please.' },
      ],
    };

    before(async () => {
      emu = await startEmulator({ reply: REPLY, chunks: 3, cachedInputTokens: CACHED });
      live = { ...ep, baseUrl: emu.baseUrl('anthropic') };
    });
    beforeEach(() => emu.reset());
    after(() => emu.close());

    function expectedInputTokens(): number {
      const prompt = anthropicFormat.promptText(emu.requests[0].body);
      return Math.max(Math.ceil(prompt.length / 4), CACHED);
    }

    async function failure(p: Promise<unknown>): Promise<ProviderError> {
      try {
        await p;
      } catch (err) {
        assert.ok(err instanceof ProviderError, `expected a ProviderError, got ${String(err)}`);
        return err;
      }
      assert.fail('expected the request to fail');
    }

    it('sends POST /v1/messages with x-api-key, anthropic-version and the translated body', async () => {
      await sendChat(anthropicAdapter, live, request);
      assert.equal(emu.requests.length, 1);
      const rec = emu.requests[0];
      assert.equal(rec.method, 'POST');
      assert.equal(rec.path, '/v1/messages');
      assert.equal(rec.format, 'anthropic');
      assert.equal(rec.headers['x-api-key'], KEY);
      assert.equal(rec.headers['anthropic-version'], '2023-06-01');
      assert.match(String(rec.headers['content-type']), /^application\/json/);
      assert.deepEqual(rec.body, {
        model: 'claude-sonnet-4-5',
        max_tokens: DEFAULT_MAX_TOKENS,
        system: request.system,
        messages: [{ role: 'user', content: 'Say hello\n\nto the whole test suite, please.' }],
      });
    });

    it('returns the whole answer with usage including cache reads when not streaming', async () => {
      const result = await sendChat(anthropicAdapter, live, request);
      assert.equal(result.text, REPLY);
      assert.equal(result.status, 200);
      assert.equal(result.model, 'claude-sonnet-4-5');
      assert.equal(result.finishReason, 'stop');
      assert.deepEqual(result.usage, { inputTokens: expectedInputTokens(), outputTokens: REPLY.split(' ').length, cachedInputTokens: CACHED, cacheWriteTokens: 0 });
    });

    it('streams the answer in its text deltas with the same usage, ending on message_stop', async () => {
      const deltas: string[] = [];
      const result = await sendChat(anthropicAdapter, live, { ...request, stream: true }, { onText: (d) => deltas.push(d) });
      assert.equal(emu.requests[0].stream, true);
      assert.equal((emu.requests[0].body as { stream?: boolean }).stream, true);
      assert.equal(deltas.length, 3);
      assert.equal(deltas.join(''), REPLY);
      assert.equal(result.text, REPLY);
      assert.equal(result.finishReason, 'stop');
      assert.notEqual(result.timeToFirstTokenMs, undefined);
      assert.deepEqual(result.usage, { inputTokens: expectedInputTokens(), outputTokens: REPLY.split(' ').length, cachedInputTokens: CACHED, cacheWriteTokens: 0 });
    });

    it('turns a 529 into an overloaded ProviderError with retryAfterMs from retry-after', async () => {
      emu.enqueue({ type: 'status', status: 529, message: 'Overloaded', retryAfterSeconds: 2 });
      const err = await failure(sendChat(anthropicAdapter, live, request));
      assert.equal(err.errorClass, 'overloaded');
      assert.equal(err.status, 529);
      assert.equal(err.providerCode, 'overloaded_error');
      assert.equal(err.retryAfterMs, 2000);
      assert.equal(err.message, "Provider 'claude': 529 overloaded_error — Overloaded");
      assert.equal(err.transient, true);
    });

    it('turns a 429 into a rate_limited ProviderError with retryAfterMs from retry-after', async () => {
      emu.enqueue({ type: 'status', status: 429, message: 'Number of requests has exceeded your per-minute rate limit', retryAfterSeconds: 3 });
      const err = await failure(sendChat(anthropicAdapter, live, { ...request, stream: true }));
      assert.equal(err.errorClass, 'rate_limited');
      assert.equal(err.status, 429);
      assert.equal(err.providerCode, 'rate_limit_error');
      assert.equal(err.retryAfterMs, 3000);
    });

    it('turns a 401 into an auth error whose message does not contain the key', async () => {
      emu.enqueue({ type: 'status', status: 401, message: 'invalid x-api-key' });
      const err = await failure(sendChat(anthropicAdapter, live, request));
      assert.equal(err.errorClass, 'auth');
      assert.equal(err.transient, false);
      assert.doesNotMatch(err.message, new RegExp(KEY));
    });

    it('throws the classified in-stream error event after delivering the text before it', async () => {
      emu.enqueue({ type: 'streamError', message: 'Overloaded' });
      const deltas: string[] = [];
      const err = await failure(sendChat(anthropicAdapter, live, { ...request, stream: true }, { onText: (d) => deltas.push(d) }));
      assert.equal(err.errorClass, 'overloaded');
      assert.equal(err.providerCode, 'overloaded_error');
      assert.equal(err.status, undefined);
      assert.equal(deltas.length, 1);
    });

    it('reports stream_cut when the stream stops cleanly before message_delta and message_stop', async () => {
      emu.enqueue({ type: 'truncated' });
      const err = await failure(sendChat(anthropicAdapter, live, { ...request, stream: true }));
      assert.equal(err.errorClass, 'stream_cut');
    });

    it('reports malformed_response for a stream event with broken JSON', async () => {
      emu.enqueue({ type: 'malformed' });
      const err = await failure(sendChat(anthropicAdapter, live, { ...request, stream: true }));
      assert.equal(err.errorClass, 'malformed_response');
    });
  });
});
