import { CancelledError } from '../errors';
import type { ProviderBreaker } from '../resilience/circuitBreaker';

/** Something that can tell when a provider may have become available sooner than expected (a breaker, rate-limit pacing). */
export interface AvailabilitySource {
  onAvailabilityChange(listener: () => void): () => void;
}

/** When a provider could next be sent a request, from its breaker and its Retry-After cooldown. */
export type NextTry = { kind: 'now' } | { kind: 'at'; at: number } | { kind: 'verdict'; latest: number } | { kind: 'never' };

/** `coolingDownUntil` is the latest of Retry-After and a rate-limit hold (headroom, limits.rpm/tpm). */
export function nextTry(breaker: ProviderBreaker, coolingDownUntil: number | undefined, now: number): NextTry {
  const outlook = breaker.outlook();
  if (outlook.kind === 'never' || coolingDownUntil === undefined || coolingDownUntil <= now) return outlook;
  // Nothing may be sent before Retry-After or the rate-limit reset, whatever the breaker would allow.
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

/** The earliest moment one of the providers may be sent a request, past any deadline; undefined when none has a known time. */
export function earliestTry(tries: NextTry[], now: number): number | undefined {
  const times = tries.map((t) => (t.kind === 'now' ? now : t.kind === 'at' ? t.at : t.kind === 'verdict' ? t.latest : undefined)).filter((at): at is number => at !== undefined);
  return times.length === 0 ? undefined : Math.min(...times);
}

/**
 * Resolves after `ms`, or as soon as one of the sources says a provider may admit again, whichever comes first;
 * rejects with CancelledError when `signal` aborts. Leaves no timer or listener behind.
 */
export function waitForAvailability(breakers: AvailabilitySource[], ms: number, signal?: AbortSignal): Promise<void> {
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
