// An explicit state machine rather than cockatiel 3: cockatiel's half-open state treats an unhandled (neutral)
// error as success and closes, queues concurrent callers behind the probe instead of rejecting them, has no
// manual reset(), and reads Date.now() directly, so neutral outcomes, a rejecting single probe, reset and an
// injected clock would all have to be fought.
import { z } from 'zod';
import { ERROR_CLASSES, ProviderError } from '../errors';
import { OutcomeWindow } from './outcomeWindow';

export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

export interface BreakerOptions {
  /** Consecutive counting failures that open the breaker. */
  consecutiveFailures?: number;
  /** Failure rate (0..1] over the sampling window that opens the breaker. */
  failureRateThreshold?: number;
  samplingWindowMs?: number;
  /** Outcomes needed in the window before the failure rate can open the breaker. */
  minimumRequests?: number;
  /** First wait in 'open' before a probe is allowed; doubles per consecutive failed probe. */
  halfOpenAfterMs?: number;
  maxHalfOpenAfterMs?: number;
  /** A probe not released within this time is presumed lost, so another one is admitted. */
  probeTimeoutMs?: number;
  now?: () => number;
}

export interface ProviderBreakerOptions extends BreakerOptions {
  provider: string;
}

/** What happened to one admitted attempt. Errors are classified: only counting ProviderErrors are failures. */
export type BreakerOutcome = 'success' | 'neutral' | { error: unknown };

export interface BreakerPermit {
  ok: true;
  /** True when this attempt is the single half-open probe. */
  probe: boolean;
  /** Reports the attempt's outcome. Only the first call counts, so it is safe to also call it in `finally`. */
  release(outcome: BreakerOutcome): void;
}

export interface BreakerRejection {
  ok: false;
  reason: 'open' | 'half-open-busy' | 'isolated';
  /** Epoch ms when a probe becomes possible (only for 'open'). */
  retryAt?: number;
}

export type BreakerAdmission = BreakerPermit | BreakerRejection;

/**
 * When the breaker could next admit an attempt: now; at an epoch ms (an open breaker's half-open time);
 * on the in-flight probe's verdict (or at `latest`, when that probe is presumed lost); or not before the user restores it.
 */
export type BreakerOutlook = { kind: 'now' } | { kind: 'at'; at: number } | { kind: 'verdict'; latest: number } | { kind: 'never' };

export interface BreakerErrorInfo {
  errorClass: string;
  message: string;
  at: number;
}

export interface BreakerSnapshot {
  provider: string;
  state: BreakerState;
  /** Epoch ms of the last state transition. */
  since: number;
  consecutiveFailures: number;
  /** Failures / outcomes in the sampling window; 0 when the window is empty. */
  failureRate: number;
  requestsInWindow: number;
  openUntil?: number;
  lastError?: BreakerErrorInfo;
}

export type BreakerChangeReason =
  | 'consecutive-failures'
  | 'failure-rate'
  | 'half-open-after-wait'
  | 'probe-succeeded'
  | 'probe-failed'
  | 'reset'
  | 'isolated'
  | 'restored'
  | 'synced';

export interface BreakerStateChange {
  provider: string;
  from: BreakerState;
  to: BreakerState;
  at: number;
  reason: BreakerChangeReason;
}

const MAX_MESSAGE_CHARS = 500;

const breakerJsonSchema = z.object({
  state: z.enum(['closed', 'open', 'half-open', 'isolated']),
  since: z.number(),
  /** Epoch ms of the last meaningful change; 0 = never changed, so any persisted entry beats it. */
  updatedAt: z.number().min(0),
  consecutiveFailures: z.number().int().min(0),
  failedProbes: z.number().int().min(0),
  openUntil: z.number().optional(),
  lastError: z.object({ errorClass: z.string(), message: z.string(), at: z.number() }).optional(),
  /** The sampling window's non-empty buckets: [start epoch ms, successes, failures]. */
  window: z.object({
    bucketMs: z.number().int().positive(),
    buckets: z.array(z.tuple([z.number(), z.number().int().min(0), z.number().int().min(0)])),
  }),
});

export type BreakerJSON = z.infer<typeof breakerJsonSchema>;

/** Validates a persisted breaker entry; undefined when the shape is wrong. */
export function parseBreakerJSON(json: unknown): BreakerJSON | undefined {
  const r = breakerJsonSchema.safeParse(json);
  if (!r.success) return undefined;
  if (r.data.state === 'open' && r.data.openUntil === undefined) return undefined;
  return r.data;
}

type Classified = { kind: 'success' } | { kind: 'neutral' } | { kind: 'failure'; info: BreakerErrorInfo };

export class ProviderBreaker {
  readonly provider: string;
  private cfg: Required<BreakerOptions>;
  private current: BreakerState = 'closed';
  private sinceAt: number;
  private updatedAt = 0;
  private consecutive = 0;
  private failedProbes = 0;
  private openUntil?: number;
  private lastError?: BreakerErrorInfo;
  private window: OutcomeWindow;
  /** Bumped on every transition, so outcomes of attempts admitted in an earlier era are ignored. */
  private epoch = 0;
  private probe?: { token: number; startedAt: number };
  private nextProbeToken = 1;
  private readonly listeners = new Set<(change: BreakerStateChange) => void>();
  private readonly availabilityListeners = new Set<() => void>();

  constructor(options: ProviderBreakerOptions) {
    this.provider = options.provider;
    this.cfg = withDefaults(options);
    this.sinceAt = this.cfg.now();
    this.window = new OutcomeWindow(this.cfg.samplingWindowMs);
  }

  /** Applies changed thresholds live; the current state, counters and window counts are kept. */
  reconfigure(options: BreakerOptions): void {
    this.cfg = withDefaults({ ...options, now: options.now ?? this.cfg.now });
    if (this.cfg.samplingWindowMs !== this.window.windowMs) {
      const window = new OutcomeWindow(this.cfg.samplingWindowMs);
      window.load(this.window.buckets(), this.cfg.now());
      this.window = window;
    }
  }

  /** A breaker restored from `toJSON()` output; an invalid shape gives a fresh closed breaker. */
  static fromJSON(json: unknown, options: ProviderBreakerOptions): ProviderBreaker {
    const breaker = new ProviderBreaker(options);
    breaker.applyJSON(json);
    return breaker;
  }

  get state(): BreakerState {
    this.advance();
    return this.current;
  }

  /** Asks to send one attempt. On `ok`, the caller must `release()` the permit exactly once (extra calls are ignored). */
  tryAcquire(): BreakerAdmission {
    this.advance();
    const now = this.cfg.now();
    switch (this.current) {
      case 'isolated':
        return { ok: false, reason: 'isolated' };
      case 'open':
        return { ok: false, reason: 'open', retryAt: this.openUntil };
      case 'half-open': {
        if (this.probe && now - this.probe.startedAt < this.cfg.probeTimeoutMs) {
          return { ok: false, reason: 'half-open-busy' };
        }
        const token = this.nextProbeToken++;
        this.probe = { token, startedAt: now };
        return this.permit(true, token);
      }
      case 'closed':
        return this.permit(false, 0);
    }
  }

  /** When an attempt could next be admitted; changes nothing but the lazy open → half-open step. */
  outlook(): BreakerOutlook {
    this.advance();
    switch (this.current) {
      case 'isolated':
        return { kind: 'never' };
      case 'open':
        return { kind: 'at', at: this.openUntil ?? this.cfg.now() };
      case 'half-open':
        if (this.probe && this.cfg.now() - this.probe.startedAt < this.cfg.probeTimeoutMs) {
          return { kind: 'verdict', latest: this.probe.startedAt + this.cfg.probeTimeoutMs };
        }
        return { kind: 'now' };
      case 'closed':
        return { kind: 'now' };
    }
  }

  /** Called whenever admission may have become possible or changed: every transition, and a half-open probe released. */
  onAvailabilityChange(listener: () => void): () => void {
    this.availabilityListeners.add(listener);
    return () => {
      this.availabilityListeners.delete(listener);
    };
  }

  success(): void {
    this.record({ kind: 'success' });
  }

  /** Counts only errors whose class counts against the provider; others are treated as neutral. */
  failure(err: unknown): void {
    this.record(classify(err, this.cfg.now()));
  }

  /** An outcome that says nothing about the provider (cancellation, context_length); frees a half-open probe slot. */
  neutral(): void {
    this.record({ kind: 'neutral' });
  }

  reset(): void {
    this.clearCounters();
    this.failedProbes = 0;
    this.updatedAt = this.cfg.now();
    if (this.current !== 'closed') this.transition('closed', 'reset');
    else {
      this.epoch++;
      this.notifyAvailability();
    }
  }

  /** Holds the breaker open until `restore()`. */
  isolate(): void {
    this.transition('isolated', 'isolated');
  }

  restore(): void {
    if (this.current !== 'isolated') return;
    this.clearCounters();
    this.failedProbes = 0;
    this.transition('closed', 'restored');
  }

  snapshot(): BreakerSnapshot {
    this.advance();
    this.window.expire(this.cfg.now());
    const { total, failures } = this.window;
    return {
      provider: this.provider,
      state: this.current,
      since: this.sinceAt,
      consecutiveFailures: this.consecutive,
      failureRate: total === 0 ? 0 : failures / total,
      requestsInWindow: total,
      ...(this.openUntil !== undefined && this.current === 'open' ? { openUntil: this.openUntil } : {}),
      ...(this.lastError ? { lastError: { ...this.lastError } } : {}),
    };
  }

  toJSON(): BreakerJSON {
    this.advance();
    this.window.expire(this.cfg.now());
    // A half-open breaker is stored as open with a wait that has already elapsed, so a restore probes again.
    const state = this.current === 'half-open' ? 'open' : this.current;
    const openUntil = this.current === 'half-open' ? this.sinceAt : this.openUntil;
    return {
      state,
      since: this.sinceAt,
      updatedAt: this.updatedAt,
      consecutiveFailures: this.consecutive,
      failedProbes: this.failedProbes,
      ...(state === 'open' && openUntil !== undefined ? { openUntil } : {}),
      ...(this.lastError ? { lastError: { ...this.lastError } } : {}),
      window: { bucketMs: this.window.bucketMs, buckets: this.window.buckets() },
    };
  }

  /**
   * Replaces this breaker's state with a persisted one (e.g. written by another process), keeping listeners.
   * Returns false, changing nothing, when the shape is invalid.
   */
  applyJSON(json: unknown): boolean {
    const data = parseBreakerJSON(json);
    if (!data) return false;
    const from = this.current;
    this.current = data.state === 'half-open' ? 'open' : data.state;
    this.sinceAt = data.since;
    this.updatedAt = data.updatedAt;
    this.consecutive = data.consecutiveFailures;
    this.failedProbes = data.failedProbes;
    this.openUntil = this.current === 'open' ? (data.openUntil ?? data.since) : undefined;
    this.lastError = data.lastError ? { ...data.lastError } : undefined;
    this.window.load(data.window.buckets, this.cfg.now());
    this.probe = undefined;
    this.epoch++;
    if (from !== this.current) this.emit(from, this.current, 'synced');
    else this.notifyAvailability();
    return true;
  }

  /** Epoch ms of the last meaningful change (0 if none); the newer entry wins when processes merge state. */
  get lastUpdatedAt(): number {
    return this.updatedAt;
  }

  onStateChange(listener: (change: BreakerStateChange) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private permit(probe: boolean, token: number): BreakerPermit {
    const epoch = this.epoch;
    let released = false;
    return {
      ok: true,
      probe,
      release: (outcome) => {
        if (released) return;
        released = true;
        if (epoch !== this.epoch) return;
        if (probe && this.probe?.token !== token) return;
        if (outcome === 'success') this.record({ kind: 'success' });
        else if (outcome === 'neutral') this.record({ kind: 'neutral' });
        else this.record(classify(outcome.error, this.cfg.now()));
      },
    };
  }

  private record(outcome: Classified): void {
    this.advance();
    const now = this.cfg.now();
    if (this.current === 'half-open') {
      this.probe = undefined;
      if (outcome.kind === 'success') {
        this.clearCounters();
        this.failedProbes = 0;
        this.transition('closed', 'probe-succeeded');
      } else if (outcome.kind === 'failure') {
        this.lastError = outcome.info;
        this.consecutive++;
        this.failedProbes++;
        this.trip('probe-failed');
      } else {
        this.notifyAvailability();
      }
      return;
    }
    // Attempts admitted before the breaker opened (or while isolated) change nothing.
    if (this.current !== 'closed' || outcome.kind === 'neutral') return;

    this.window.add(now, outcome.kind === 'failure');
    if (outcome.kind === 'success') {
      // A success on an already clean breaker is not a change worth winning a cross-process merge with.
      if (this.consecutive > 0) this.updatedAt = now;
      this.consecutive = 0;
      return;
    }
    this.lastError = outcome.info;
    this.consecutive++;
    this.updatedAt = now;
    if (this.consecutive >= this.cfg.consecutiveFailures) {
      this.trip('consecutive-failures');
      return;
    }
    const { total, failures } = this.window;
    if (total >= this.cfg.minimumRequests && failures / total >= this.cfg.failureRateThreshold) {
      this.trip('failure-rate');
    }
  }

  private trip(reason: BreakerChangeReason): void {
    const wait = Math.min(this.cfg.halfOpenAfterMs * 2 ** this.failedProbes, this.cfg.maxHalfOpenAfterMs);
    this.openUntil = this.cfg.now() + wait;
    this.transition('open', reason);
  }

  /** Open breakers become half-open lazily, when someone looks after the wait has passed. */
  private advance(): void {
    if (this.current === 'open' && this.openUntil !== undefined && this.cfg.now() >= this.openUntil) {
      this.transition('half-open', 'half-open-after-wait');
    }
  }

  private transition(to: BreakerState, reason: BreakerChangeReason): void {
    const from = this.current;
    if (from === to) return;
    const now = this.cfg.now();
    this.current = to;
    this.sinceAt = now;
    this.updatedAt = now;
    this.epoch++;
    this.probe = undefined;
    if (to !== 'open') this.openUntil = undefined;
    this.emit(from, to, reason);
  }

  private emit(from: BreakerState, to: BreakerState, reason: BreakerChangeReason): void {
    const change: BreakerStateChange = { provider: this.provider, from, to, at: this.cfg.now(), reason };
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch {
        // A faulty listener must not break routing.
      }
    }
    this.notifyAvailability();
  }

  private notifyAvailability(): void {
    for (const listener of [...this.availabilityListeners]) listener();
  }

  private clearCounters(): void {
    this.consecutive = 0;
    this.window.clear();
  }
}

/** Unknown (unclassified) errors count: something went wrong talking to this provider. */
function classify(err: unknown, now: number): Classified {
  let errorClass = 'unknown';
  let counts = true;
  if (err instanceof ProviderError) {
    errorClass = err.errorClass;
    counts = err.countsAgainstProvider;
  } else if (err && typeof err === 'object' && typeof (err as { errorClass?: unknown }).errorClass === 'string') {
    const cls = (err as { errorClass: string }).errorClass;
    if (cls in ERROR_CLASSES) {
      errorClass = cls;
      counts = ERROR_CLASSES[cls as keyof typeof ERROR_CLASSES].countsAgainstProvider;
    }
  }
  if (!counts) return { kind: 'neutral' };
  const message = err instanceof Error ? err.message : String(err);
  return { kind: 'failure', info: { errorClass, message: message.slice(0, MAX_MESSAGE_CHARS), at: now } };
}

function withDefaults(options: BreakerOptions): Required<BreakerOptions> {
  return {
    consecutiveFailures: options.consecutiveFailures ?? 5,
    failureRateThreshold: options.failureRateThreshold ?? 0.5,
    samplingWindowMs: options.samplingWindowMs ?? 60_000,
    minimumRequests: options.minimumRequests ?? 10,
    halfOpenAfterMs: options.halfOpenAfterMs ?? 5_000,
    maxHalfOpenAfterMs: options.maxHalfOpenAfterMs ?? 300_000,
    probeTimeoutMs: options.probeTimeoutMs ?? 120_000,
    now: options.now ?? Date.now,
  };
}
