import { CancelledError } from '../errors';
import type { ProviderBreaker } from '../resilience/circuitBreaker';

/** When a provider could next be sent a request, from its breaker and its Retry-After cooldown. */
export type NextTry = { kind: 'now' } | { kind: 'at'; at: number } | { kind: 'verdict'; latest: number } | { kind: 'never' };

export function nextTry(breaker: ProviderBreaker, coolingDownUntil: number | undefined, now: number): NextTry {
  const outlook = breaker.outlook();
  if (outlook.kind === 'never' || coolingDownUntil === undefined || coolingDownUntil <= now) return outlook;
  // Nothing may be sent before Retry-After, whatever the breaker would allow.
  return { kind: 'at', at: outlook.kind === 'at' ? Math.max(outlook.at, coolingDownUntil) : coolingDownUntil };
}

/**
 * The moment worth looking again, for providers none of which can be tried now: the earliest `at` before
 * `deadline`, or the deadline itself when only a probe's verdict can come sooner. Undefined when nothing can be tried in time.
 */
export function wakeTime(tries: NextTry[], deadline: number): number | undefined {
  let wake: number | undefined;
  for (const t of tries) {
    const at = t.kind === 'at' && t.at < deadline ? t.at : t.kind === 'verdict' ? Math.min(t.latest, deadline) : undefined;
    if (at !== undefined) wake = wake === undefined ? at : Math.min(wake, at);
  }
  return wake;
}

/**
 * Resolves after `ms`, or as soon as one of the breakers may admit again, whichever comes first;
 * rejects with CancelledError when `signal` aborts. Leaves no timer or listener behind.
 */
export function waitForAvailability(breakers: ProviderBreaker[], ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new CancelledError());
  return new Promise<void>((resolve, reject) => {
    const unsubscribe = breakers.map((b) => b.onAvailabilityChange(() => settle()));
    const timer = setTimeout(() => settle(), Math.max(1, Math.ceil(ms)));
    const onAbort = () => settle(new CancelledError());
    signal?.addEventListener('abort', onAbort, { once: true });
    function settle(err?: CancelledError): void {
      clearTimeout(timer);
      for (const off of unsubscribe) off();
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    }
  });
}
