import assert from 'node:assert/strict';
import { ProviderError } from '../../src/engine/errors';
import { createNdjsonSplitter } from '../../src/engine/http/streamFraming';
import { sendChat } from '../../src/engine/http/transport';
import type { ProviderEndpoint } from '../../src/engine/providers/adapter';
import { ollamaAdapter } from '../../src/engine/providers/ollama';
import type { ChatRequest, StreamEvent } from '../../src/engine/types';
import { ollamaFormat } from '../emulator/formats/ollama';
import { startEmulator, type Emulator } from '../emulator/server';

const ep: ProviderEndpoint = { id: 'local-ollama', kind: 'ollama', baseUrl: 'http://localhost:11434', model: 'llama3.2' };
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

const line = (obj: unknown) => ollamaAdapter.parseStreamEvent({ data: typeof obj === 'string' ? obj : JSON.stringify(obj) }, ep);
const bodyOf = (req: ChatRequest, stream = false) => ollamaAdapter.buildRequest(req, ep, stream).body as Record<string, unknown>;

describe('ollama adapter: request', () => {
  it('declares kind ollama on localhost:11434 with NDJSON framing and no key required', () => {
    assert.equal(ollamaAdapter.kind, 'ollama');
    assert.equal(ollamaAdapter.defaultBaseUrl, 'http://localhost:11434');
    assert.equal(ollamaAdapter.requiresKey, false);
    assert.equal(ollamaAdapter.streamFraming, 'ndjson');
  });

  it('posts to /api/chat with the system prompt as a system message', () => {
    const spec = ollamaAdapter.buildRequest({ system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Yo' }] }, ep, true);
    assert.equal(spec.url, 'http://localhost:11434/api/chat');
    assert.deepEqual(spec.body, {
      model: 'llama3.2',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Yo' },
      ],
      stream: true,
    });
  });

  it('sets stream: false explicitly, since Ollama streams when stream is omitted', () => {
    assert.equal(bodyOf(hello, false).stream, false);
  });

  it('maps temperature, top_p, max tokens and stop into options (num_predict for max tokens)', () => {
    assert.deepEqual(bodyOf({ ...hello, temperature: 0, topP: 0.5, maxTokens: 100, stop: ['user:'] }).options, {
      temperature: 0,
      top_p: 0.5,
      num_predict: 100,
      stop: ['user:'],
    });
  });

  it('sends no Authorization header without a key, and a bearer key when one is configured', () => {
    const plain = ollamaAdapter.buildRequest(hello, { ...ep, headers: { 'X-Trace': '1' } }, false);
    assert.equal('Authorization' in plain.headers, false);
    assert.equal(plain.headers['X-Trace'], '1');
    const proxied = ollamaAdapter.buildRequest(hello, { ...ep, apiKey: 'proxy-secret' }, false);
    assert.equal(proxied.headers.Authorization, 'Bearer proxy-secret');
  });

  it('omits options entirely when nothing is set', () => {
    assert.equal('options' in bodyOf(hello), false);
  });
});

describe('ollama adapter: non-streamed response', () => {
  const response = {
    model: 'llama3.2',
    created_at: '2024-12-06T00:46:58.265747Z',
    message: { role: 'assistant', content: 'Hello! How are you today?' },
    done_reason: 'stop',
    done: true,
    total_duration: 5191566416,
    load_duration: 2154458,
    prompt_eval_count: 26,
    prompt_eval_duration: 383809000,
    eval_count: 298,
    eval_duration: 4799921000,
  };

  it('reads text, model, usage and finish reason from the documented fields', () => {
    assert.deepEqual(ollamaAdapter.parseCompletion(response, ep), {
      text: 'Hello! How are you today?',
      model: 'llama3.2',
      usage: { inputTokens: 26, outputTokens: 298 },
      finishReason: 'stop',
    });
  });

  it("maps done_reason 'length' to length, other reasons to other, and a missing one (older Ollama) to stop", () => {
    assert.equal(ollamaAdapter.parseCompletion({ ...response, done_reason: 'length' }, ep).finishReason, 'length');
    assert.equal(ollamaAdapter.parseCompletion({ ...response, done_reason: 'load' }, ep).finishReason, 'other');
    const { done_reason: _omit, ...older } = response;
    assert.equal(ollamaAdapter.parseCompletion(older, ep).finishReason, 'stop');
  });

  it('throws a classified error for an {error} body and malformed_response for a body without a message', () => {
    assert.equal(caught(() => ollamaAdapter.parseCompletion({ error: 'model runner crashed' }, ep)).errorClass, 'server_error');
    assert.equal(caught(() => ollamaAdapter.parseCompletion({ model: 'x', done: false }, ep)).errorClass, 'malformed_response');
    assert.equal(caught(() => ollamaAdapter.parseCompletion([1, 2], ep)).errorClass, 'malformed_response');
  });
});

describe('ollama adapter: stream lines', () => {
  it('turns each message.content into text', () => {
    assert.deepEqual(line({ model: 'llama3.2', created_at: 'x', message: { role: 'assistant', content: 'The' }, done: false }), [{ type: 'text', text: 'The' }]);
  });

  it('emits nothing for an empty, not-done line', () => {
    assert.deepEqual(line({ model: 'llama3.2', created_at: 'x', message: { role: 'assistant', content: '' }, done: false }), []);
  });

  it('emits model, finish, usage and end on the final done:true line', () => {
    const events = line({
      model: 'llama3.2',
      created_at: 'x',
      message: { role: 'assistant', content: '' },
      done_reason: 'length',
      done: true,
      total_duration: 4883583458,
      load_duration: 1334875,
      prompt_eval_count: 26,
      prompt_eval_duration: 342546000,
      eval_count: 282,
      eval_duration: 4535599000,
    });
    assert.deepEqual(events, [
      { type: 'model', model: 'llama3.2' },
      { type: 'finish', reason: 'length' },
      { type: 'usage', usage: { inputTokens: 26, outputTokens: 282 } },
      { type: 'end' },
    ]);
  });

  it('throws a ProviderError for an {"error": ...} line mid-stream', () => {
    const err = caught(() => line({ error: 'an error was encountered while running the model: unexpected EOF' }));
    assert.equal(err.errorClass, 'server_error');
    assert.match(err.message, /unexpected EOF/);
  });

  it('throws malformed_response for a line that is not JSON', () => {
    assert.equal(caught(() => line('{"model":"llama3.2","message":{')).errorClass, 'malformed_response');
  });
});

describe('ollama adapter: errors', () => {
  it('classifies 400, 401, 404, 429, 500, 503 and other statuses', () => {
    const cases: [number, string, string][] = [
      [400, 'model is required', 'bad_request'],
      [401, 'unauthorized', 'auth'],
      [404, "model 'llama3.2' not found, try pulling it first", 'not_found'],
      [429, 'too many requests', 'rate_limited'],
      [500, 'llama runner process has terminated', 'server_error'],
      [502, 'bad gateway', 'server_error'],
      [503, 'server busy, please try again.  maximum pending requests exceeded', 'overloaded'],
      [504, 'timeout', 'timeout'],
      [418, 'teapot', 'bad_request'],
    ];
    for (const [status, message, cls] of cases) {
      const err = ollamaAdapter.parseError(status, JSON.stringify({ error: message }), {}, ep);
      assert.equal(err.errorClass, cls, `HTTP ${status}`);
      assert.equal(err.status, status);
    }
  });

  it("tells the user to pull the model on a 404, and quotes Ollama's message", () => {
    const err = ollamaAdapter.parseError(404, JSON.stringify({ error: "model 'llama3.2' not found, try pulling it first" }), {}, ep);
    assert.match(err.message, /local-ollama/);
    assert.match(err.message, /not found/);
    assert.match(err.message, /ollama pull llama3\.2/);
  });

  it('takes retryAfterMs from Retry-After on a 503', () => {
    assert.equal(ollamaAdapter.parseError(503, JSON.stringify({ error: 'server busy' }), { 'retry-after': '3' }, ep).retryAfterMs, 3000);
  });

  it('classifies a proxy HTML page by status with a short message and no proxy key in it', () => {
    const proxied = { ...ep, apiKey: 'proxy-secret-999' };
    const err = ollamaAdapter.parseError(502, '<html><body>Bad Gateway proxy-secret-999</body></html>', {}, proxied);
    assert.equal(err.errorClass, 'server_error');
    assert.doesNotMatch(err.message, /<html>|proxy-secret-999/);
    const echoed = ollamaAdapter.parseError(401, JSON.stringify({ error: 'bad token proxy-secret-999' }), {}, proxied);
    assert.doesNotMatch(echoed.message, /proxy-secret-999/);
  });
});

describe('ollama emulator format', () => {
  const reply = { text: 'Hi there', model: 'llama3.2', usage: { inputTokens: 9, outputTokens: 2, cachedInputTokens: 0 }, chunks: ['Hi ', 'there'] };

  it('matches POST /api/chat and streams unless the body says stream: false, as Ollama does', () => {
    const q = new URLSearchParams();
    assert.deepEqual(ollamaFormat.match('POST', '/api/chat', q, { model: 'llama3.2' }), { stream: true, model: 'llama3.2' });
    assert.deepEqual(ollamaFormat.match('POST', '/api/chat', q, { model: 'llama3.2', stream: false }), { stream: false, model: 'llama3.2' });
    assert.equal(ollamaFormat.match('POST', '/api/generate', q, {}), null);
    assert.equal(ollamaFormat.match('GET', '/api/chat', q, {}), null);
  });

  it('reads the prompt from the messages the adapter builds', () => {
    assert.equal(ollamaFormat.promptText(bodyOf({ system: 'sys', messages: [{ role: 'user', content: 'q1' }] })), 'sys\nq1');
  });

  it('builds a complete answer the adapter parses back to the same text, model and usage', () => {
    assert.deepEqual(ollamaAdapter.parseCompletion(ollamaFormat.completionBody(reply), ep), {
      text: 'Hi there',
      model: 'llama3.2',
      usage: { inputTokens: 9, outputTokens: 2 },
      finishReason: 'stop',
    });
  });

  it('streams one JSON object per line, ending with a done:true line that carries the documented statistics', () => {
    const frames = ollamaFormat.streamFrames(reply);
    assert.equal(frames.length, 3);
    for (const f of frames) assert.match(f, /^\{.*\}\n$/s);
    const last = JSON.parse(frames[2]) as Record<string, unknown>;
    for (const k of ['model', 'created_at', 'done_reason', 'total_duration', 'load_duration', 'prompt_eval_count', 'prompt_eval_duration', 'eval_count', 'eval_duration']) {
      assert.ok(k in last, k);
    }
    const events: StreamEvent[] = [];
    const splitter = createNdjsonSplitter((ev) => events.push(...ollamaAdapter.parseStreamEvent(ev, ep)));
    for (const f of frames) splitter.feed(f);
    splitter.end();
    assert.deepEqual(events, [
      { type: 'text', text: 'Hi ' },
      { type: 'text', text: 'there' },
      { type: 'model', model: 'llama3.2' },
      { type: 'finish', reason: 'stop' },
      { type: 'usage', usage: { inputTokens: 9, outputTokens: 2 } },
      { type: 'end' },
    ]);
  });

  it('reports errors as {error} bodies and stream lines', () => {
    assert.deepEqual(ollamaFormat.errorBody(404, "model 'x' not found").body, { error: "model 'x' not found" });
    assert.equal(ollamaFormat.streamErrorFrame?.('boom'), '{"error":"boom"}\n');
  });
});

describe('ollama over HTTP (sendChat against the emulator)', () => {
  const REPLY = 'Local llama answers quickly.';
  let emu: Emulator;
  let live: ProviderEndpoint;

  before(async () => {
    emu = await startEmulator({ reply: REPLY, chunks: 2, cachedInputTokens: 30 });
    live = { id: 'ollama-emu', kind: 'ollama', baseUrl: emu.baseUrl('ollama'), model: 'llama3.2' };
  });
  afterEach(() => emu.reset());
  after(() => emu.close());

  const ask: ChatRequest = { system: 'Be brief.', messages: [{ role: 'user', content: 'Say hello' }], maxTokens: 32 };

  it('gets a complete answer with stream: false sent explicitly, no Authorization header, and the model echoed', async () => {
    const result = await sendChat(ollamaAdapter, live, ask, { totalTimeoutMs: 2000 });
    assert.equal(result.text, REPLY);
    assert.equal(result.model, 'llama3.2');
    assert.deepEqual(result.usage, { inputTokens: 30, outputTokens: 4, cachedInputTokens: 0, cacheWriteTokens: 0 });
    assert.equal(result.finishReason, 'stop');
    const rec = emu.requests[0];
    assert.equal(rec.method, 'POST');
    assert.equal(rec.path, '/api/chat');
    assert.equal(rec.headers.authorization, undefined);
    assert.deepEqual(rec.body, {
      model: 'llama3.2',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Say hello' },
      ],
      stream: false,
      options: { num_predict: 32 },
    });
  });

  it('streams NDJSON piece by piece and finishes on the done:true line', async () => {
    const pieces: string[] = [];
    const result = await sendChat(ollamaAdapter, live, { ...ask, stream: true }, { totalTimeoutMs: 2000, onText: (t) => pieces.push(t) });
    assert.equal(result.text, REPLY);
    assert.equal(pieces.length, 2);
    assert.equal(result.finishReason, 'stop');
    assert.deepEqual(result.usage, { inputTokens: 30, outputTokens: 4, cachedInputTokens: 0, cacheWriteTokens: 0 });
    assert.equal((emu.requests[0].body as Record<string, unknown>).stream, true);
  });

  it('sends a bearer key when one is configured for a proxied Ollama', async () => {
    await sendChat(ollamaAdapter, { ...live, apiKey: 'proxy-key-1' }, ask, { totalTimeoutMs: 2000 });
    assert.equal(emu.requests[0].headers.authorization, 'Bearer proxy-key-1');
  });

  it('classifies 404 as not_found, 503 as overloaded with Retry-After, and 500 as server_error', async () => {
    emu.enqueue(
      { type: 'status', status: 404, message: "model 'llama3.2' not found, try pulling it first" },
      { type: 'status', status: 503, retryAfterSeconds: 1, message: 'server busy, please try again.  maximum pending requests exceeded' },
      { type: 'status', status: 500, message: 'llama runner process has terminated' },
    );
    const expected: [number, string, number | undefined][] = [
      [404, 'not_found', undefined],
      [503, 'overloaded', 1000],
      [500, 'server_error', undefined],
    ];
    for (const [status, cls, wait] of expected) {
      const err = await sendChat(ollamaAdapter, live, ask, { totalTimeoutMs: 2000 }).then(
        () => assert.fail(`HTTP ${status} should fail`),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ProviderError);
      assert.equal(err.status, status);
      assert.equal(err.errorClass, cls, `HTTP ${status}`);
      assert.equal(err.retryAfterMs, wait);
    }
  });

  it('fails a stream that reports {"error"} mid-way as server_error, and a non-JSON line as malformed_response', async () => {
    emu.enqueue({ type: 'streamError', message: 'an error was encountered while running the model' }, { type: 'malformed' });
    const streamErr = await sendChat(ollamaAdapter, live, { ...ask, stream: true }, { totalTimeoutMs: 2000 }).catch((e: unknown) => e);
    assert.ok(streamErr instanceof ProviderError);
    assert.equal(streamErr.errorClass, 'server_error');
    assert.match(streamErr.message, /running the model/);
    const malformedErr = await sendChat(ollamaAdapter, live, { ...ask, stream: true }, { totalTimeoutMs: 2000 }).catch((e: unknown) => e);
    assert.ok(malformedErr instanceof ProviderError);
    assert.equal(malformedErr.errorClass, 'malformed_response');
  });

  it('fails a stream that stops before the done:true line as stream_cut', async () => {
    emu.enqueue({ type: 'truncated' });
    const err = await sendChat(ollamaAdapter, live, { ...ask, stream: true }, { totalTimeoutMs: 2000 }).catch((e: unknown) => e);
    assert.ok(err instanceof ProviderError);
    assert.equal(err.errorClass, 'stream_cut');
  });
});
