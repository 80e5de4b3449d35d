import type { Dispatcher } from 'undici';
import type { ProviderConfig, RouterConfig } from '../config/schema';
import { CancelledError, ProviderError } from '../errors';
import type { AttemptEvent } from '../events';
import { sendChat, type AttemptResult } from '../http/transport';
import type { ProviderAdapter, ProviderEndpoint, ResponseHeaders } from '../providers/adapter';
import { editorOnlyError, type EditorModelChat } from '../providers/editorModels';
import type { ProviderBreaker } from '../resilience/circuitBreaker';
import type { ProviderKeyRings } from '../resilience/keyRing';
import { retryDelayMs, shouldRetry, sleep } from '../resilience/retryPolicy';
import type { AvailabilitySource } from './availability';
import { requestForProvider, withoutResponseFormat } from './capabilities';
import type { PaceHold, PaceTicket } from './pacing';
import { attemptTiming } from './purposeTimeouts';
import type { RequestNeed } from './requestNeed';
import type { AttemptRecord, ChatRequest, ToolCall } from '../types';

/** A configured provider with everything needed to call it. */
export interface ProviderRuntime {
  config: ProviderConfig;
  adapter: ProviderAdapter;
  baseUrl: string;
  breaker: ProviderBreaker;
}

/** What routing needs from the engine that runs it, and nothing more. */
export interface RoutingHost {
  now(): number;
  random(): number;
  /** The provider's API keys, in order; empty when none is set. */
  apiKeys(p: ProviderConfig): Promise<string[]>;
  /** Which of several keys serves, and which cool down. */
  keys: Pick<ProviderKeyRings, 'pick' | 'keyFailed' | 'allCoolingUntil'>;
  /** The HTTP client for the next attempt (it changes when the proxy settings do). */
  dispatcher(): Dispatcher | undefined;
  /** Epoch ms before which the provider asked not to be called (Retry-After), if still ahead. */
  coolingDownUntil(id: string): number | undefined;
  coolDown(id: string, retryAfterMs: number): void;
  /** Rate-limit pacing: the provider's announced headroom and the user's limits.rpm / limits.tpm. */
  pacing: RequestPacingHost;
  attemptFinished(record: AttemptRecord, result?: AttemptResult, err?: unknown): void;
  /** The editor's own models (kind vscode-lm); absent outside the extension. */
  editorChat?: EditorModelChat;
}

export interface RequestPacingHost extends AvailabilitySource {
  /** Why `model` of `provider` cannot take a request of `need` now, and until when. */
  hold(provider: string, model: string, need: RequestNeed): PaceHold | undefined;
  /** Checks and counts in one step: concurrent requests cannot all take the last slot. */
  admit(provider: string, model: string, need: RequestNeed): { ok: true; ticket: PaceTicket } | { ok: false; hold: PaceHold };
}

/** Shared by every attempt of one routed request. */
export interface RequestContext {
  req: ChatRequest;
  cfg: RouterConfig;
  host: RoutingHost;
  /** The caller's cancellation. */
  signal?: AbortSignal;
  /** Epoch ms after which no new attempt starts (routing.requestBudgetMs). */
  deadline: number;
  attempts: AttemptRecord[];
  /** What the request takes from rate limits (estimated tokens). */
  need: RequestNeed;
  /** Streaming: forwards a racer's text to the caller if that racer owns the stream. */
  streamGate?: StreamGate;
  /** This request's own listener (ChatOptions.onAttempt): each attempt as it starts and ends. */
  onAttempt?(event: AttemptEvent): void;
}

/**
 * With hedging two providers may stream at once; the first to produce text owns the caller's stream and
 * the other is cancelled. Text already forwarded can never be retracted, which is why a break after it is fatal.
 */
export class StreamGate {
  owner?: string;
  delivered = '';
  deliveredToolCalls = 0;
  /** What the caller's own onText threw: it ends the request and blames no provider. */
  sinkError?: { error: unknown };
  private readonly losers = new Map<string, () => void>();

  constructor(
    private readonly sink: (delta: string) => void,
    private readonly onOwner?: (provider: string) => void,
    private readonly toolSink?: (call: ToolCall) => void,
  ) {}

  /** Text or a complete tool call reached the caller; partial tool-call arguments never do. */
  get hasDelivered(): boolean {
    return this.delivered !== '' || this.deliveredToolCalls > 0;
  }

  register(racer: string, cancel: () => void): void {
    this.losers.set(racer, cancel);
  }

  unregister(racer: string): void {
    this.losers.delete(racer);
  }

  forward(racer: string, delta: string, provider: string): void {
    this.deliver(racer, provider, () => {
      this.delivered += delta;
      this.sink(delta);
    });
  }

  forwardToolCall(racer: string, call: ToolCall, provider: string): void {
    this.deliver(racer, provider, () => {
      this.deliveredToolCalls++;
      this.toolSink?.(call);
    });
  }

  private deliver(racer: string, provider: string, send: () => void): void {
    const first = this.owner === undefined;
    if (first) {
      this.owner = racer;
      for (const [id, cancel] of this.losers) if (id !== racer) cancel();
    }
    if (this.owner !== racer) return;
    try {
      if (first) this.onOwner?.(provider);
      send();
    } catch (error) {
      this.sinkError = { error };
      // Stops the racer's stream as a cancellation, which does not count against the provider.
      throw new CancelledError('the onText callback threw');
    }
  }
}

/** The attempt's text reached the caller before the stream broke: no provider can fix that transparently. */
export class BrokenAfterDeliveryError extends Error {
  constructor(override readonly cause: ProviderError) {
    super(cause.message);
  }
}

/** The provider was not called at all (no time left, hedge lost): try the next one. */
class ProviderSkipped extends Error {}

/** The provider may not be called right now (breaker open or probing, Retry-After running, no rate-limit headroom), but may be later. */
export class ProviderUnavailable extends ProviderSkipped {}

export interface RunOptions {
  racer: string;
  /** Whether another provider could be tried after this one: then a refused connection or a long Retry-After moves on instead of retrying. */
  hasAlternatives: boolean;
  /** Cancels just this racer (hedging's loser, or the stream gate); absent when nothing can cancel it alone. */
  racerSignal?: AbortSignal;
  hedged?: boolean;
}

/** Tries one provider, retrying transient failures with jittered backoff inside the request budget. */
export async function runProvider(rt: ProviderRuntime, ctx: RequestContext, run: RunOptions): Promise<AttemptResult> {
  const { host } = ctx;
  const id = rt.config.id;
  const model = ctx.req.model ?? rt.config.model;
  const record = (r: Omit<AttemptRecord, 'provider' | 'model'>, result?: AttemptResult, err?: unknown) => {
    const full: AttemptRecord = { provider: id, model, ...r, ...(run.hedged ? { hedged: true } : {}) };
    ctx.attempts.push(full);
    host.attemptFinished(full, result, err);
    ctx.onAttempt?.({ type: 'attempt-finished', at: host.now(), record: full });
  };
  const signal = ctx.signal && run.racerSignal ? AbortSignal.any([ctx.signal, run.racerSignal]) : (ctx.signal ?? run.racerSignal);
  let waitedOutCooldown: number | undefined;
  const timing = attemptTiming(ctx.cfg, ctx.req);
  const providerReq = requestForProvider(rt.config, ctx.req);
  let wireReq = timing.streamOnWire && !providerReq.stream ? { ...providerReq, stream: true } : providerReq;

  for (let tryNo = 1; ; tryNo++) {
    let remaining = ctx.deadline - host.now();
    if (remaining <= 0) {
      record({ outcome: 'skipped', errorClass: 'timeout', message: `request budget of ${ctx.cfg.routing.requestBudgetMs} ms used up`, latencyMs: 0, try: tryNo });
      throw new ProviderSkipped('request budget used up');
    }
    // Checked again after every wait: a request already in flight may have brought back a later Retry-After meanwhile.
    // A deadline already slept through is done with, whatever the clock says (clocks step back; timers fire early).
    let sleptThrough: number | undefined;
    for (let coolUntil = host.coolingDownUntil(id); coolUntil !== undefined && coolUntil !== sleptThrough; coolUntil = host.coolingDownUntil(id)) {
      const coolMs = coolUntil - host.now();
      // Only the tail of the Retry-After this racer chose to sleep through is waited out here; any other wait is
      // the router's to decide, across all candidates.
      if (coolUntil !== waitedOutCooldown || coolMs >= remaining) {
        record({ outcome: 'skipped', errorClass: 'rate_limited', message: `rate-limited: provider asked to wait ${Math.ceil(coolMs)} ms`, latencyMs: 0, try: tryNo });
        throw new ProviderUnavailable('cooling down');
      }
      await sleep(coolMs, signal).catch(rethrowCancel(ctx));
      sleptThrough = coolUntil;
      remaining = Math.max(1, ctx.deadline - host.now());
    }
    let keys: string[];
    try {
      keys = await host.apiKeys(rt.config);
      if (rt.adapter.requiresKey && keys.length === 0) {
        throw new ProviderError({ provider: id, errorClass: 'missing_key', message: `Provider '${id}': no API key — set it with 'LLM Router: Set API Key' or the environment variable named by providers[].apiKeyEnv.` });
      }
    } catch (cause) {
      const err = cause instanceof ProviderError ? cause : new ProviderError({ provider: id, errorClass: 'missing_key', message: `Provider '${id}': could not read its API key.`, cause });
      record({ outcome: 'error', errorClass: err.errorClass, message: err.message, latencyMs: 0, try: tryNo }, undefined, err);
      throw err;
    }
    const admission = rt.breaker.tryAcquire();
    if (!admission.ok) {
      if (admission.reason === 'isolated') {
        record({ outcome: 'skipped', errorClass: 'breaker_open', message: 'isolated by the user', latencyMs: 0, try: tryNo });
        throw new ProviderSkipped('isolated');
      }
      const message = admission.reason === 'open' ? `circuit breaker open${admission.retryAt ? ` until ${new Date(admission.retryAt).toISOString()}` : ''}` : 'circuit breaker half-open, probe in flight';
      record({ outcome: 'skipped', errorClass: 'breaker_open', message, latencyMs: 0, try: tryNo });
      throw new ProviderUnavailable(message);
    }
    // From here to the send nothing awaits but a team's slot: the key and the local rate-limit slot are taken before anyone else can look.
    const picked = keys.length > 1 ? host.keys.pick(id, keys.length) : { index: 0 };
    if ('until' in picked) {
      admission.release('neutral');
      const message = `every key (${keys.length}) is cooling down until ${new Date(picked.until).toISOString()}`;
      record({ outcome: 'skipped', errorClass: 'rate_limited', message, latencyMs: 0, try: tryNo });
      throw new ProviderUnavailable(message);
    }
    const keyIndex = picked.index;
    const keyName = keys.length > 1 ? { key: `key ${keyIndex + 1} of ${keys.length}` } : {};
    const keyLabel = keyName.key ? ` (${keyName.key})` : '';
    const paced = host.pacing.admit(id, model, ctx.need);
    if (!paced.ok) {
      admission.release('neutral');
      record({ outcome: 'skipped', errorClass: paced.hold.reason, message: paced.hold.message, latencyMs: 0, try: tryNo });
      throw new ProviderUnavailable(paced.hold.message);
    }
    const ticket = paced.ticket;
    // The one wait between admission and sending, only where a team counts this provider's limits.rpm/tpm: the team's
    // slot is taken in one step on the store, after this process's own count already holds the local one.
    const teamHold = ticket.confirm && (await ticket.confirm());
    if (teamHold) {
      admission.release('neutral');
      record({ outcome: 'skipped', errorClass: teamHold.reason, message: teamHold.message, latencyMs: 0, try: tryNo });
      throw new ProviderUnavailable(teamHold.message);
    }
    const endpoint: ProviderEndpoint = { id, kind: rt.config.kind, baseUrl: rt.baseUrl, model: rt.config.model, apiKey: keys[keyIndex], headers: rt.config.headers, promptCaching: rt.config.promptCaching };
    const started = host.now();
    ctx.onAttempt?.({ type: 'attempt-started', at: started, provider: id, model, try: tryNo, firstTokenTimeoutMs: timing.firstTokenMs });
    try {
      const send = {
        signal,
        firstTokenTimeoutMs: timing.firstTokenMs,
        totalTimeoutMs: Math.min(rt.config.timeoutMs ?? ctx.cfg.timeouts.totalMs, remaining),
        onText: ctx.streamGate ? (d: string) => ctx.streamGate?.forward(run.racer, d, id) : undefined,
        onToolCall: ctx.streamGate ? (c: ToolCall) => ctx.streamGate?.forwardToolCall(run.racer, c, id) : undefined,
        onResponseHeaders: (headers: ResponseHeaders) => ticket.observeHeaders(headers),
      };
      const result =
        rt.config.kind === 'vscode-lm'
          ? await editorAttempt(host, rt.config, wireReq, send)
          : await sendChat(rt.adapter, endpoint, wireReq, { ...send, dispatcher: host.dispatcher(), maxResponseBytes: ctx.cfg.limits.maxResponseBytes });
      ticket.finish(result.usage);
      admission.release('success');
      record({ outcome: 'ok', status: result.status, latencyMs: result.latencyMs, try: tryNo, ...keyName }, result);
      return result;
    } catch (err) {
      const latencyMs = host.now() - started;
      if (err instanceof CancelledError || !(err instanceof ProviderError)) {
        ticket.finish();
        admission.release('neutral');
        if (ctx.signal?.aborted) {
          record({ outcome: 'skipped', errorClass: 'cancelled', message: 'cancelled by the caller', latencyMs, try: tryNo }, undefined, err);
          throw new CancelledError();
        }
        if (err instanceof CancelledError) {
          const why = ctx.streamGate?.sinkError ? 'stopped because the onText callback threw' : 'another provider answered first (hedging)';
          record({ outcome: 'skipped', errorClass: 'cancelled', message: why, latencyMs, try: tryNo }, undefined, err);
          throw new ProviderSkipped('hedge lost');
        }
        throw err;
      }
      // The key's own limit, quota or refusal: it cools down alone, the next key serves at once, and the provider is not blamed.
      if (host.keys.keyFailed(id, keyIndex, keys.length, err.errorClass, err.retryAfterMs)) {
        ticket.finish();
        admission.release('neutral');
        record({ outcome: 'error', errorClass: err.errorClass, status: err.status, message: `${err.message}${keyLabel}; the next key serves`, latencyMs, try: tryNo, ...keyName }, undefined, err);
        continue;
      }
      admission.release({ error: err });
      if (err.retryAfterMs !== undefined) host.coolDown(id, err.retryAfterMs);
      // Only now may waiters be told a slot freed up: they must find this answer's Retry-After already in place.
      ticket.finish();
      record({ outcome: 'error', errorClass: err.errorClass, status: err.status, message: err.message, latencyMs, try: tryNo, ...keyName }, undefined, err);
      if (ctx.streamGate?.owner === run.racer && ctx.streamGate.hasDelivered) throw new BrokenAfterDeliveryError(err);
      // Nobody is listening there: retrying now only delays the answer another provider can give.
      if (run.hasAlternatives && err.providerCode === 'ECONNREFUSED') throw err;
      // Someone is waiting: a provider that stayed silent does not get the same wait again while another can answer.
      if (run.hasAlternatives && timing.moveOnAfterTimeout && err.errorClass === 'timeout') throw err;
      // A model that refuses the schema (many OpenAI-compatible ones do) still gets asked for the text the caller can parse.
      if (err.errorClass === 'bad_request' && wireReq.responseFormat?.fallbackToText) {
        wireReq = withoutResponseFormat(wireReq);
        continue;
      }
      const delay = retryDelayMs(tryNo, err, ctx.cfg.retry, host.random);
      // A long Retry-After is better spent on another provider than asleep.
      if (run.hasAlternatives && delay > ctx.cfg.retry.maxDelayMs) throw err;
      if (!shouldRetry(err, tryNo, ctx.cfg.retry, ctx.deadline - host.now(), delay)) throw err;
      waitedOutCooldown = host.coolingDownUntil(id);
      await sleep(delay, signal).catch(rethrowCancel(ctx));
      if (run.racerSignal?.aborted) throw new ProviderSkipped('hedge lost');
    }
  }
}

function editorAttempt(host: RoutingHost, p: ProviderConfig, req: ChatRequest, opts: Parameters<EditorModelChat>[2]): Promise<AttemptResult> {
  if (!host.editorChat) throw editorOnlyError(p);
  return host.editorChat(p, req, opts);
}

function rethrowCancel(ctx: RequestContext) {
  return (err: unknown): never => {
    if (ctx.signal?.aborted) throw new CancelledError();
    if (err instanceof CancelledError) throw new ProviderSkipped('hedge lost');
    throw err;
  };
}
