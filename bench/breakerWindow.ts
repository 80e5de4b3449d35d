import { ProviderError } from '../src/engine/errors';
import { ProviderBreaker } from '../src/engine/resilience/circuitBreaker';
import { round } from './stats';

export interface BreakerWindowFigures {
  ratePerSecond: number;
  /** Outcomes the default 60 s sampling window holds at this rate. */
  windowSamples: number;
  successUs: number;
  failureUs: number;
}

/**
 * Cost of one breaker admission + outcome once the default 60 s sampling window is full at a sustained
 * request rate. Uses an injected clock, so it takes seconds, not minutes; thresholds are out of reach so the
 * breaker stays closed and every outcome is sampled.
 */
export function measureBreakerWindow(ratePerSecond: number, calls: number): BreakerWindowFigures {
  let now = 1_000_000;
  const breaker = new ProviderBreaker({ provider: 'bench', now: () => now, consecutiveFailures: 1_000_000_000, minimumRequests: 1_000_000_000 });
  const step = 1000 / ratePerSecond;
  const windowSamples = ratePerSecond * 60;
  const outcome = (failed: boolean) => {
    now += step;
    const admission = breaker.tryAcquire();
    if (!admission.ok) throw new Error('the breaker opened during the measurement');
    admission.release(failed ? { error: new ProviderError({ provider: 'bench', errorClass: 'server_error', status: 503, message: 'emulated 503' }) } : 'success');
  };
  for (let i = 0; i < windowSamples; i++) outcome(false);
  let t0 = performance.now();
  for (let i = 0; i < calls; i++) outcome(false);
  const successUs = ((performance.now() - t0) * 1000) / calls;
  const failures = Math.max(1, Math.floor(calls / 10));
  t0 = performance.now();
  for (let i = 0; i < failures; i++) outcome(true);
  const failureUs = ((performance.now() - t0) * 1000) / failures;
  return { ratePerSecond, windowSamples, successUs: round(successUs, 2), failureUs: round(failureUs, 2) };
}
