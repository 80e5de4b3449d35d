import { EventEmitter } from 'node:events';
import { request, type Dispatcher } from 'undici';
import { CancelledError, describeStreamed, ProviderError, type ErrorClass } from '../errors';
import type { ProviderAdapter, ProviderEndpoint, ResponseHeaders } from '../providers/adapter';
import { emptyAnswerError } from '../providers/emptyAnswer';
import type { ChatRequest, FinishReason, ReasoningPart, StreamEvent, ToolCall, Usage } from '../types';
import { insecureKeyTransport } from './endpointSecurity';
import { headerValue } from './retryAfter';
import { createNdjsonSplitter, createSseSplitter } from './streamFraming';
import { generatedCallId, ToolCallAssembly } from './toolCallAssembly';

export interface SendOptions {
  signal?: AbortSignal;
  dispatcher?: Dispatcher;
  /** Streaming only: time from sending until the first text arrives. */
  firstTokenTimeoutMs?: number;
  /** The whole attempt, from sending until the last byte. */
  totalTimeoutMs?: number;
  maxResponseBytes?: number;
  onText?: (delta: string) => void;
  /** Streaming only: each tool call once it is complete. */
  onToolCall?: (call: ToolCall) => void;
  /** The response's headers as soon as they arrive, error statuses included (rate-limit headroom is read from them). */
  onResponseHeaders?: (headers: ResponseHeaders) => void;
}

export interface AttemptResult {
  text: string;
  toolCalls: ToolCall[];
  reasoning: ReasoningPart[];
  model: string;
  usage: Usage;
  finishReason: FinishReason;
  timeToFirstTokenMs?: number;
  latencyMs: number;
  headers: ResponseHeaders;
  status: number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
const MAX_ERROR_BODY_BYTES = 64 * 1024;

type AbortReason = { kind: 'caller' } | { kind: 'timeout'; which: string; ms: number } | { kind: 'too-large'; limit: number };

/** Sends one attempt to one provider and returns the complete answer, or throws a classified error. */
export async function sendChat(
  adapter: ProviderAdapter,
  ep: ProviderEndpoint,
  req: ChatRequest,
  opts: SendOptions = {},
): Promise<AttemptResult> {
  const started = performance.now();
  const stream = req.stream === true;
  const spec = adapter.buildRequest(req, ep, stream);
  const insecure = insecureKeyTransport(spec.url, ep.apiKey !== undefined && ep.apiKey !== '');
  if (insecure) {
    throw new ProviderError({ provider: ep.id, errorClass: 'insecure_endpoint', message: `Provider '${ep.id}': ${insecure} (check its baseUrl).` });
  }
  if (opts.signal?.aborted) throw new CancelledError();

  const controller = new AttemptAbort();
  const abortWith = (reason: AbortReason) => controller.abort(reason);
  const onCallerAbort = () => abortWith({ kind: 'caller' });
  opts.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const timers: NodeJS.Timeout[] = [];
  const armTimer = (which: string, ms: number | undefined) => {
    if (!ms || ms <= 0) return undefined;
    const t = setTimeout(() => abortWith({ kind: 'timeout', which, ms }), ms);
    timers.push(t);
    return t;
  };
  armTimer('total', opts.totalTimeoutMs);
  const firstTokenTimer = stream ? armTimer('first token', opts.firstTokenTimeoutMs) : undefined;

  const state = new StreamState(ep, opts.onText, opts.onToolCall);
  let status = 0;
  let headers: ResponseHeaders = {};
  try {
    const res = await request(spec.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: stream ? 'text/event-stream, application/x-ndjson, application/json' : 'application/json', ...spec.headers },
      body: JSON.stringify(spec.body),
      dispatcher: opts.dispatcher,
      signal: controller,
    });
    status = res.statusCode;
    headers = res.headers as ResponseHeaders;
    opts.onResponseHeaders?.(headers);
    if (status < 200 || status >= 300) {
      const bodyText = await readCapped(res.body, MAX_ERROR_BODY_BYTES, true);
      throw adapter.parseError(status, bodyText, headers, ep);
    }
    const contentType = (headerValue(headers, 'content-type') ?? '').toLowerCase();
    if (contentType.includes('text/html')) {
      res.body.resume();
      throw malformed(ep, `returned HTML (HTTP ${status}) where ${stream ? 'a stream' : 'JSON'} was expected`);
    }
    const maxBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    if (!stream || contentType.includes('application/json')) {
      // Some OpenAI-compatible servers ignore `stream: true` and answer with one JSON body.
      const bodyText = await readCapped(res.body, maxBytes, false, () => abortWith({ kind: 'too-large', limit: maxBytes }));
      const parsed = adapter.parseCompletion(parseJsonBody(bodyText, ep), ep);
      const notAnAnswer = emptyAnswerError(ep, parsed.text, parsed.finishReason, parsed.toolCalls?.length ?? 0);
      if (notAnAnswer) throw notAnAnswer;
      if (parsed.text) state.onText(parsed.text, firstTokenTimer);
      for (const part of parsed.reasoning ?? []) state.apply({ type: 'reasoning', part });
      for (const call of parsed.toolCalls ?? []) state.apply({ type: 'tool_call', call });
      state.apply({ type: 'usage', usage: parsed.usage ?? {} });
      if (parsed.model) state.apply({ type: 'model', model: parsed.model });
      state.finish = parsed.finishReason ?? 'stop';
      state.ended = true;
    } else {
      await consumeStream(adapter, ep, res.body, state, maxBytes, firstTokenTimer, () => abortWith({ kind: 'too-large', limit: maxBytes }));
    }
    return {
      text: state.text,
      toolCalls: state.toolCalls,
      reasoning: state.reasoning,
      model: state.model ?? req.model ?? ep.model,
      usage: state.usage,
      finishReason: state.finishReason(),
      timeToFirstTokenMs: state.firstTokenAt === undefined ? undefined : state.firstTokenAt - started,
      latencyMs: performance.now() - started,
      headers,
      status,
    };
  } catch (err) {
    throw classifyFailure(err, controller.reason, ep, state);
  } finally {
    for (const t of timers) clearTimeout(t);
    opts.signal?.removeEventListener('abort', onCallerAbort);
  }
}

/**
 * Cancels one attempt. undici documents an EventEmitter as a valid `signal`; an AbortSignal would cost
 * ~8 µs per attempt on Node 20, which builds each one through a slow prototype switch.
 */
class AttemptAbort extends EventEmitter {
  aborted = false;
  /** Read by undici, which rejects the request with it. */
  reason: AbortReason | undefined;

  abort(reason: AbortReason): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}

class StreamState {
  text = '';
  toolCalls: ToolCall[] = [];
  reasoning: ReasoningPart[] = [];
  model?: string;
  usage: Usage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0 };
  finish?: FinishReason;
  ended = false;
  firstTokenAt?: number;
  readonly assembly: ToolCallAssembly;

  constructor(
    ep: ProviderEndpoint,
    private readonly sink: ((delta: string) => void) | undefined,
    private readonly toolSink: ((call: ToolCall) => void) | undefined,
  ) {
    this.assembly = new ToolCallAssembly(ep);
  }

  /** Whether anything reached the caller: text or a complete tool call. */
  get delivered(): boolean {
    return this.text.length > 0 || this.toolCalls.length > 0;
  }

  /** `tool_calls` whenever the answer ends in tool calls, whatever the provider called its stop (Gemini: STOP). */
  finishReason(): FinishReason {
    const finish = this.finish ?? 'stop';
    return this.toolCalls.length > 0 && finish === 'stop' ? 'tool_calls' : finish;
  }

  private firstOutput(firstTokenTimer: NodeJS.Timeout | undefined): void {
    if (this.firstTokenAt !== undefined) return;
    this.firstTokenAt = performance.now();
    if (firstTokenTimer) clearTimeout(firstTokenTimer);
  }

  onText(delta: string, firstTokenTimer: NodeJS.Timeout | undefined): void {
    if (delta === '') return;
    this.firstOutput(firstTokenTimer);
    this.text += delta;
    this.sink?.(delta);
  }

  private onToolCall(call: ToolCall, firstTokenTimer: NodeJS.Timeout | undefined): void {
    this.firstOutput(firstTokenTimer);
    const done = call.id ? call : { ...call, id: generatedCallId() };
    this.toolCalls.push(done);
    this.toolSink?.(done);
  }

  /** Streamed thinking arrives in pieces and its signature last: pieces join into one part until it is signed. */
  private addReasoning(part: ReasoningPart): void {
    const last = this.reasoning[this.reasoning.length - 1];
    if (!last || last.signature !== undefined || last.provider !== part.provider) {
      this.reasoning.push({ ...part });
      return;
    }
    last.text += part.text;
    if (part.signature !== undefined) last.signature = part.signature;
  }

  apply(ev: StreamEvent, firstTokenTimer?: NodeJS.Timeout): void {
    switch (ev.type) {
      case 'text':
        this.onText(ev.text, firstTokenTimer);
        break;
      case 'tool_call':
        this.onToolCall(ev.call, firstTokenTimer);
        break;
      case 'tool_call_delta':
        // Arguments arriving count as output for the first-token timeout, though nothing is handed on yet.
        if (firstTokenTimer) clearTimeout(firstTokenTimer);
        this.assembly.add(ev.index, ev);
        break;
      case 'tool_call_end': {
        const call = this.assembly.complete(ev.index);
        if (call) this.onToolCall(call, firstTokenTimer);
        break;
      }
      case 'reasoning':
        this.addReasoning(ev.part);
        break;
      case 'usage':
        // Providers report usage cumulatively (or in parts); the largest value seen is the total.
        for (const k of ['inputTokens', 'outputTokens', 'cachedInputTokens', 'cacheWriteTokens'] as const) {
          const v = ev.usage[k];
          if (typeof v === 'number' && Number.isFinite(v) && v > this.usage[k]) this.usage[k] = v;
        }
        break;
      case 'finish':
        for (const call of this.assembly.completeAll()) this.onToolCall(call, firstTokenTimer);
        this.finish = ev.reason;
        break;
      case 'end':
        for (const call of this.assembly.completeAll()) this.onToolCall(call, firstTokenTimer);
        this.ended = true;
        break;
      case 'model':
        this.model = ev.model;
        break;
    }
  }
}

async function consumeStream(
  adapter: ProviderAdapter,
  ep: ProviderEndpoint,
  body: AsyncIterable<Buffer>,
  state: StreamState,
  maxBytes: number,
  firstTokenTimer: NodeJS.Timeout | undefined,
  onTooLarge: () => void,
): Promise<void> {
  const sink = (frame: { event?: string; data: string }) => {
    if (state.ended) return;
    for (const ev of adapter.parseStreamEvent(frame, ep)) state.apply(ev, firstTokenTimer);
  };
  const splitter = adapter.streamFraming === 'sse' ? createSseSplitter(sink) : createNdjsonSplitter(sink);
  const decoder = new TextDecoder('utf-8');
  let bytes = 0;
  for await (const chunk of body) {
    bytes += chunk.length;
    if (bytes > maxBytes) {
      onTooLarge();
      throw new ProviderError({ provider: ep.id, errorClass: 'response_too_large', message: `Provider '${ep.id}': stream exceeded ${maxBytes} bytes and was cut off.` });
    }
    splitter.feed(decoder.decode(chunk, { stream: true }));
  }
  splitter.feed(decoder.decode());
  splitter.end();
  if (!state.ended && state.finish === undefined) {
    throw new ProviderError({
      provider: ep.id,
      errorClass: 'stream_cut',
      message: `Provider '${ep.id}': stream ended before the provider's end marker${state.text ? ` after ${state.text.length} characters` : ''}.`,
    });
  }
  const notAnAnswer = emptyAnswerError(ep, state.text, state.finish, state.toolCalls.length);
  if (notAnAnswer) throw notAnAnswer;
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy?: () => void }, maxBytes: number, truncate: boolean, onTooLarge?: () => void): Promise<string> {
  const parts: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    bytes += chunk.length;
    if (bytes > maxBytes) {
      if (truncate) {
        parts.push(chunk.subarray(0, chunk.length - (bytes - maxBytes)));
        body.destroy?.();
        break;
      }
      onTooLarge?.();
      throw new ProviderError({ provider: '', errorClass: 'response_too_large', message: `response exceeded ${maxBytes} bytes and was cut off.` });
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString('utf8');
}

function parseJsonBody(text: string, ep: ProviderEndpoint): unknown {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('<')) throw malformed(ep, 'returned HTML where JSON was expected');
  try {
    return JSON.parse(text);
  } catch {
    throw malformed(ep, text.length === 0 ? 'returned an empty body' : 'returned a body that is not valid JSON (malformed or truncated)');
  }
}

function malformed(ep: ProviderEndpoint, what: string): ProviderError {
  return new ProviderError({ provider: ep.id, errorClass: 'malformed_response', message: `Provider '${ep.id}' ${what}.` });
}

const NETWORK_CODES: Record<string, { cls: ErrorClass; what: string }> = {
  ECONNREFUSED: { cls: 'connection', what: 'connection refused' },
  ECONNRESET: { cls: 'connection', what: 'connection reset' },
  EPIPE: { cls: 'connection', what: 'connection closed' },
  ENOTFOUND: { cls: 'connection', what: 'host not found' },
  EAI_AGAIN: { cls: 'connection', what: 'DNS lookup failed' },
  EHOSTUNREACH: { cls: 'connection', what: 'host unreachable' },
  ENETUNREACH: { cls: 'connection', what: 'network unreachable' },
  ETIMEDOUT: { cls: 'timeout', what: 'connection timed out' },
  UND_ERR_CONNECT_TIMEOUT: { cls: 'timeout', what: 'connect timed out' },
  UND_ERR_HEADERS_TIMEOUT: { cls: 'timeout', what: 'no response headers in time' },
  UND_ERR_BODY_TIMEOUT: { cls: 'timeout', what: 'response body stalled' },
  UND_ERR_SOCKET: { cls: 'connection', what: 'the connection closed unexpectedly' },
  UND_ERR_CLOSED: { cls: 'connection', what: 'the client closed' },
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: { cls: 'malformed_response', what: 'the body was shorter than its Content-Length (truncated)' },
};

function networkCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code in NETWORK_CODES) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function classifyFailure(err: unknown, reason: AbortReason | undefined, ep: ProviderEndpoint, state: StreamState): Error {
  if (reason?.kind === 'caller') return new CancelledError();
  if (err instanceof ProviderError) {
    if (err.provider !== '') return err;
    return new ProviderError({ provider: ep.id, errorClass: err.errorClass, message: `Provider '${ep.id}': ${err.message}` });
  }
  if (err instanceof CancelledError) return err;
  const partial = state.delivered;
  if (reason?.kind === 'timeout') {
    return new ProviderError({
      provider: ep.id,
      errorClass: 'timeout',
      message: `Provider '${ep.id}': ${reason.which} timeout after ${reason.ms} ms${partial ? ` (stream stopped after ${state.text.length} characters)` : ''}.`,
      cause: err,
    });
  }
  if (reason?.kind === 'too-large') {
    return new ProviderError({ provider: ep.id, errorClass: 'response_too_large', message: `Provider '${ep.id}': response exceeded ${reason.limit} bytes and was cut off.` });
  }
  const code = networkCode(err);
  const known = code ? NETWORK_CODES[code] : undefined;
  if (partial || state.assembly.hasPending || (known === undefined && state.firstTokenAt === undefined && isBodyTermination(err))) {
    return new ProviderError({
      provider: ep.id,
      errorClass: 'stream_cut',
      message: `Provider '${ep.id}': the stream broke${partial ? ` after ${describeStreamed(state.toolCalls.length, state.text.length)}` : state.assembly.hasPending ? ' inside a tool call, before it was complete' : ' before the first token'} (${known?.what ?? describe(err)}).`,
      cause: err,
    });
  }
  if (known) {
    return new ProviderError({ provider: ep.id, errorClass: known.cls, providerCode: code, message: `Provider '${ep.id}': ${known.what} (${safeHost(ep.baseUrl)}).`, cause: err });
  }
  return new ProviderError({ provider: ep.id, errorClass: 'connection', message: `Provider '${ep.id}': request failed — ${describe(err)}.`, cause: err });
}

function isBodyTermination(err: unknown): boolean {
  return err instanceof Error && /terminated|aborted|other side closed/i.test(err.message);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message.slice(0, 200) : String(err).slice(0, 200);
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid URL';
  }
}
