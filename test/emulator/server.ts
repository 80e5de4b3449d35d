import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ProviderKind } from '../../src/engine/types';
import { seededRandom } from '../support/seededRandom';
import { randomBytes } from 'node:crypto';
import { matchModelsRoute, respondModels } from './modelsRoute';
import { EmulatorRateLimiter, noHeadroomHeaders, type EmulatedRateLimit } from './rateLimiter';
import type { PromptCacheUsage } from './promptCache';
import type { EmulatedReply, EmulatedToolCall, WireFormat } from './wireFormat';

/** What the emulator does to one request instead of (or on the way to) a normal answer. */
export type Fault =
  /**
   * A healthy answer; `cutByLength` ends it at the token limit (OpenAI `length`, Anthropic `max_tokens`, Gemini `MAX_TOKENS`);
   * `headers` are added to it (e.g. rate-limit headers announcing no headroom).
   */
  | { type: 'ok'; reply?: string; cutByLength?: boolean; headers?: Record<string, string> }
  | {
      type: 'status';
      status: number;
      retryAfterSeconds?: number;
      retryAfterMs?: number;
      headers?: Record<string, string>;
      message?: string;
    }
  | { type: 'hang' }
  | { type: 'delay'; ms: number }
  | { type: 'slow'; chunkDelayMs: number }
  | { type: 'cut'; afterChunks: number }
  | { type: 'malformed' }
  | { type: 'html' }
  | { type: 'reset' }
  | { type: 'truncated' }
  | { type: 'streamError'; message?: string }
  /** A normal answer whose rate-limit headers announce 0 requests left until `resetMs` from now, in `style`'s spelling. */
  | { type: 'noHeadroom'; style: 'openai' | 'anthropic'; resetMs: number }
  /** A 200 answer with no text and no finish reason, streamed or not (the format's emptyAnswer). */
  | { type: 'empty' }
  /** The 200 answer for a prompt the content filter blocked, where the format documents one (Azure OpenAI, Gemini). */
  | { type: 'promptBlocked' }
  /**
   * An answer ending in tool calls (optional text before them), streamed with each call's arguments in pieces;
   * `cutInArguments` breaks the connection right after the first piece of the first call's arguments (or of the call at that index).
   */
  | { type: 'toolCall'; calls: EmulatedCallSpec[]; text?: string; cutInArguments?: boolean | number }
  /**
   * The answer the request would get, streamed up to the first piece of one tool call's arguments (the call at `callIndex`,
   * default 0), then the connection breaks: `toolCall`'s `cutInArguments` for answers whose calls come from `toolCallsFn`.
   * A stream without that call breaks after its first frame; a non-streamed answer is cut halfway, as `cut` does.
   */
  | { type: 'cutInArguments'; callIndex?: number };

/** A tool call as a test scripts it: the emulator gives it an id and streams its arguments in pieces. */
export interface EmulatedCallSpec {
  name: string;
  arguments: Record<string, unknown>;
}

export type FormatKind = WireFormat['kind'];

export interface RecordedRequest {
  /** Epoch ms when its body had arrived. */
  receivedAt: number;
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON, the raw text when it is not JSON, or undefined when empty. */
  body: unknown;
  /** The wire format that matched, if any. */
  format?: FormatKind;
  stream?: boolean;
  /** The model the reply names (from the request, else the emulator's default). */
  model?: string;
  fault?: Fault;
  /** Refused with 429 by the emulator's own rate limit (see EmulatorOptions.rateLimit). */
  overRateLimit?: boolean;
}

export interface FaultLogEntry {
  /** Index of the request in `requests` (since the last reset). */
  seq: number;
  path: string;
  format: FormatKind;
  fault: Fault;
  source: 'queue' | 'random';
}

export interface RandomFaults {
  /** Probability in [0, 1] that a request (with an empty queue) gets a fault. */
  rate: number;
  kinds: Fault[];
  seed: number;
}

export interface EmulatorOptions {
  name?: string;
  reply?: string;
  replyFn?: (prompt: string) => string;
  /** The tool calls a healthy answer to this prompt ends in (after replyFn's text); none or empty: a text answer. Faults act on that answer. */
  toolCallsFn?: (prompt: string) => EmulatedCallSpec[] | undefined;
  /** How many pieces a streamed reply is split into (by words). Default 4. */
  chunks?: number;
  /** Pause between the pieces of a healthy streamed reply, so it arrives the way a real one does. Default 0. */
  chunkDelayMs?: number;
  /** Model named in replies when the request names none. */
  model?: string;
  /** Prompt tokens reported as read from the provider's cache; unset, requests that ask for caching are cached as the provider would. */
  cachedInputTokens?: number;
  /** Prompt tokens reported as written to the provider's cache (formats that report writes: Anthropic). */
  cacheWriteTokens?: number;
  host?: string;
  port?: number;
  /** Wire formats to serve; defaults to the five provider formats in ./formats. */
  formats?: WireFormat[];
  /** A rate limit the emulator enforces and announces in headers on every chat answer. */
  rateLimit?: EmulatedRateLimit;
}

export interface Emulator {
  readonly name: string;
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  /** What to put in a provider's config: openai kinds get origin + '/v1'. */
  baseUrl(kind: ProviderKind): string;
  /** Faults consumed one per matched request, in order; an empty queue means success. */
  enqueue(...faults: Fault[]): void;
  queuedFaults(): number;
  setRandomFaults(cfg: RandomFaults | null): void;
  /** Starts (or, with null, stops) enforcing a rate limit, with fresh windows. */
  setRateLimit(cfg: EmulatedRateLimit | null): void;
  readonly requests: RecordedRequest[];
  readonly faultLog: FaultLogEntry[];
  /** Sockets currently open on the server side (for leak checks). */
  openConnections(): number;
  /** Clears the fault queue, random faults, recorded requests, the fault log and the emulated prompt cache. */
  reset(): void;
  /** Destroys every socket (hung ones too), clears timers and closes the server. */
  close(): Promise<void>;
}

const DEFAULT_CHUNKS = 4;
const DEFAULT_MODEL = 'emulator-model';
const HTML_PAGE =
  '<!DOCTYPE html>\n<html><head><title>Sign in to continue</title></head>' +
  '<body><h1>Network login required</h1><p>This is not the API you were looking for.</p></body></html>\n';

const noop = (): void => {};

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const formats = opts.formats ?? (await import('./formats')).wireFormats;
  const name = opts.name ?? 'emulator';
  const host = opts.host ?? '127.0.0.1';

  const sockets = new Set<Socket>();
  const cancels = new Set<() => void>();
  const queue: Fault[] = [];
  const requests: RecordedRequest[] = [];
  const faultLog: FaultLogEntry[] = [];
  const promptCacheMemory = new Set<string>();
  let random: { rate: number; kinds: Fault[]; next: () => number } | null = null;
  let limiter = opts.rateLimit ? new EmulatorRateLimiter(opts.rateLimit) : undefined;
  let closing = false;
  let closed: Promise<void> | undefined;

  /** Resolves true after ms, or false early when the response closes or the emulator shuts down. */
  function sleep(res: http.ServerResponse, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (closing || res.destroyed) return resolve(false);
      const settle = (ok: boolean): void => {
        clearTimeout(timer);
        cancels.delete(cancel);
        res.off('close', cancel);
        resolve(ok);
      };
      const cancel = (): void => settle(false);
      const timer = setTimeout(() => settle(true), Math.max(0, ms));
      cancels.add(cancel);
      res.once('close', cancel);
    });
  }

  function nextFault(): { fault: Fault; source: 'queue' | 'random' } | undefined {
    const queued = queue.shift();
    if (queued) return { fault: queued, source: 'queue' };
    if (random && random.kinds.length > 0 && random.next() < random.rate) {
      const pick = random.kinds[Math.floor(random.next() * random.kinds.length)];
      return { fault: pick, source: 'random' };
    }
    return undefined;
  }

  function buildReply(prompt: string, model: string, fault: Fault | undefined, promptCache: PromptCacheUsage | undefined): EmulatedReply {
    const override = fault?.type === 'ok' ? fault.reply : fault?.type === 'toolCall' ? (fault.text ?? '') : undefined;
    const text = override ?? opts.reply ?? (opts.replyFn ? opts.replyFn(prompt) : `Hello from ${name}.`);
    const words = splitWords(text);
    const calls = fault?.type === 'toolCall' ? fault.calls : opts.toolCallsFn?.(prompt);
    const fixed = opts.cachedInputTokens !== undefined || opts.cacheWriteTokens !== undefined;
    const cached = Math.max(0, fixed ? (opts.cachedInputTokens ?? 0) : (promptCache?.read ?? 0));
    const written = Math.max(0, fixed ? (opts.cacheWriteTokens ?? 0) : (promptCache?.written ?? 0));
    return {
      text,
      model,
      chunks: groupWords(words, opts.chunks ?? DEFAULT_CHUNKS),
      usage: {
        // Input includes cached tokens, so it can never be smaller than the cached part.
        inputTokens: Math.max(1, Math.ceil(prompt.length / 4), fixed ? 0 : (promptCache?.total ?? 0), cached + written),
        outputTokens: Math.max(1, words.length),
        cachedInputTokens: cached,
        ...(written > 0 ? { cacheWriteTokens: written } : {}),
      },
      ...(calls && calls.length > 0 ? { toolCalls: calls.map(emulatedToolCall) } : {}),
      ...(fault?.type === 'ok' && fault.cutByLength ? { cutByLength: true } : {}),
    };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    req.on('error', noop);
    res.on('error', noop);
    const raw = await readBody(req);
    if (raw === null || closing) return;

    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const path = url.pathname;
    const query = url.searchParams;
    let body: unknown;
    let bodyIsJson = true;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
        bodyIsJson = false;
      }
    }
    const record: RecordedRequest = { receivedAt: Date.now(), method, path, query, headers: req.headers, body };
    const seq = requests.push(record) - 1;

    const models = matchModelsRoute(method, path, opts.model ?? DEFAULT_MODEL);
    if (models) {
      record.format = models.format;
      const picked = nextFault();
      record.fault = picked?.fault;
      if (picked) faultLog.push({ seq, path, format: models.format, fault: picked.fault, source: picked.source });
      return respondModels(res, models, picked?.fault, sleep);
    }
    const found = matchFormat(formats, method, path, query, body);
    if (!found) return sendJson(res, 404, { error: 'no such endpoint' });
    const { format, route } = found;
    record.format = format.kind;
    record.stream = route.stream;
    if (!bodyIsJson) return sendFormatError(res, format, 400, 'request body is not valid JSON');
    const rejection = format.rejectRequest?.(body, req.headers, route);
    if (rejection) return sendFormatError(res, format, 400, rejection);

    const picked = nextFault();
    const fault = picked?.fault;
    record.fault = fault;
    if (picked) faultLog.push({ seq, path, format: format.kind, fault: picked.fault, source: picked.source });

    const model = route.model ?? opts.model ?? DEFAULT_MODEL;
    record.model = model;
    const prompt = safePrompt(format, body);
    if (limiter) {
      const verdict = limiter.admit(Math.ceil(prompt.length / 4) + maxTokensOf(body));
      for (const [k, v] of Object.entries(verdict.headers)) res.setHeader(k, v);
      if (!verdict.allowed) {
        record.overRateLimit = true;
        return sendFormatError(res, format, 429, 'Rate limit reached: no requests or tokens left in this window');
      }
    }
    if (fault?.type === 'ok') for (const [k, v] of Object.entries(fault.headers ?? {})) res.setHeader(k, v);
    if (fault?.type === 'noHeadroom') for (const [k, v] of Object.entries(noHeadroomHeaders(fault.style, fault.resetMs))) res.setHeader(k, v);
    // Only a request that gets an answer reaches the provider's cache.
    const answered = fault === undefined || fault.type === 'ok' || fault.type === 'toolCall' || fault.type === 'delay' || fault.type === 'slow' || fault.type === 'noHeadroom';
    const promptCache = answered ? safePromptCache(format, body, promptCacheMemory) : undefined;
    const reply = buildReply(prompt, model, fault, promptCache);
    await respond({ req, res, format, stream: route.stream, reply, fault, sleep, chunkDelayMs: opts.chunkDelayMs ?? 0 });
  }

  const server = http.createServer({ noDelay: true }, (req, res) => {
    handle(req, res).catch((err: unknown) => failResponse(res, err));
  });
  server.on('connection', (socket: Socket) => {
    socket.on('error', noop);
    if (closing) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (socket.writable && err.code !== 'ECONNRESET') {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    } else {
      socket.destroy();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', noop);
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    name,
    origin,
    baseUrl: (kind) => (kind === 'openai' || kind === 'openai-compatible' ? `${origin}/v1` : origin),
    enqueue: (...faults) => {
      queue.push(...faults);
    },
    queuedFaults: () => queue.length,
    setRateLimit: (cfg) => {
      limiter = cfg ? new EmulatorRateLimiter(cfg) : undefined;
    },
    setRandomFaults: (cfg) => {
      if (cfg === null) {
        random = null;
        return;
      }
      if (!(cfg.rate >= 0 && cfg.rate <= 1)) throw new RangeError('random fault rate must be within [0, 1]');
      random = { rate: cfg.rate, kinds: [...cfg.kinds], next: seededRandom(cfg.seed) };
    },
    requests,
    faultLog,
    openConnections: () => sockets.size,
    reset: () => {
      queue.length = 0;
      random = null;
      requests.length = 0;
      faultLog.length = 0;
      promptCacheMemory.clear();
    },
    close: () => {
      closed ??= (async () => {
        closing = true;
        queue.length = 0;
        for (const cancel of [...cancels]) cancel();
        // A destroyed socket emits 'close' a little after the server stops counting it, so wait for both.
        const socketsClosed = [...sockets].map((s) => new Promise<void>((resolve) => s.once('close', () => resolve())));
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
        await Promise.all([serverClosed, ...socketsClosed]);
      })();
      return closed;
    },
  };
}

/** An origin on loopback whose port refuses connections (it was free a moment ago). */
export async function closedPortUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

interface ResponseContext {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  format: WireFormat;
  stream: boolean;
  reply: EmulatedReply;
  fault: Fault | undefined;
  sleep: (res: http.ServerResponse, ms: number) => Promise<boolean>;
  chunkDelayMs: number;
}

async function respond(ctx: ResponseContext): Promise<void> {
  const { req, res, format, stream, fault } = ctx;
  switch (fault?.type) {
    case 'toolCall':
      if (stream && fault.cutInArguments !== undefined && fault.cutInArguments !== false) return cutInArguments(ctx, fault.cutInArguments === true ? 0 : fault.cutInArguments);
      return stream ? sendStream(ctx, framesOf(ctx), ctx.chunkDelayMs) : sendCompletion(ctx);
    case undefined:
    case 'ok':
    case 'noHeadroom':
      return stream ? sendStream(ctx, framesOf(ctx), ctx.chunkDelayMs) : sendCompletion(ctx);
    case 'status': {
      const extra: Record<string, string> = { ...fault.headers };
      if (fault.retryAfterSeconds !== undefined) extra['retry-after'] = String(fault.retryAfterSeconds);
      if (fault.retryAfterMs !== undefined) extra['retry-after-ms'] = String(fault.retryAfterMs);
      return sendFormatError(res, format, fault.status, fault.message ?? defaultMessage(fault.status), extra);
    }
    case 'hang':
      // Never answer: the socket stays open until the client gives up or close() destroys it.
      return;
    case 'delay':
      if (!(await ctx.sleep(res, fault.ms))) return;
      return stream ? sendStream(ctx, framesOf(ctx)) : sendCompletion(ctx);
    case 'slow':
      if (stream) return sendStream(ctx, framesOf(ctx), fault.chunkDelayMs);
      if (!(await ctx.sleep(res, fault.chunkDelayMs * Math.max(1, ctx.reply.chunks.length)))) return;
      return sendCompletion(ctx);
    case 'cut':
      return stream ? cutStream(ctx, fault.afterChunks) : cutCompletion(ctx);
    case 'cutInArguments':
      return stream ? cutInArguments(ctx, fault.callIndex ?? 0) : cutCompletion(ctx);
    case 'malformed':
      return stream ? malformedStream(ctx) : malformedCompletion(ctx);
    case 'html':
      return sendRaw(res, 200, 'text/html; charset=utf-8', HTML_PAGE);
    case 'reset':
      resetSocket(req.socket);
      return;
    case 'truncated':
      return stream ? truncatedStream(ctx) : truncatedCompletion(ctx);
    case 'streamError':
      return streamError(ctx, fault.message ?? 'emulated error in stream');
    case 'empty':
    case 'promptBlocked': {
      const answer = fault.type === 'empty' ? format.emptyAnswer?.(ctx.reply) : format.blockedPromptAnswer?.(ctx.reply);
      if (!answer) return sendJson(res, 501, { error: `the emulated ${format.kind} format has no '${fault.type}' answer` });
      return stream ? sendStream(ctx, { all: answer.frames, content: [] }) : sendJson(res, 200, answer.body);
    }
  }
}

function sendCompletion({ res, format, reply }: ResponseContext): void {
  sendJson(res, 200, format.completionBody(reply));
}

interface Frames {
  all: string[];
  /** Indexes into `all` of the frames that carry reply text, one per chunk, ascending. */
  content: number[];
}

function framesOf({ format, reply }: ResponseContext): Frames {
  const all = format.streamFrames(reply);
  return { all, content: contentFrameIndexes(format, reply, all) };
}

/**
 * Finds which frames carry text by rendering the same reply with unique marker chunks:
 * the frame layout depends only on the number of chunks, never on their text.
 */
function contentFrameIndexes(format: WireFormat, reply: EmulatedReply, frames: string[]): number[] {
  const markers = reply.chunks.map((_, i) => `EMUCHUNK${i}Q`);
  const probe = format.streamFrames({ ...reply, text: markers.join(''), chunks: markers });
  const byMarker = markers.map((m) => probe.findIndex((f) => f.includes(m)));
  if (probe.length === frames.length && isAscending(byMarker)) return byMarker;
  const found: number[] = [];
  let from = 0;
  for (const chunk of reply.chunks) {
    const needle = JSON.stringify(chunk).slice(1, -1);
    const at = frames.findIndex((f, i) => i >= from && f.includes(needle));
    if (at < 0) break;
    found.push(at);
    from = at + 1;
  }
  return found;
}

function isAscending(xs: number[]): boolean {
  return xs.every((x, i) => x >= 0 && (i === 0 || x > xs[i - 1]));
}

function startStream(res: http.ServerResponse, format: WireFormat): void {
  res.writeHead(200, {
    'content-type': format.framing === 'sse' ? 'text/event-stream' : 'application/x-ndjson',
    'cache-control': 'no-cache',
  });
  // Send the headers now, so a client sees the response start even before the first frame.
  res.flushHeaders();
}

/** Writes frames one write each; stops early (false) when the client is gone. */
async function writeFrames(ctx: ResponseContext, frames: string[], delayMs = 0, delayFirst = false): Promise<boolean> {
  for (let i = 0; i < frames.length; i++) {
    if (delayMs > 0 && (i > 0 || delayFirst) && !(await ctx.sleep(ctx.res, delayMs))) return false;
    if (!(await write(ctx.res, frames[i]))) return false;
  }
  return true;
}

async function sendStream(ctx: ResponseContext, frames: Frames, delayMs = 0): Promise<void> {
  startStream(ctx.res, ctx.format);
  if (await writeFrames(ctx, frames.all, delayMs)) ctx.res.end();
}

async function cutStream(ctx: ResponseContext, afterChunks: number): Promise<void> {
  const { all, content } = framesOf(ctx);
  const n = Math.max(0, Math.min(afterChunks, content.length));
  const upTo = n === 0 ? (content[0] ?? Math.max(0, all.length - 1)) : content[n - 1] + 1;
  startStream(ctx.res, ctx.format);
  if (await writeFrames(ctx, all.slice(0, upTo))) ctx.req.socket.destroy();
}

/** Writes the stream up to the frame carrying the first piece of one call's arguments, then breaks the connection. */
async function cutInArguments(ctx: ResponseContext, callIndex: number): Promise<void> {
  const all = ctx.format.streamFrames(ctx.reply);
  const call = ctx.reply.toolCalls?.[callIndex];
  const piece = call?.pieces[0] ?? '';
  // Formats that stream arguments as a JSON string carry the piece escaped once more.
  const needles = [JSON.stringify(piece).slice(1, -1), piece];
  const opened = call ? Math.max(0, all.findIndex((f) => f.includes(call.id.replace(/^call_/, '')))) : 0;
  const at = all.findIndex((f, i) => i > opened && needles.some((n) => n !== '' && f.includes(n)));
  startStream(ctx.res, ctx.format);
  if (await writeFrames(ctx, all.slice(0, at < 0 ? 1 : at + 1))) ctx.req.socket.destroy();
}

async function truncatedStream(ctx: ResponseContext): Promise<void> {
  const { all, content } = framesOf(ctx);
  const upTo = content.length > 0 ? content[content.length - 1] + 1 : Math.max(0, all.length - 1);
  startStream(ctx.res, ctx.format);
  // A clean FIN with no final chunk: the body just stops before any finish or end marker.
  if (await writeFrames(ctx, all.slice(0, upTo))) ctx.req.socket.end();
}

async function malformedStream(ctx: ResponseContext): Promise<void> {
  const { all, content } = framesOf(ctx);
  const at = content[0];
  const frames =
    at === undefined
      ? [ctx.format.framing === 'sse' ? 'data: {not json\n\n' : '{not json\n']
      : [...all.slice(0, at), corruptFrame(all[at], ctx.format.framing)];
  startStream(ctx.res, ctx.format);
  if (await writeFrames(ctx, frames)) ctx.res.end();
}

async function streamError(ctx: ResponseContext, message: string): Promise<void> {
  const errorFrame = ctx.stream ? ctx.format.streamErrorFrame?.(message) : undefined;
  if (errorFrame === undefined) return sendFormatError(ctx.res, ctx.format, 500, message);
  const { all, content } = framesOf(ctx);
  const upTo = content.length > 0 ? content[0] + 1 : 0;
  startStream(ctx.res, ctx.format);
  if (await writeFrames(ctx, [...all.slice(0, upTo), errorFrame])) ctx.res.end();
}

async function cutCompletion({ req, res, format, reply }: ResponseContext): Promise<void> {
  const body = Buffer.from(JSON.stringify(format.completionBody(reply)));
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
  if (await write(res, body.subarray(0, Math.floor(body.length / 2)))) req.socket.destroy();
}

async function truncatedCompletion({ req, res, format, reply }: ResponseContext): Promise<void> {
  const body = Buffer.from(JSON.stringify(format.completionBody(reply)));
  // The whole JSON arrives, but the declared length promises more: the client must not accept it.
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length + 64) });
  if (await write(res, body)) req.socket.end();
}

function malformedCompletion({ res, format, reply }: ResponseContext): void {
  const json = JSON.stringify(format.completionBody(reply));
  sendRaw(res, 200, 'application/json', breakJson(json.slice(0, Math.floor(json.length / 2))));
}

function corruptFrame(frame: string, framing: WireFormat['framing']): string {
  if (framing === 'ndjson') return `${breakJson(frame.replace(/\n+$/, '').slice(0, Math.floor(frame.length / 2)))}\n`;
  const eol = frame.includes('\r\n') ? '\r\n' : '\n';
  let done = false;
  return frame
    .split(eol)
    .map((line) => {
      if (done || !line.startsWith('data:')) return line;
      done = true;
      const value = line.slice(5).trimStart();
      return `data: ${breakJson(value.slice(0, Math.floor(value.length / 2)))}`;
    })
    .join(eol);
}

/** Makes sure a truncated piece of JSON really does not parse. */
function breakJson(text: string): string {
  try {
    JSON.parse(text);
    return '{not json';
  } catch {
    return text.length > 0 ? text : '{not json';
  }
}

function matchFormat(
  formats: WireFormat[],
  method: string,
  path: string,
  query: URLSearchParams,
  body: unknown,
): { format: WireFormat; route: NonNullable<ReturnType<WireFormat['match']>> } | undefined {
  for (const format of formats) {
    let route: ReturnType<WireFormat['match']> = null;
    try {
      route = format.match(method, path, query, body);
    } catch {
      // A format that cannot read this body simply does not match it.
    }
    if (route) return { format, route };
  }
  return undefined;
}

/** The request's output cap in whichever field its format uses; 0 when it sets none. */
function maxTokensOf(body: unknown): number {
  const b = (body ?? {}) as Record<string, unknown>;
  const generation = b.generationConfig as Record<string, unknown> | undefined;
  const options = b.options as Record<string, unknown> | undefined;
  for (const v of [b.max_tokens, b.max_completion_tokens, generation?.maxOutputTokens, options?.num_predict]) if (typeof v === 'number' && v > 0) return v;
  return 0;
}

function safePromptCache(format: WireFormat, body: unknown, memory: Set<string>): PromptCacheUsage | undefined {
  try {
    return format.promptCache?.(body, memory);
  } catch {
    return undefined;
  }
}

function safePrompt(format: WireFormat, body: unknown): string {
  try {
    return format.promptText(body);
  } catch {
    return '';
  }
}

function sendFormatError(
  res: http.ServerResponse,
  format: WireFormat,
  status: number,
  message: string,
  extraHeaders: Record<string, string> = {},
): void {
  const { body, headers } = format.errorBody(status, message);
  sendJson(res, status, body, { ...headers, ...extraHeaders });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendRaw(res, status, 'application/json', JSON.stringify(body), headers);
}

function sendRaw(
  res: http.ServerResponse,
  status: number,
  contentType: string,
  text: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const body = Buffer.from(text);
  res.writeHead(status, { 'content-type': contentType, ...headers, 'content-length': String(body.length) });
  res.end(body);
}

function failResponse(res: http.ServerResponse, err: unknown): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  sendJson(res, 500, { error: `emulator failure: ${message}` });
}

/** Resolves true once the data is handed to the kernel, false if the client went away first. */
function write(res: http.ServerResponse, data: string | Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    if (res.destroyed || res.writableEnded) return resolve(false);
    let settled = false;
    const settle = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      res.off('close', onClose);
      resolve(ok);
    };
    const onClose = (): void => settle(false);
    res.once('close', onClose);
    res.write(data, (err) => settle(!err));
  });
}

function resetSocket(socket: Socket): void {
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

/** Resolves the body text, or null when the client aborts before sending it all. */
function readBody(req: http.IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let settled = false;
    const settle = (value: string | null): void => {
      if (settled) return;
      settled = true;
      resolve(value);
    };
    req.on('data', (part: Buffer) => parts.push(part));
    req.once('end', () => settle(Buffer.concat(parts).toString('utf8')));
    req.once('error', () => settle(null));
    req.once('close', () => settle(null));
  });
}

function defaultMessage(status: number): string {
  return http.STATUS_CODES[status] ?? `Emulated HTTP ${status}`;
}

const ARGUMENT_PIECES = 3;

function emulatedToolCall(call: EmulatedCallSpec): EmulatedToolCall {
  const args = JSON.stringify(call.arguments);
  const size = Math.max(1, Math.ceil(args.length / ARGUMENT_PIECES));
  const pieces: string[] = [];
  for (let i = 0; i < args.length; i += size) pieces.push(args.slice(i, i + size));
  return { id: `call_${randomBytes(12).toString('hex')}`, name: call.name, arguments: args, pieces };
}

/** Splits text into words that keep their trailing whitespace, so joining them gives the text back. */
function splitWords(text: string): string[] {
  return text === '' ? [] : text.split(/(?<=\s)(?=\S)/);
}

function groupWords(words: string[], pieces: number): string[] {
  const n = Math.min(Math.max(1, Math.floor(pieces)), words.length);
  const groups: string[] = [];
  for (let i = 0; i < n; i++) {
    groups.push(words.slice(Math.floor((i * words.length) / n), Math.floor(((i + 1) * words.length) / n)).join(''));
  }
  return groups;
}

