import assert from 'node:assert/strict';
import { ProviderError, type ErrorClass } from '../../src/engine/errors';
import { createSseSplitter } from '../../src/engine/http/streamFraming';
import { sendChat } from '../../src/engine/http/transport';
import type { FramedEvent, ProviderEndpoint } from '../../src/engine/providers/adapter';
import { openaiAdapter, openaiCompatibleAdapter } from '../../src/engine/providers/openai';
import type { ChatRequest, StreamEvent } from '../../src/engine/types';
import { openaiFormat } from '../emulator/formats/openai';
import { startEmulator, type Emulator } from '../emulator/server';
import type { EmulatedReply } from '../emulator/wireFormat';

const KEY = 'sk-test-0123456789abcdef';

const openaiEp: ProviderEndpoint = { id: 'openai', kind: 'openai', baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini', apiKey: KEY };
const groqEp: ProviderEndpoint = {
  id: 'groq',
  kind: 'openai-compatible',
  baseUrl: 'https://api.groq.com/openai/v1',
  model: 'llama-3.1-8b-instant',
  apiKey: KEY,
  headers: { 'x-extra': 'yes' },
};
const localEp: ProviderEndpoint = { id: 'lmstudio', kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:1234/v1', model: 'qwen' };

const request: ChatRequest = {
  system: 'You are terse.',
  messages: [
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello' },
    { role: 'user', content: 'Name a colour' },
  ],
};

function bodyOf(spec: { body: unknown }): Record<string, unknown> {
  return spec.body as Record<string, unknown>;
}

function caught(fn: () => unknown): ProviderError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ProviderError, `expected a ProviderError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ProviderError to be thrown');
}

const frame = (json: unknown) => ({ data: JSON.stringify(json) });

describe('OpenAI adapter: request', () => {
  it('declares kind, default base URL, SSE framing and that OpenAI needs a key while compatible servers may not', () => {
    assert.equal(openaiAdapter.kind, 'openai');
    assert.equal(openaiAdapter.defaultBaseUrl, 'https://api.openai.com/v1');
    assert.equal(openaiAdapter.requiresKey, true);
    assert.equal(openaiAdapter.streamFraming, 'sse');
    assert.equal(openaiCompatibleAdapter.kind, 'openai-compatible');
    assert.equal(openaiCompatibleAdapter.defaultBaseUrl, '');
    assert.equal(openaiCompatibleAdapter.requiresKey, false);
  });

  it('POSTs to {baseUrl}/chat/completions with a Bearer key and the system prompt first', () => {
    const spec = openaiAdapter.buildRequest(request, openaiEp, false);
    assert.equal(spec.url, 'https://api.openai.com/v1/chat/completions');
    assert.equal(spec.headers.authorization, `Bearer ${KEY}`);
    assert.equal(spec.headers['content-type'], 'application/json');
    // No prompt_cache_key: the prompt is far below OpenAI's 1,024-token minimum (promptCaching.test.ts covers the key).
    assert.deepEqual(bodyOf(spec), {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: 'Name a colour' },
      ],
      stream: false,
    });
  });

  it('sends only the sampling fields that are set, with max_completion_tokens for OpenAI', () => {
    const spec = openaiAdapter.buildRequest({ ...request, temperature: 0, topP: 0.9, maxTokens: 64, stop: ['\n\n'] }, openaiEp, false);
    const body = bodyOf(spec);
    assert.equal(body.temperature, 0);
    assert.equal(body.top_p, 0.9);
    assert.equal(body.max_completion_tokens, 64);
    assert.equal('max_tokens' in body, false);
    assert.deepEqual(body.stop, ['\n\n']);
  });

  it('sends max_tokens for OpenAI-compatible servers', () => {
    const body = bodyOf(openaiCompatibleAdapter.buildRequest({ ...request, maxTokens: 64 }, groqEp, false));
    assert.equal(body.max_tokens, 64);
    assert.equal('max_completion_tokens' in body, false);
  });

  it('asks for the usage chunk with stream_options.include_usage when streaming', () => {
    const body = bodyOf(openaiAdapter.buildRequest(request, openaiEp, true));
    assert.equal(body.stream, true);
    assert.deepEqual(body.stream_options, { include_usage: true });
    assert.equal('stream_options' in bodyOf(openaiAdapter.buildRequest(request, openaiEp, false)), false);
  });

  it('leaves stream_options out for Mistral, which rejects unknown fields with 422', () => {
    const mistral: ProviderEndpoint = { ...groqEp, id: 'mistral', baseUrl: 'https://api.mistral.ai/v1', model: 'mistral-small-latest' };
    const body = bodyOf(openaiCompatibleAdapter.buildRequest(request, mistral, true));
    assert.equal(body.stream, true);
    assert.equal('stream_options' in body, false);
  });

  it('uses the request model over the configured one', () => {
    assert.equal(bodyOf(openaiAdapter.buildRequest({ ...request, model: 'gpt-4o' }, openaiEp, false)).model, 'gpt-4o');
  });

  it('sends no Authorization header when a compatible server has no key, and adds config headers', () => {
    const local = openaiCompatibleAdapter.buildRequest(request, localEp, false);
    assert.equal(local.url, 'http://127.0.0.1:1234/v1/chat/completions');
    assert.equal('authorization' in local.headers, false);
    const groq = openaiCompatibleAdapter.buildRequest(request, groqEp, false);
    assert.equal(groq.headers['x-extra'], 'yes');
    assert.equal(groq.headers.authorization, `Bearer ${KEY}`);
  });

});

describe('OpenAI adapter: non-streamed completion', () => {
  const completion = (over: Record<string, unknown> = {}, choice: Record<string, unknown> = {}) => ({
    id: 'chatcmpl-abc',
    object: 'chat.completion',
    created: 1741569952,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Blue.', refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop', ...choice }],
    usage: {
      prompt_tokens: 1200,
      completion_tokens: 3,
      total_tokens: 1203,
      prompt_tokens_details: { cached_tokens: 1024, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    },
    service_tier: 'default',
    ...over,
  });

  it('reads text, model, finish reason and usage including cached prompt tokens', () => {
    assert.deepEqual(openaiAdapter.parseCompletion(completion(), openaiEp), {
      text: 'Blue.',
      model: 'gpt-4o-mini-2024-07-18',
      finishReason: 'stop',
      usage: { inputTokens: 1200, outputTokens: 3, cachedInputTokens: 1024 },
    });
  });

  it('treats null content as empty text', () => {
    const parsed = openaiAdapter.parseCompletion(completion({}, { message: { role: 'assistant', content: null }, finish_reason: 'tool_calls' }), openaiEp);
    assert.equal(parsed.text, '');
    assert.equal(parsed.finishReason, 'tool_calls');
  });

  it('maps every documented finish_reason', () => {
    const reasons: Record<string, string> = {
      stop: 'stop',
      length: 'length',
      content_filter: 'content_filter',
      tool_calls: 'tool_calls',
      function_call: 'tool_calls',
      something_new: 'other',
    };
    for (const [wire, ours] of Object.entries(reasons)) {
      assert.equal(openaiAdapter.parseCompletion(completion({}, { finish_reason: wire }), openaiEp).finishReason, ours, wire);
    }
  });

  it('reads usage without prompt_tokens_details (older compatible servers)', () => {
    const parsed = openaiCompatibleAdapter.parseCompletion(completion({ usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } }), groqEp);
    assert.deepEqual(parsed.usage, { inputTokens: 5, outputTokens: 2 });
  });

  it('rejects a body without choices as malformed_response', () => {
    assert.equal(caught(() => openaiAdapter.parseCompletion({ id: 'x', object: 'chat.completion' }, openaiEp)).errorClass, 'malformed_response');
    assert.equal(caught(() => openaiAdapter.parseCompletion('not an object', openaiEp)).errorClass, 'malformed_response');
  });

  it('classifies an error object sent with a 2xx status', () => {
    const err = caught(() => openaiCompatibleAdapter.parseCompletion({ error: { message: 'Rate limit exceeded', code: 429 } }, groqEp));
    assert.equal(err.errorClass, 'rate_limited');
    assert.equal(err.status, 429);
  });
});

describe('OpenAI adapter: stream chunks', () => {
  const base = { id: 'chatcmpl-abc', object: 'chat.completion.chunk', created: 1741569952, model: 'gpt-4o-mini-2024-07-18', system_fingerprint: 'fp_1' };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    usage: null,
  });

  it('emits no text for the first chunk that only carries the role', () => {
    const events = openaiAdapter.parseStreamEvent(frame(chunk({ role: 'assistant', content: '', refusal: null })), openaiEp);
    assert.deepEqual(events, [{ type: 'model', model: 'gpt-4o-mini-2024-07-18' }]);
  });

  it('emits the delta content as text', () => {
    const events = openaiAdapter.parseStreamEvent(frame(chunk({ content: 'Bl' })), openaiEp);
    assert.deepEqual(
      events.filter((e) => e.type === 'text'),
      [{ type: 'text', text: 'Bl' }],
    );
  });

  it('emits finish for the chunk with a finish_reason', () => {
    const events = openaiAdapter.parseStreamEvent(frame(chunk({}, 'length')), openaiEp);
    assert.deepEqual(
      events.filter((e) => e.type === 'finish'),
      [{ type: 'finish', reason: 'length' }],
    );
  });

  it('reads usage, including cached tokens, from the last chunk whose choices are empty', () => {
    const usageChunk = { ...base, choices: [], usage: { prompt_tokens: 40, completion_tokens: 9, total_tokens: 49, prompt_tokens_details: { cached_tokens: 32 } } };
    assert.deepEqual(openaiAdapter.parseStreamEvent(frame(usageChunk), openaiEp), [
      { type: 'model', model: 'gpt-4o-mini-2024-07-18' },
      { type: 'usage', usage: { inputTokens: 40, outputTokens: 9, cachedInputTokens: 32 } },
    ]);
  });

  it("reads Groq's x_groq.usage and a usage chunk whose choices are null", () => {
    const groq = { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], x_groq: { id: 'req_1', usage: { prompt_tokens: 10, completion_tokens: 4 } } };
    assert.deepEqual(
      openaiCompatibleAdapter.parseStreamEvent(frame(groq), groqEp).filter((e) => e.type !== 'model'),
      [
        { type: 'finish', reason: 'stop' },
        { type: 'usage', usage: { inputTokens: 10, outputTokens: 4 } },
      ],
    );
    const vllm = { ...base, choices: null, usage: { prompt_tokens: 3, completion_tokens: 1 } };
    assert.deepEqual(
      openaiCompatibleAdapter.parseStreamEvent(frame(vllm), localEp).filter((e) => e.type === 'usage'),
      [{ type: 'usage', usage: { inputTokens: 3, outputTokens: 1 } }],
    );
  });

  it('emits end for data: [DONE] and nothing for an empty frame', () => {
    assert.deepEqual(openaiAdapter.parseStreamEvent({ data: '[DONE]' }, openaiEp), [{ type: 'end' }]);
    assert.deepEqual(openaiAdapter.parseStreamEvent({ data: '' }, openaiEp), []);
  });

  it('throws a classified ProviderError for an error object inside the stream', () => {
    const server = caught(() => openaiAdapter.parseStreamEvent(frame({ error: { message: 'The server had an error', type: 'server_error', param: null, code: null } }), openaiEp));
    assert.equal(server.errorClass, 'server_error');
    assert.equal(server.transient, true);
    assert.match(server.message, /^Provider 'openai': error in the stream — The server had an error$/);
    const limited = caught(() => openaiAdapter.parseStreamEvent(frame({ error: { message: 'slow', type: 'tokens', code: 'rate_limit_exceeded' } }), openaiEp));
    assert.equal(limited.errorClass, 'rate_limited');
    const tooLong = caught(() => openaiAdapter.parseStreamEvent(frame({ error: { message: 'too long', type: 'invalid_request_error', code: 'context_length_exceeded' } }), openaiEp));
    assert.equal(tooLong.errorClass, 'context_length');
  });

  it('throws malformed_response for a frame that is not JSON', () => {
    const err = caught(() => openaiAdapter.parseStreamEvent({ data: '{"id":"chatcmpl-abc","choices":[{"delta":{"content":"Bl' }, openaiEp));
    assert.equal(err.errorClass, 'malformed_response');
  });
});

describe('OpenAI adapter: error classification', () => {
  const errorBody = (message: string, type: string | null, code: string | null) => JSON.stringify({ error: { message, type, param: null, code } });
  const classify = (status: number, body: string, headers: Record<string, string> = {}) => openaiAdapter.parseError(status, body, headers, openaiEp);

  const cases: [number, string, ErrorClass][] = [
    [400, errorBody("Invalid value for 'temperature'", 'invalid_request_error', null), 'bad_request'],
    [400, errorBody("This model's maximum context length is 128000 tokens.", 'invalid_request_error', 'context_length_exceeded'), 'context_length'],
    [400, errorBody('Your request was rejected by our safety system.', 'invalid_request_error', 'content_policy_violation'), 'content_policy'],
    [400, errorBody('The response was filtered', null, 'content_filter'), 'content_policy'],
    [401, errorBody('Incorrect API key provided: sk-test***cdef.', 'invalid_request_error', 'invalid_api_key'), 'auth'],
    [402, errorBody('Insufficient credits', null, null), 'quota_exceeded'],
    [403, errorBody('Country, region, or territory not supported', 'request_forbidden', 'unsupported_country_region_territory'), 'auth'],
    [404, errorBody('The model `gpt-9` does not exist', 'invalid_request_error', 'model_not_found'), 'not_found'],
    [408, '', 'timeout'],
    [409, errorBody('Conflict', null, null), 'server_error'],
    [413, '', 'bad_request'],
    [422, errorBody('Unprocessable', null, null), 'bad_request'],
    [429, errorBody('Rate limit reached for gpt-4o-mini on requests per min (RPM)', 'requests', 'rate_limit_exceeded'), 'rate_limited'],
    [429, errorBody('You exceeded your current quota, please check your plan and billing details.', 'insufficient_quota', 'insufficient_quota'), 'quota_exceeded'],
    [429, errorBody('No prepaid credits left.', 'insufficient_quota', 'credit_balance_exhausted'), 'quota_exceeded'],
    [500, errorBody('The server had an error while processing your request.', 'server_error', null), 'server_error'],
    [502, '', 'server_error'],
    [503, errorBody('Service unavailable', 'server_error', null), 'server_error'],
    [503, errorBody('The engine is currently overloaded, please try again later', 'server_error', null), 'overloaded'],
    [503, errorBody('Slow down', 'server_error', 'slow_down'), 'rate_limited'],
    [504, '', 'server_error'],
    [520, '', 'server_error'],
    [529, '', 'overloaded'],
  ];
  for (const [status, body, expected] of cases) {
    it(`classifies ${status} ${body ? (JSON.parse(body).error.code ?? JSON.parse(body).error.message) : '(empty body)'} as ${expected}`, () => {
      const err = classify(status, body);
      assert.equal(err.errorClass, expected);
      assert.equal(err.status, status);
      assert.equal(err.provider, 'openai');
    });
  }

  it('classifies a context-length 400 from a compatible server by its wording', () => {
    const vllm = JSON.stringify({ object: 'error', message: "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.", type: 'BadRequestError', param: null, code: 400 });
    const err = openaiCompatibleAdapter.parseError(400, vllm, {}, localEp);
    assert.equal(err.errorClass, 'context_length');
    assert.match(err.message, /^Provider 'lmstudio': 400 Bad Request — This model's maximum context length is 8192 tokens\./);
  });

  it('writes the message as "Provider \'id\': status text — provider message" and keeps the provider code', () => {
    const err = openaiCompatibleAdapter.parseError(429, errorBody('Rate limit reached for model `llama` on tokens per minute', 'tokens', 'rate_limit_exceeded'), {}, groqEp);
    assert.equal(err.message, "Provider 'groq': 429 Too Many Requests — Rate limit reached for model `llama` on tokens per minute");
    assert.equal(err.providerCode, 'rate_limit_exceeded');
  });

  it('takes retryAfterMs from retry-after-ms, else from retry-after seconds', () => {
    assert.equal(classify(429, errorBody('slow', 'requests', 'rate_limit_exceeded'), { 'retry-after-ms': '250', 'retry-after': '9' }).retryAfterMs, 250);
    assert.equal(classify(503, '', { 'retry-after': '2' }).retryAfterMs, 2000);
    assert.equal(classify(500, '').retryAfterMs, undefined);
  });

  it('classifies an HTML error page by status and keeps only its title', () => {
    const html = `<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>${'<p>cloudflare</p>'.repeat(500)}</body></html>`;
    const err = classify(502, html);
    assert.equal(err.errorClass, 'server_error');
    assert.equal(err.message, "Provider 'openai': 502 Bad Gateway — 502 Bad Gateway");
  });

  it('caps a long plain-text body at about 200 characters', () => {
    const err = classify(500, 'x'.repeat(5000));
    assert.ok(err.message.length < 260, `message is ${err.message.length} chars`);
    assert.equal(err.errorClass, 'server_error');
  });

  it('never puts the API key in the message, even when the provider echoes it', () => {
    const err = classify(401, errorBody(`Incorrect API key provided: ${KEY}.`, 'invalid_request_error', 'invalid_api_key'));
    assert.equal(err.message.includes(KEY), false);
    assert.equal(err.errorClass, 'auth');
  });

  it('marks rate limits transient and quota exhaustion permanent', () => {
    assert.equal(classify(429, errorBody('slow', 'requests', 'rate_limit_exceeded')).transient, true);
    assert.equal(classify(429, errorBody('quota', 'insufficient_quota', 'insufficient_quota')).transient, false);
  });
});

describe('OpenAI emulator format', () => {
  const reply: EmulatedReply = {
    text: 'Blue is calm.',
    model: 'gpt-4o-mini',
    usage: { inputTokens: 30, outputTokens: 3, cachedInputTokens: 16 },
    chunks: ['Blue ', 'is ', 'calm.'],
  };

  function readFrames(frames: string[]): StreamEvent[] {
    const events: StreamEvent[] = [];
    const splitter = createSseSplitter((ev: FramedEvent) => events.push(...openaiAdapter.parseStreamEvent(ev, openaiEp)));
    for (const f of frames) splitter.feed(f);
    splitter.end();
    return events.filter((e) => e.type !== 'model');
  }

  it('matches only POST /v1/chat/completions and reads stream and model from the body', () => {
    const q = new URLSearchParams();
    assert.deepEqual(openaiFormat.match('POST', '/v1/chat/completions', q, { model: 'm', stream: true }), { stream: true, model: 'm' });
    assert.deepEqual(openaiFormat.match('POST', '/v1/chat/completions', q, { model: 'm' }), { stream: false, model: 'm' });
    assert.equal(openaiFormat.match('GET', '/v1/chat/completions', q, undefined), null);
    assert.equal(openaiFormat.match('POST', '/v1/messages', q, {}), null);
  });

  it('reads the prompt from the system and chat messages the adapter sends', () => {
    const body = openaiAdapter.buildRequest(request, openaiEp, false).body;
    assert.equal(openaiFormat.promptText(body), 'You are terse.\nHi\nHello\nName a colour');
  });

  it('builds a chat.completion the adapter parses back to the same text, model and usage', () => {
    const body = openaiFormat.completionBody(reply) as Record<string, unknown>;
    assert.equal(body.object, 'chat.completion');
    assert.deepEqual(openaiAdapter.parseCompletion(body, openaiEp), {
      text: 'Blue is calm.',
      model: 'gpt-4o-mini',
      finishReason: 'stop',
      usage: { inputTokens: 30, outputTokens: 3, cachedInputTokens: 16 },
    });
  });

  it('streams a role chunk, content chunks, a finish chunk, a usage chunk with empty choices, then [DONE]', () => {
    const frames = openaiFormat.streamFrames(reply, { stream: true, stream_options: { include_usage: true } });
    assert.equal(frames.length, 1 + 3 + 1 + 1 + 1);
    assert.ok(frames.every((f) => f.startsWith('data: ') && f.endsWith('\n\n')));
    assert.equal(frames[frames.length - 1], 'data: [DONE]\n\n');
    const usageChunk = JSON.parse(frames[frames.length - 2].slice(6));
    assert.equal(usageChunk.object, 'chat.completion.chunk');
    assert.deepEqual(usageChunk.choices, []);
    assert.deepEqual(readFrames(frames), [
      { type: 'text', text: 'Blue ' },
      { type: 'text', text: 'is ' },
      { type: 'text', text: 'calm.' },
      { type: 'finish', reason: 'stop' },
      { type: 'usage', usage: { inputTokens: 30, outputTokens: 3, cachedInputTokens: 16 } },
      { type: 'end' },
    ]);
  });

  it('sends no usage chunk when the request did not ask for include_usage', () => {
    const frames = openaiFormat.streamFrames(reply, { stream: true });
    assert.equal(frames.length, 1 + 3 + 1 + 1);
    assert.equal(readFrames(frames).some((e) => e.type === 'usage'), false);
  });

  it('gives 429 rate-limit bodies the documented x-ratelimit-* headers, and quota bodies insufficient_quota', () => {
    const limited = openaiFormat.errorBody(429, 'Rate limit reached for requests');
    for (const h of ['requests', 'tokens']) {
      for (const part of ['limit', 'remaining', 'reset']) assert.ok(limited.headers?.[`x-ratelimit-${part}-${h}`], `x-ratelimit-${part}-${h}`);
    }
    assert.equal(limited.headers?.['x-ratelimit-reset-requests'], '1s');
    assert.equal(openaiAdapter.parseError(429, JSON.stringify(limited.body), limited.headers ?? {}, openaiEp).errorClass, 'rate_limited');
    const quota = openaiFormat.errorBody(429, 'You exceeded your current quota, please check your plan and billing details.');
    assert.equal(openaiAdapter.parseError(429, JSON.stringify(quota.body), {}, openaiEp).errorClass, 'quota_exceeded');
  });

  it('reports an in-stream error as a data frame the adapter turns into a ProviderError', () => {
    const frameText = openaiFormat.streamErrorFrame('boom');
    assert.match(frameText, /^data: \{"error":\{.*\}\}\n\n$/);
    assert.throws(() => readFrames([frameText]), (err: unknown) => err instanceof ProviderError && err.errorClass === 'server_error');
  });
});

describe('OpenAI adapter over HTTP (emulator)', () => {
  const REPLY = 'Blue is the colour of a calm sea.';
  let emu: Emulator;
  let ep: ProviderEndpoint;
  let compatEp: ProviderEndpoint;

  before(async () => {
    emu = await startEmulator({ reply: REPLY, chunks: 3, cachedInputTokens: 8 });
    ep = { id: 'openai', kind: 'openai', baseUrl: emu.baseUrl('openai'), model: 'gpt-4o-mini', apiKey: KEY };
    compatEp = { id: 'local', kind: 'openai-compatible', baseUrl: emu.baseUrl('openai-compatible'), model: 'qwen2.5-coder' };
  });
  afterEach(() => emu.reset());
  after(() => emu.close());

  const expectedInputTokens = (body: unknown) => Math.max(1, Math.ceil(openaiFormat.promptText(body).length / 4), 8);

  it('gets a non-streamed answer with text, model, usage including cached tokens, and finish reason', async () => {
    const result = await sendChat(openaiAdapter, ep, { ...request, maxTokens: 50, temperature: 0.2 });
    assert.equal(result.text, REPLY);
    assert.equal(result.model, 'gpt-4o-mini');
    assert.equal(result.finishReason, 'stop');
    assert.equal(result.status, 200);

    assert.equal(emu.requests.length, 1);
    const sent = emu.requests[0];
    assert.equal(sent.method, 'POST');
    assert.equal(sent.path, '/v1/chat/completions');
    assert.equal(sent.headers.authorization, `Bearer ${KEY}`);
    const body = sent.body as Record<string, unknown>;
    assert.equal(body.model, 'gpt-4o-mini');
    assert.equal(body.max_completion_tokens, 50);
    assert.equal(body.temperature, 0.2);
    assert.equal(body.stream, false);
    assert.deepEqual((body.messages as unknown[])[0], { role: 'system', content: 'You are terse.' });
    assert.deepEqual(result.usage, { inputTokens: expectedInputTokens(body), outputTokens: 8, cachedInputTokens: 8, cacheWriteTokens: 0 });
  });

  it('streams the answer in order, delivering each delta to onText, with usage from the final chunk', async () => {
    const deltas: string[] = [];
    const result = await sendChat(openaiAdapter, ep, { ...request, stream: true }, { onText: (d) => deltas.push(d) });
    assert.equal(deltas.length, 3);
    assert.equal(deltas.join(''), REPLY);
    assert.equal(result.text, REPLY);
    assert.equal(result.finishReason, 'stop');
    assert.ok(result.timeToFirstTokenMs !== undefined);
    const body = emu.requests[0].body as Record<string, unknown>;
    assert.equal(body.stream, true);
    assert.deepEqual(body.stream_options, { include_usage: true });
    assert.deepEqual(result.usage, { inputTokens: expectedInputTokens(body), outputTokens: 8, cachedInputTokens: 8, cacheWriteTokens: 0 });
  });

  it('talks to a keyless OpenAI-compatible server without an Authorization header, using max_tokens', async () => {
    const result = await sendChat(openaiCompatibleAdapter, compatEp, { ...request, maxTokens: 20, stream: true });
    assert.equal(result.text, REPLY);
    const sent = emu.requests[0];
    assert.equal(sent.headers.authorization, undefined);
    assert.equal((sent.body as Record<string, unknown>).max_tokens, 20);
    assert.equal((sent.body as Record<string, unknown>).model, 'qwen2.5-coder');
  });

  async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
    try {
      await promise;
    } catch (err) {
      assert.ok(err instanceof ProviderError, `expected ProviderError, got ${String(err)}`);
      return err;
    }
    assert.fail('expected the request to fail');
  }

  it('turns a 429 into a transient rate_limited error with the Retry-After wait and the provider message', async () => {
    emu.enqueue({ type: 'status', status: 429, retryAfterSeconds: 2, message: 'Rate limit reached for gpt-4o-mini on requests per min (RPM)' });
    const err = await rejection(sendChat(openaiAdapter, ep, request));
    assert.equal(err.errorClass, 'rate_limited');
    assert.equal(err.status, 429);
    assert.equal(err.retryAfterMs, 2000);
    assert.equal(err.transient, true);
    assert.equal(err.message, "Provider 'openai': 429 Too Many Requests — Rate limit reached for gpt-4o-mini on requests per min (RPM)");
    assert.equal(err.message.includes(KEY), false);
  });

  it('prefers retry-after-ms and classifies a quota 429 as non-transient quota_exceeded', async () => {
    emu.enqueue({ type: 'status', status: 429, retryAfterMs: 150, retryAfterSeconds: 9, message: 'You exceeded your current quota, please check your plan and billing details.' });
    const err = await rejection(sendChat(openaiAdapter, ep, { ...request, stream: true }));
    assert.equal(err.errorClass, 'quota_exceeded');
    assert.equal(err.retryAfterMs, 150);
    assert.equal(err.transient, false);
  });

  it('classifies a 503 "overloaded" as overloaded and a 401 as auth', async () => {
    emu.enqueue(
      { type: 'status', status: 503, message: 'The engine is currently overloaded, please try again later' },
      { type: 'status', status: 401, message: `Incorrect API key provided: ${KEY}` },
    );
    assert.equal((await rejection(sendChat(openaiAdapter, ep, request))).errorClass, 'overloaded');
    const auth = await rejection(sendChat(openaiAdapter, ep, request));
    assert.equal(auth.errorClass, 'auth');
    assert.equal(auth.message.includes(KEY), false);
  });

  it('throws the classified in-stream error after the first text arrived', async () => {
    emu.enqueue({ type: 'streamError', message: 'The server had an error while processing your request.' });
    const deltas: string[] = [];
    const err = await rejection(sendChat(openaiAdapter, ep, { ...request, stream: true }, { onText: (d) => deltas.push(d) }));
    assert.equal(err.errorClass, 'server_error');
    assert.match(err.message, /error in the stream — The server had an error/);
    assert.equal(deltas.length, 1);
  });

  it('reports a stream frame with broken JSON as malformed_response', async () => {
    emu.enqueue({ type: 'malformed' });
    assert.equal((await rejection(sendChat(openaiAdapter, ep, { ...request, stream: true }))).errorClass, 'malformed_response');
  });

  it('reports a stream that stops before finish_reason and [DONE] as stream_cut', async () => {
    emu.enqueue({ type: 'truncated' });
    assert.equal((await rejection(sendChat(openaiAdapter, ep, { ...request, stream: true }))).errorClass, 'stream_cut');
  });
});
