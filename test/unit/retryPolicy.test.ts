import assert from 'node:assert/strict';
import { CancelledError, ProviderError, type ErrorClass } from '../../src/engine/errors';
import { retryDelayMs, shouldRetry, sleep, type RetryConfig } from '../../src/engine/resilience/retryPolicy';

const cfg: RetryConfig = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 };

function perr(errorClass: ErrorClass, retryAfterMs?: number): ProviderError {
  return new ProviderError({ provider: 'p', errorClass, message: errorClass, retryAfterMs });
}

describe('retryDelayMs', () => {
  it('doubles the ceiling per try and caps it at maxDelayMs', () => {
    const almostOne = () => 0.999999;
    const delays = [1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, perr('server_error'), cfg, almostOne));
    assert.deepEqual(delays, [99, 199, 399, 799, 999, 999]);
  });

  it('uses full jitter: uniformly between 0 and the ceiling', () => {
    assert.equal(retryDelayMs(3, perr('timeout'), cfg, () => 0), 0);
    assert.equal(retryDelayMs(3, perr('timeout'), cfg, () => 0.5), 200);
    for (let i = 0; i < 200; i++) {
      const d = retryDelayMs(4, perr('timeout'), cfg);
      assert.ok(d >= 0 && d < 800, `delay ${d} out of [0, 800)`);
    }
  });

  it('never waits less than the provider Retry-After, even above maxDelayMs', () => {
    assert.equal(retryDelayMs(1, perr('rate_limited', 2_500), cfg, () => 0.9), 2_500);
    assert.equal(retryDelayMs(1, perr('rate_limited', 10.2), cfg, () => 0.9), 90);
    assert.equal(retryDelayMs(1, perr('rate_limited', 50.2), cfg, () => 0), 51);
  });

  it('ignores a random source that misbehaves', () => {
    assert.equal(retryDelayMs(2, perr('timeout'), cfg, () => 7), 199);
    assert.equal(retryDelayMs(2, perr('timeout'), cfg, () => Number.NaN), 0);
  });
});

describe('shouldRetry', () => {
  it('retries transient errors while tries remain', () => {
    for (const cls of ['rate_limited', 'overloaded', 'server_error', 'timeout', 'connection', 'malformed_response', 'stream_cut'] as const) {
      assert.equal(shouldRetry(perr(cls), 1, cfg, Infinity, 100), true, cls);
    }
  });

  it('does not retry permanent errors or cancellation', () => {
    for (const cls of ['auth', 'quota_exceeded', 'bad_request', 'context_length', 'response_too_large', 'not_found'] as const) {
      assert.equal(shouldRetry(perr(cls), 1, cfg, Infinity, 0), false, cls);
    }
    assert.equal(shouldRetry(new CancelledError(), 1, cfg, Infinity, 0), false);
    assert.equal(shouldRetry(new Error('boom'), 1, cfg, Infinity, 0), false);
  });

  it('stops after maxAttempts tries', () => {
    assert.equal(shouldRetry(perr('timeout'), 2, cfg, Infinity, 0), true);
    assert.equal(shouldRetry(perr('timeout'), 3, cfg, Infinity, 0), false);
  });

  it('moves on instead of sleeping past the remaining budget', () => {
    assert.equal(shouldRetry(perr('rate_limited', 5_000), 1, cfg, 4_000, 5_000), false);
    assert.equal(shouldRetry(perr('rate_limited'), 1, cfg, 300, 300), false);
    assert.equal(shouldRetry(perr('rate_limited'), 1, cfg, 301, 300), true);
  });
});

describe('sleep', () => {
  it('resolves after the delay', async () => {
    await sleep(5);
  });

  it('rejects with CancelledError when the signal aborts and clears its timer', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    // Let mocha arm its own per-test timer first so only ours is counted.
    await new Promise((r) => setImmediate(r));
    const before = timers();
    const ac = new AbortController();
    const p = sleep(60_000, ac.signal);
    assert.equal(timers(), before + 1);
    ac.abort();
    await assert.rejects(p, CancelledError);
    assert.equal(timers(), before);
  });

  it('rejects at once for an already aborted signal', async () => {
    await assert.rejects(sleep(60_000, AbortSignal.abort()), CancelledError);
  });

  it('leaves no abort listener behind after resolving', async () => {
    const ac = new AbortController();
    let added = 0;
    let removed = 0;
    const signal = ac.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...args: Parameters<AbortSignal['addEventListener']>) => {
      added++;
      add(...args);
    }) as AbortSignal['addEventListener'];
    signal.removeEventListener = ((...args: Parameters<AbortSignal['removeEventListener']>) => {
      removed++;
      remove(...args);
    }) as AbortSignal['removeEventListener'];
    await sleep(1, signal);
    assert.equal(added, 1);
    assert.equal(removed, 1);
    ac.abort();
  });
});
