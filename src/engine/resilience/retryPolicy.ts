import { CancelledError, ProviderError } from '../errors';

export interface RetryConfig {
  /** Tries per provider, including the first. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Delay before the try after `tryNumber` (1-based) failed with `err`.
 * Full jitter: uniform in [0, min(maxDelayMs, baseDelayMs * 2^(tryNumber-1))). It is a pure function of the
 * try number (decorrelated jitter needs the previous delay carried around) and spreads concurrent requests
 * that failed together the widest, so they do not come back in lockstep. The provider's Retry-After is a floor.
 */
export function retryDelayMs(tryNumber: number, err: unknown, cfg: RetryConfig, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.floor(tryNumber) - 1);
  const ceiling = Math.min(cfg.maxDelayMs, cfg.baseDelayMs * 2 ** exponent);
  const jittered = Math.floor(clamp01(random()) * ceiling);
  const retryAfter = err instanceof ProviderError ? err.retryAfterMs : undefined;
  return retryAfter !== undefined && Number.isFinite(retryAfter) && retryAfter > 0
    ? Math.max(jittered, Math.ceil(retryAfter))
    : jittered;
}

/**
 * Whether to try the same provider again after try `tryNumber` failed: only transient ProviderErrors, only
 * while tries remain, and only if sleeping `delayMs` still leaves time before the deadline (otherwise the
 * router should move on to the next provider instead of sleeping past it).
 */
export function shouldRetry(err: unknown, tryNumber: number, cfg: RetryConfig, remainingBudgetMs: number, delayMs: number): boolean {
  if (!(err instanceof ProviderError) || !err.transient) return false;
  if (tryNumber >= cfg.maxAttempts) return false;
  return delayMs < remainingBudgetMs;
}

/** Waits `ms`; rejects with CancelledError as soon as `signal` aborts, leaving no timer or listener behind. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new CancelledError());
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function clamp01(x: number): number {
  if (!Number.isFinite(x) || x < 0) return 0;
  return x >= 1 ? 1 - Number.EPSILON : x;
}
