import { strict as assert } from 'node:assert';
import { ProviderError } from '../../src/engine/errors';
import { createSseSplitter } from '../../src/engine/http/streamFraming';
import type { FramedEvent, ProviderEndpoint } from '../../src/engine/providers/adapter';
import { sendChat } from '../../src/engine/http/transport';
import { durationToMs, geminiAdapter } from '../../src/engine/providers/gemini';
import type { ChatRequest, StreamEvent } from '../../src/engine/types';
import { GEMINI_EMULATED_RETRY_DELAY_S, geminiFormat } from '../emulator/formats/gemini';
import { startEmulator, type Emulator } from '../emulator/server';

const KEY = 'AIzaSy-test-key-0123456789';

const ep = (over: Partial<ProviderEndpoint> = {}): ProviderEndpoint => ({
  id: 'gemini',
  kind: 'gemini',
  baseUrl: 'https://generativelanguage.googleapis.com',
  model: 'gemini-2.5-flash',
  apiKey: KEY,
  ...over,
});

const chat = (over: Partial<ChatRequest> = {}): ChatRequest => ({
  messages: [{ role: 'user', content: 'hi' }],
  ...over,
});

function bodyOf(req: ChatRequest, endpoint = ep()): Record<string, unknown> {
  return geminiAdapter.buildRequest(req, endpoint, false).body as Record<string, unknown>;
}

function caught(fn: () => unknown): ProviderError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ProviderError, `expected ProviderError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ProviderError to be thrown');
}

const frame = (obj: unknown): FramedEvent => ({ data: JSON.stringify(obj) });

const chunk = (parts: unknown[], extra: Record<string, unknown> = {}, candidate: Record<string, unknown> = {}) => ({
  candidates: [{ content: { role: 'model', parts }, index: 0, ...candidate }],
  ...extra,
});

describe('gemini adapter: request', () => {
  it('posts a non-streamed request to /v1beta/models/{model}:generateContent with the key only in x-goog-api-key', () => {
    const spec = geminiAdapter.buildRequest(chat(), ep(), false);
    assert.equal(spec.url, 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent');
    assert.equal(spec.headers['x-goog-api-key'], KEY);
    assert.equal(spec.headers['content-type'], 'application/json');
    assert.ok(!spec.url.includes(KEY) && !spec.url.includes('key='));
  });

  it('posts a streamed request to :streamGenerateContent?alt=sse', () => {
    const spec = geminiAdapter.buildRequest(chat(), ep(), true);
    assert.equal(spec.url, 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
  });

  it('accepts a model named models/xyz, URL-encodes the id, and lets the request model override the configured one', () => {
    assert.match(geminiAdapter.buildRequest(chat(), ep({ model: 'models/gemini-2.0-flash' }), false).url, /\/v1beta\/models\/gemini-2\.0-flash:generateContent$/);
    assert.match(geminiAdapter.buildRequest(chat({ model: 'odd model/x?y' }), ep(), false).url, /\/models\/odd%20model%2Fx%3Fy:generateContent$/);
  });

  it('tolerates a baseUrl with a trailing slash or one that already ends in /v1beta', () => {
    for (const baseUrl of ['https://g.example/', 'https://g.example/v1beta']) {
      assert.equal(geminiAdapter.buildRequest(chat(), ep({ baseUrl }), false).url, 'https://g.example/v1beta/models/gemini-2.5-flash:generateContent');
    }
  });

  it('adds configured headers and sends no key header when there is no key', () => {
    const spec = geminiAdapter.buildRequest(chat(), ep({ apiKey: undefined, headers: { 'x-extra': '1' } }), false);
    assert.equal(spec.headers['x-extra'], '1');
    assert.equal(spec.headers['x-goog-api-key'], undefined);
  });

  it('maps assistant turns to role model and puts the system prompt in systemInstruction', () => {
    const body = bodyOf(
      chat({
        system: 'Be terse.',
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: 'b' },
          { role: 'user', content: 'c' },
        ],
      }),
    );
    assert.deepEqual(body.contents, [
      { role: 'user', parts: [{ text: 'a' }] },
      { role: 'model', parts: [{ text: 'b' }] },
      { role: 'user', parts: [{ text: 'c' }] },
    ]);
    assert.deepEqual(body.systemInstruction, { parts: [{ text: 'Be terse.' }] });
  });

  it('puts temperature, topP, maxTokens and stop in generationConfig and omits what is unset', () => {
    const body = bodyOf(chat({ temperature: 0.2, topP: 0.9, maxTokens: 64, stop: ['END'] }));
    assert.deepEqual(body.generationConfig, { temperature: 0.2, topP: 0.9, maxOutputTokens: 64, stopSequences: ['END'] });
    const bare = bodyOf(chat());
    assert.equal(bare.generationConfig, undefined);
    assert.equal(bare.systemInstruction, undefined);
  });
});

describe('gemini adapter: complete responses', () => {
  it('joins the text parts of the first candidate, thought parts kept apart as reasoning, with usage counting thoughts as output', () => {
    const parsed = geminiAdapter.parseCompletion(
      {
        candidates: [
          {
            content: { role: 'model', parts: [{ text: 'thinking…', thought: true }, { text: 'Hello, ' }, { text: 'world' }] },
            finishReason: 'STOP',
            index: 0,
          },
          { content: { role: 'model', parts: [{ text: 'other candidate' }] }, finishReason: 'STOP', index: 1 },
        ],
        usageMetadata: { promptTokenCount: 120, candidatesTokenCount: 7, thoughtsTokenCount: 30, cachedContentTokenCount: 100, totalTokenCount: 157 },
        modelVersion: 'gemini-2.5-flash-001',
        responseId: 'abc',
      },
      ep(),
    );
    assert.deepEqual(parsed, {
      text: 'Hello, world',
      reasoning: [{ type: 'reasoning', text: 'thinking…', provider: 'gemini' }],
      model: 'gemini-2.5-flash-001',
      usage: { inputTokens: 120, outputTokens: 37, cachedInputTokens: 100 },
      finishReason: 'stop',
    });
  });

  it('maps finish reasons: STOP→stop, MAX_TOKENS→length, safety-type reasons→content_filter, anything else→other', () => {
    const table: Record<string, string> = {
      STOP: 'stop',
      MAX_TOKENS: 'length',
      SAFETY: 'content_filter',
      RECITATION: 'content_filter',
      BLOCKLIST: 'content_filter',
      PROHIBITED_CONTENT: 'content_filter',
      SPII: 'content_filter',
      LANGUAGE: 'other',
      OTHER: 'other',
      MALFORMED_FUNCTION_CALL: 'other',
    };
    for (const [reason, expected] of Object.entries(table)) {
      const parsed = geminiAdapter.parseCompletion(chunk([{ text: 'x' }], {}, { finishReason: reason }), ep());
      assert.equal(parsed.finishReason, expected, reason);
    }
  });

  it('reports a candidate stopped for SAFETY without content as empty text with content_filter', () => {
    const parsed = geminiAdapter.parseCompletion({ candidates: [{ finishReason: 'SAFETY', index: 0 }] }, ep());
    assert.equal(parsed.text, '');
    assert.equal(parsed.finishReason, 'content_filter');
  });

  it('throws content_policy when the prompt was blocked and no candidate came back', () => {
    const err = caught(() =>
      geminiAdapter.parseCompletion({ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: 5 } }, ep()),
    );
    assert.equal(err.errorClass, 'content_policy');
    assert.equal(err.providerCode, 'PROHIBITED_CONTENT');
    assert.match(err.message, /^Provider 'gemini': prompt blocked \(PROHIBITED_CONTENT\)/);
  });

  it('throws malformed_response for a body that is not a GenerateContentResponse', () => {
    assert.equal(caught(() => geminiAdapter.parseCompletion('nope', ep())).errorClass, 'malformed_response');
    assert.equal(caught(() => geminiAdapter.parseCompletion({}, ep())).errorClass, 'malformed_response');
    assert.equal(caught(() => geminiAdapter.parseCompletion({ candidates: 'x' }, ep())).errorClass, 'malformed_response');
  });
});

describe('gemini adapter: stream chunks', () => {
  it('emits model, text and usage for a middle chunk and no finish', () => {
    const events = geminiAdapter.parseStreamEvent(
      frame({ ...chunk([{ text: 'Hel' }]), usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 }, modelVersion: 'gemini-2.5-flash' }),
      ep(),
    );
    assert.deepEqual(events, [
      { type: 'model', model: 'gemini-2.5-flash' },
      { type: 'text', text: 'Hel' },
      { type: 'usage', usage: { inputTokens: 9 } },
    ]);
  });

  it('emits finish and end on the chunk carrying finishReason, with the final usage totals', () => {
    const events = geminiAdapter.parseStreamEvent(
      frame(chunk([{ text: 'lo' }], { usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 2, totalTokenCount: 11 } }, { finishReason: 'MAX_TOKENS' })),
      ep(),
    );
    assert.deepEqual(events, [
      { type: 'text', text: 'lo' },
      { type: 'usage', usage: { inputTokens: 9, outputTokens: 2 } },
      { type: 'finish', reason: 'length' },
      { type: 'end' },
    ]);
  });

  it('emits reasoning, not text, for a chunk holding only thought parts and nothing for an empty frame', () => {
    assert.deepEqual(geminiAdapter.parseStreamEvent(frame(chunk([{ text: 'hmm', thought: true }])), ep()), [{ type: 'reasoning', part: { type: 'reasoning', text: 'hmm', provider: 'gemini' } }]);
    assert.deepEqual(geminiAdapter.parseStreamEvent({ data: '  ' }, ep()), []);
  });

  it('throws malformed_response for a frame that is not JSON', () => {
    assert.equal(caught(() => geminiAdapter.parseStreamEvent({ data: '{"candidates": [' }, ep())).errorClass, 'malformed_response');
  });

  it('throws a classified error for an error object inside the stream', () => {
    const err = caught(() => geminiAdapter.parseStreamEvent(frame({ error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } }), ep()));
    assert.equal(err.errorClass, 'overloaded');
    assert.equal(err.status, 503);
    assert.equal(err.message, "Provider 'gemini': 503 UNAVAILABLE — The model is overloaded.");
  });

  it('throws content_policy when the first chunk reports a blocked prompt', () => {
    const err = caught(() => geminiAdapter.parseStreamEvent(frame({ promptFeedback: { blockReason: 'SAFETY' } }), ep()));
    assert.equal(err.errorClass, 'content_policy');
  });
});

describe('gemini adapter: errors', () => {
  const googleError = (code: number, status: string, message = 'boom', details?: unknown[]) =>
    JSON.stringify({ error: { code, message, status, ...(details ? { details } : {}) } });

  it('classifies every documented google.rpc status', () => {
    const table: [number, string, string][] = [
      [400, 'INVALID_ARGUMENT', 'bad_request'],
      [400, 'FAILED_PRECONDITION', 'bad_request'],
      [401, 'UNAUTHENTICATED', 'auth'],
      [403, 'PERMISSION_DENIED', 'auth'],
      [404, 'NOT_FOUND', 'not_found'],
      [429, 'RESOURCE_EXHAUSTED', 'rate_limited'],
      [500, 'INTERNAL', 'server_error'],
      [503, 'UNAVAILABLE', 'overloaded'],
      [504, 'DEADLINE_EXCEEDED', 'timeout'],
    ];
    for (const [code, status, expected] of table) {
      const err = geminiAdapter.parseError(code, googleError(code, status), {}, ep());
      assert.equal(err.errorClass, expected, status);
      assert.equal(err.status, code);
      assert.equal(err.providerCode, status);
    }
  });

  it('classifies INVALID_ARGUMENT about the input token count as context_length', () => {
    const msg = 'The input token count (1200293) exceeds the maximum number of tokens allowed (1048576).';
    assert.equal(geminiAdapter.parseError(400, googleError(400, 'INVALID_ARGUMENT', msg), {}, ep()).errorClass, 'context_length');
  });

  it('classifies 400 INVALID_ARGUMENT with ErrorInfo API_KEY_INVALID as auth', () => {
    const body = googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' },
    ]);
    assert.equal(geminiAdapter.parseError(400, body, {}, ep()).errorClass, 'auth');
  });

  it('takes retryAfterMs from a RetryInfo detail, or from a Retry-After header when that asks for longer', () => {
    for (const [delay, ms] of [['30s', 30000], ['1.5s', 7000]] as const) {
      const body = googleError(429, 'RESOURCE_EXHAUSTED', 'quota', [
        { '@type': 'type.googleapis.com/google.rpc.Help', links: [] },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: delay },
      ]);
      assert.equal(geminiAdapter.parseError(429, body, { 'retry-after': '7' }, ep()).retryAfterMs, ms);
    }
  });

  it('falls back to the Retry-After header when the body has no RetryInfo', () => {
    assert.equal(geminiAdapter.parseError(429, googleError(429, 'RESOURCE_EXHAUSTED'), { 'retry-after': '7' }, ep()).retryAfterMs, 7000);
    assert.equal(geminiAdapter.parseError(429, googleError(429, 'RESOURCE_EXHAUSTED'), {}, ep()).retryAfterMs, undefined);
  });

  it('parses protobuf Duration strings and rejects anything else', () => {
    assert.equal(durationToMs('30s'), 30000);
    assert.equal(durationToMs('0.000000001s'), 0);
    assert.equal(durationToMs('2.25s'), 2250);
    assert.equal(durationToMs('30'), undefined);
    assert.equal(durationToMs('-1s'), undefined);
    assert.equal(durationToMs(30), undefined);
  });

  it('formats the message as Provider, status, google status and message', () => {
    const err = geminiAdapter.parseError(429, googleError(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota.'), {}, ep());
    assert.equal(err.message, "Provider 'gemini': 429 RESOURCE_EXHAUSTED — You exceeded your current quota.");
  });

  it('reads an error wrapped in a one-element array', () => {
    const body = `[${googleError(503, 'UNAVAILABLE')}]`;
    assert.equal(geminiAdapter.parseError(503, body, {}, ep()).errorClass, 'overloaded');
  });

  it('classifies a non-JSON (HTML) body by HTTP status with a short tag-free message', () => {
    const html = `<!DOCTYPE html><html><head><title>Error 502 (Server Error)!!1</title></head><body>${'<p>That’s an error.</p>'.repeat(50)}</body></html>`;
    const err = geminiAdapter.parseError(502, html, { 'retry-after': '2' }, ep());
    assert.equal(err.errorClass, 'server_error');
    assert.equal(err.retryAfterMs, 2000);
    assert.ok(err.message.length <= 240, err.message);
    assert.ok(!err.message.includes('<'), err.message);
    assert.match(err.message, /^Provider 'gemini': 502 — Error 502/);
    for (const [status, cls] of [[429, 'rate_limited'], [503, 'overloaded'], [401, 'auth'], [404, 'not_found'], [504, 'timeout']] as const) {
      assert.equal(geminiAdapter.parseError(status, 'upstream said no', {}, ep()).errorClass, cls, String(status));
    }
  });

  it('never puts the API key in an error message, even when the body echoes it', () => {
    const json = geminiAdapter.parseError(400, googleError(400, 'INVALID_ARGUMENT', `Invalid API key: ${KEY}`), {}, ep());
    const text = geminiAdapter.parseError(500, `bad key ${KEY} here`, {}, ep());
    for (const err of [json, text]) assert.ok(!err.message.includes(KEY), err.message);
  });
});

describe('gemini emulator format', () => {
  it('matches generateContent and streamGenerateContent only with alt=sse, URL-decoding the model from the path', () => {
    const q = (s: string) => new URLSearchParams(s);
    assert.deepEqual(geminiFormat.match('POST', '/v1beta/models/gemini-2.5-flash:generateContent', q(''), {}), { stream: false, model: 'gemini-2.5-flash' });
    assert.deepEqual(geminiFormat.match('POST', '/v1beta/models/odd%20model%2Fx:streamGenerateContent', q('alt=sse'), {}), { stream: true, model: 'odd model/x' });
    assert.equal(geminiFormat.match('POST', '/v1beta/models/m:streamGenerateContent', q(''), {}), null);
    assert.equal(geminiFormat.match('GET', '/v1beta/models/m:generateContent', q(''), {}), null);
    assert.equal(geminiFormat.match('POST', '/v1/chat/completions', q(''), {}), null);
  });

  it('reads the prompt from systemInstruction and contents of the body the adapter builds', () => {
    const body = geminiAdapter.buildRequest(chat({ system: 'sys', messages: [{ role: 'user', content: 'q1' }, { role: 'assistant', content: 'a1' }] }), ep(), false).body;
    assert.equal(geminiFormat.promptText(body), 'sys\nq1\na1');
  });

  const reply = { text: 'Hello world', model: 'gemini-emu', usage: { inputTokens: 12, outputTokens: 3, cachedInputTokens: 4 }, chunks: ['Hello', ' world'] };

  it('builds a complete answer the adapter parses back to the same text, usage and model', () => {
    const parsed = geminiAdapter.parseCompletion(geminiFormat.completionBody(reply), ep());
    assert.deepEqual(parsed, { text: 'Hello world', model: 'gemini-emu', usage: { inputTokens: 12, outputTokens: 3, cachedInputTokens: 4 }, finishReason: 'stop' });
  });

  it('frames stream chunks as CRLF-terminated data: events, finish last, that the SSE splitter and adapter read back', () => {
    const frames = geminiFormat.streamFrames(reply);
    assert.equal(frames.length, 3);
    for (const f of frames) assert.match(f, /^data: \{.*\}\r\n\r\n$/s);
    const events: StreamEvent[] = [];
    const splitter = createSseSplitter((ev) => events.push(...geminiAdapter.parseStreamEvent(ev, ep())));
    for (const f of frames) splitter.feed(f);
    splitter.end();
    assert.deepEqual(
      events.filter((e) => e.type === 'text').map((e) => (e.type === 'text' ? e.text : '')),
      ['Hello', ' world'],
    );
    assert.deepEqual(events.slice(-3), [
      { type: 'usage', usage: { inputTokens: 12, outputTokens: 3, cachedInputTokens: 4 } },
      { type: 'finish', reason: 'stop' },
      { type: 'end' },
    ]);
  });

  it('gives a 429 body with RESOURCE_EXHAUSTED and a RetryInfo delay the adapter turns into retryAfterMs', () => {
    const { body } = geminiFormat.errorBody(429, 'quota');
    const err = geminiAdapter.parseError(429, JSON.stringify(body), {}, ep());
    assert.equal(err.errorClass, 'rate_limited');
    assert.equal(err.retryAfterMs, GEMINI_EMULATED_RETRY_DELAY_S * 1000);
  });

  it('names error statuses with google.rpc codes that classify as the HTTP status implies', () => {
    for (const [status, cls] of [[400, 'bad_request'], [401, 'auth'], [403, 'auth'], [404, 'not_found'], [500, 'server_error'], [503, 'overloaded'], [504, 'timeout']] as const) {
      const { body } = geminiFormat.errorBody(status, 'x');
      assert.equal(geminiAdapter.parseError(status, JSON.stringify(body), {}, ep()).errorClass, cls, String(status));
    }
  });
});

describe('gemini adapter over HTTP against the emulator', () => {
  let emu: Emulator;
  const REPLY = 'The quick brown fox jumps.';

  before(async () => {
    emu = await startEmulator({ reply: REPLY, chunks: 3, cachedInputTokens: 2 });
  });
  after(() => emu.close());
  beforeEach(() => emu.reset());

  const live = (over: Partial<ProviderEndpoint> = {}) => ep({ baseUrl: emu.baseUrl('gemini'), ...over });

  async function failure(p: Promise<unknown>): Promise<ProviderError> {
    try {
      await p;
    } catch (err) {
      assert.ok(err instanceof ProviderError, `expected ProviderError, got ${String(err)}`);
      return err;
    }
    assert.fail('expected the request to fail');
  }

  it('gets a complete answer from :generateContent with the key sent only in x-goog-api-key', async () => {
    const result = await sendChat(geminiAdapter, live(), chat({ system: 'sys', messages: [{ role: 'user', content: 'question' }] }));
    assert.equal(result.text, REPLY);
    assert.equal(result.finishReason, 'stop');
    assert.equal(result.model, 'gemini-2.5-flash');
    assert.equal(result.usage.outputTokens, 5);
    assert.equal(result.usage.cachedInputTokens, 2);
    assert.ok(result.usage.inputTokens >= 2);

    assert.equal(emu.requests.length, 1);
    const rec = emu.requests[0];
    assert.equal(rec.method, 'POST');
    assert.equal(rec.path, '/v1beta/models/gemini-2.5-flash:generateContent');
    assert.equal(rec.headers['x-goog-api-key'], KEY);
    assert.equal(rec.query.toString(), '');
    assert.deepEqual((rec.body as Record<string, unknown>).systemInstruction, { parts: [{ text: 'sys' }] });
  });

  it('streams from :streamGenerateContent?alt=sse, delivering each chunk and the final usage and finish', async () => {
    const deltas: string[] = [];
    const result = await sendChat(geminiAdapter, live({ model: 'models/gemini-2.5-pro' }), chat({ stream: true }), { onText: (d) => deltas.push(d) });
    assert.equal(result.text, REPLY);
    assert.equal(deltas.length, 3);
    assert.equal(deltas.join(''), REPLY);
    assert.equal(result.finishReason, 'stop');
    assert.deepEqual({ out: result.usage.outputTokens, cached: result.usage.cachedInputTokens }, { out: 5, cached: 2 });
    assert.equal(result.model, 'gemini-2.5-pro');
    assert.ok(result.timeToFirstTokenMs !== undefined);

    const rec = emu.requests[0];
    assert.equal(rec.path, '/v1beta/models/gemini-2.5-pro:streamGenerateContent');
    assert.equal(rec.query.get('alt'), 'sse');
    assert.equal(rec.stream, true);
    assert.equal(rec.headers['x-goog-api-key'], KEY);
    assert.ok(!rec.query.has('key') && !rec.query.toString().includes(KEY));
  });

  it('turns a 429 with a RetryInfo detail into rate_limited with retryAfterMs from retryDelay', async () => {
    emu.enqueue({ type: 'status', status: 429, message: 'You exceeded your current quota.' });
    const err = await failure(sendChat(geminiAdapter, live(), chat()));
    assert.equal(err.errorClass, 'rate_limited');
    assert.equal(err.status, 429);
    assert.equal(err.retryAfterMs, GEMINI_EMULATED_RETRY_DELAY_S * 1000);
    assert.equal(err.message, "Provider 'gemini': 429 RESOURCE_EXHAUSTED — You exceeded your current quota.");
  });

  it('classifies a streamed 503 UNAVAILABLE as overloaded without the key in the message', async () => {
    emu.enqueue({ type: 'status', status: 503, message: 'The model is overloaded. Please try again later.' });
    const err = await failure(sendChat(geminiAdapter, live(), chat({ stream: true })));
    assert.equal(err.errorClass, 'overloaded');
    assert.ok(!err.message.includes(KEY));
  });

  it('reports a stream that stops after the last text chunk but before the finish chunk as stream_cut', async () => {
    emu.enqueue({ type: 'truncated' });
    const err = await failure(sendChat(geminiAdapter, live(), chat({ stream: true })));
    assert.equal(err.errorClass, 'stream_cut');
  });

  it('reports an error frame inside the stream as a classified server_error', async () => {
    emu.enqueue({ type: 'streamError', message: 'Internal error encountered.' });
    const err = await failure(sendChat(geminiAdapter, live(), chat({ stream: true })));
    assert.equal(err.errorClass, 'server_error');
    assert.match(err.message, /500 INTERNAL — Internal error encountered\./);
  });

  it('reports a corrupted stream frame as malformed_response', async () => {
    emu.enqueue({ type: 'malformed' });
    const err = await failure(sendChat(geminiAdapter, live(), chat({ stream: true })));
    assert.equal(err.errorClass, 'malformed_response');
  });
});
