import type { EngineEvents } from '../events';
import { ERROR_CLASSES, type ErrorClass } from '../errors';
import type { AttemptRecord, ChatResult } from '../types';
import type { MetricsRegistry } from './metricsRegistry';

function asErrorClass(name: string | undefined): ErrorClass {
  return name !== undefined && name in ERROR_CLASSES ? (name as ErrorClass) : 'connection';
}

/**
 * Turns one routed request's attempt log into metrics (one record per provider actually called, its
 * retries folded in) and live events (a `fallback` for each hand-over, a `request-finished` per provider).
 */
export function recordAttempts(attempts: AttemptRecord[], metrics: MetricsRegistry, events: EngineEvents, answer?: ChatResult): void {
  let previousFailure: { provider: string; errorClass: ErrorClass } | undefined;
  let calledBefore = false;
  for (let i = 0; i < attempts.length; ) {
    const provider = attempts[i].provider;
    let j = i;
    while (j < attempts.length && attempts[j].provider === provider) j++;
    const run = attempts.slice(i, j);
    i = j;
    const called = run.filter((a) => a.outcome !== 'skipped' || a.errorClass === 'cancelled');
    const last = run[run.length - 1];
    if (previousFailure && previousFailure.provider !== provider) {
      events.emit({ type: 'fallback', from: previousFailure.provider, to: provider, errorClass: previousFailure.errorClass });
    }
    if (called.length > 0) {
      const final = called[called.length - 1];
      const ok = final.outcome === 'ok';
      const usage = ok ? answer?.usage : undefined;
      const costUsd = ok ? (answer?.costUsd ?? null) : 0;
      const base = {
        provider,
        model: final.model,
        latencyMs: final.latencyMs,
        ttftMs: ok ? answer?.timeToFirstTokenMs : undefined,
        inputTokens: usage?.inputTokens,
        outputTokens: usage?.outputTokens,
        cachedInputTokens: usage?.cachedInputTokens,
        costUsd,
        retries: called.length - 1,
        fallback: calledBefore,
      };
      const errorClass = asErrorClass(final.errorClass);
      if (ok) metrics.recordRequest({ ...base, outcome: 'ok' });
      else metrics.recordRequest({ ...base, outcome: 'error', errorClass });
      events.emit({ type: 'request-finished', provider, model: final.model, outcome: ok ? 'ok' : 'error', latencyMs: final.latencyMs, costUsd, cached: false, ...(ok ? {} : { errorClass }) });
      calledBefore = true;
    }
    previousFailure = last.outcome === 'ok' ? undefined : { provider, errorClass: asErrorClass(last.errorClass) };
  }
}
