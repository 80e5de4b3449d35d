import type { Alert } from './alerts/alertTypes';
import type { CacheStats } from './cache/responseCache';
import type { ErrorClass } from './errors';
import type { RateLimitSnapshot } from './http/rateLimitHeaders';
import type { BreakerChangeReason, BreakerState } from './resilience/circuitBreaker';
import type { AttemptRecord } from './types';

/** What the engine tells live consumers (status bar, dashboard, logs). `at` is epoch ms. */
export type EngineEvent =
  | {
      type: 'request-finished';
      at: number;
      provider: string;
      model: string;
      outcome: 'ok' | 'error';
      latencyMs: number;
      costUsd: number | null;
      /** Served from the response cache. */
      cached: boolean;
      errorClass?: ErrorClass;
    }
  | { type: 'fallback'; at: number; from: string; to: string; errorClass: ErrorClass }
  | { type: 'breaker'; at: number; provider: string; from: BreakerState; to: BreakerState; reason: BreakerChangeReason }
  | { type: 'budget-warning'; at: number; budget: 'daily' | 'monthly'; spentUsd: number; limitUsd: number; percent: number }
  | { type: 'cache-stats'; at: number; stats: CacheStats }
  | { type: 'rate-limit'; at: number; provider: string; snapshot?: RateLimitSnapshot }
  /** An alert condition started ('raised', once until it clears) or stopped ('cleared'). */
  | { type: 'alert'; at: number; change: 'raised' | 'cleared'; alert: Alert }
  /** A background health probe finished; it is not user traffic. */
  | { type: 'probe'; at: number; provider: string; ok: boolean; latencyMs: number; errorClass?: ErrorClass; message?: string };

/** One request's progress as it happens, told only to that request's ChatOptions.onAttempt (progress UI). */
export type AttemptEvent =
  | { type: 'attempt-started'; at: number; provider: string; model: string; try: number; firstTokenTimeoutMs: number }
  | { type: 'attempt-finished'; at: number; record: AttemptRecord };

export type EngineEventType = EngineEvent['type'];
export type EngineEventOf<T extends EngineEventType> = Extract<EngineEvent, { type: T }>;

type WithoutAt<E> = E extends unknown ? Omit<E, 'at'> & { at?: number } : never;
/** An event to emit; `at` defaults to the emitter's clock. */
export type EngineEventInput = WithoutAt<EngineEvent>;

export type EngineEventListener = (event: EngineEvent) => void;

export interface EngineEventsOptions {
  now?: () => number;
  /** Told about a listener that threw or rejected; the event still reaches every other listener. */
  onListenerError?: (error: unknown, event: EngineEvent) => void;
}

export class EngineEvents {
  private readonly now: () => number;
  private readonly onListenerError: (error: unknown, event: EngineEvent) => void;
  // Replaced, never mutated, so an emit in progress is unaffected by (un)subscribes from inside a listener.
  private listeners: readonly { fn: EngineEventListener }[] = [];

  constructor(options: EngineEventsOptions = {}) {
    this.now = options.now ?? Date.now;
    this.onListenerError = options.onListenerError ?? (() => undefined);
  }

  /** Calls `listener` for every event from now on; the returned function unsubscribes (idempotent). */
  subscribe(listener: EngineEventListener): () => void {
    const entry = { fn: listener };
    this.listeners = [...this.listeners, entry];
    return () => {
      this.listeners = this.listeners.filter((e) => e !== entry);
    };
  }

  /** Like subscribe, for one event type. */
  on<T extends EngineEventType>(type: T, listener: (event: EngineEventOf<T>) => void): () => void {
    // Passes the listener's return value through, so a rejected async listener is still caught in emit().
    return this.subscribe((event) => (event.type === type ? listener(event as EngineEventOf<T>) : undefined));
  }

  emit(input: EngineEventInput): void {
    const event = (input.at === undefined ? stamped(input, this.now()) : input) as EngineEvent;
    for (const { fn } of this.listeners) {
      try {
        const result: unknown = fn(event);
        if (result instanceof Promise) result.catch((err: unknown) => this.report(err, event));
      } catch (err) {
        this.report(err, event);
      }
    }
  }

  get listenerCount(): number {
    return this.listeners.length;
  }

  private report(error: unknown, event: EngineEvent): void {
    try {
      this.onListenerError(error, event);
    } catch {
      // The error reporter itself failing must not reach the engine either.
    }
  }
}

/** A copy of `input` with `at` set; Object.assign + a store is several times faster than object spread on Node 20. */
function stamped(input: EngineEventInput, at: number): EngineEventInput {
  const event = Object.assign({}, input);
  event.at = at;
  return event;
}
