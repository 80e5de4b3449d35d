import type { EngineEvents } from '../events';
import { ERROR_CLASSES, type ErrorClass } from '../errors';
import type { PromptCacheSavings } from '../cost/costMath';
import type { AttemptRecord, ChatResult } from '../types';
import type { MetricsRegistry } from './metricsRegistry';

function asErrorClass(name: string | undefined): ErrorClass {
  return name !== undefined && name in ERROR_CLASSES ? (name as ErrorClass) : 'connection';
}

/**
 * Turns one routed request's attempt log into metrics (one record per provider actually called, its
 * retries folded in) and live events (a `fallback` for each hand-over, a `request-finished` per provider).
 */
export function recordAttempts(attempts: AttemptRecord[], metrics: MetricsRegistry, events: EngineEvents, answer?: ChatResult, cacheSavings?: PromptCacheSavings): void {
  // Runs once per request: no intermediate arrays or spreads, and no event objects nobody would receive.
  const emitting = events.listenerCount > 0;
  let previousFailure: { provider: string; errorClass: ErrorClass } | undefined;
  let calledBefore = false;
  for (let i = 0; i < attempts.length; ) {
    const provider = attempts[i].provider;
    let final: AttemptRecord | undefined;
    let calls = 0;
    let j = i;
    for (; j < attempts.length && attempts[j].provider === provider; j++) {
      const a = attempts[j];
      if (a.outcome !== 'skipped' || a.errorClass === 'cancelled') {
        final = a;
        calls++;
      }
    }
    const last = attempts[j - 1];
    i = j;
    if (emitting && previousFailure && previousFailure.provider !== provider) {
      events.emit({ type: 'fallback', from: previousFailure.provider, to: provider, errorClass: previousFailure.errorClass });
    }
    if (final) {
      const ok = final.outcome === 'ok';
      const costUsd = ok ? (answer?.costUsd ?? null) : 0;
      const errorClass = asErrorClass(final.errorClass);
      const model = final.model;
      const latencyMs = final.latencyMs;
      const retries = calls - 1;
      // Spelled out, not spread: on Node 20 `{ ...obj, more }` takes a slow path costing microseconds per call.
      if (ok) {
        const ttftMs = answer?.timeToFirstTokenMs;
        const { inputTokens, outputTokens, cachedInputTokens, cacheWriteTokens } = answer?.usage ?? {};
        const cacheSavedUsd = cacheSavings?.savedUsd;
        const cacheWritePremiumUsd = cacheSavings?.writePremiumUsd;
        metrics.recordRequest({
          provider,
          model,
          outcome: 'ok',
          latencyMs,
          ttftMs,
          inputTokens,
          outputTokens,
          cachedInputTokens,
          cacheWriteTokens,
          cacheSavedUsd,
          cacheWritePremiumUsd,
          costUsd,
          retries,
          fallback: calledBefore,
        });
      } else {
        metrics.recordRequest({ provider, model, outcome: 'error', errorClass, latencyMs, costUsd, retries, fallback: calledBefore });
      }
      if (emitting) {
        if (ok) events.emit({ type: 'request-finished', provider, model, outcome: 'ok', latencyMs, costUsd, cached: false });
        else events.emit({ type: 'request-finished', provider, model, outcome: 'error', latencyMs, costUsd, cached: false, errorClass });
      }
      calledBefore = true;
    }
    // A provider that was skipped (breaker open, cooling down, over budget) was not fallen back from.
    previousFailure = last.outcome === 'error' ? { provider, errorClass: asErrorClass(last.errorClass) } : undefined;
  }
}
