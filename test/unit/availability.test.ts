import assert from 'node:assert/strict';
import { CancelledError } from '../../src/engine/errors';
import { ProviderBreaker } from '../../src/engine/resilience/circuitBreaker';
import { nextTry, waitForAvailability, wakeTime } from '../../src/engine/routing/availability';

function openBreaker(now: () => number): ProviderBreaker {
  const breaker = new ProviderBreaker({ provider: 'p', now, consecutiveFailures: 1, halfOpenAfterMs: 100 });
  const permit = breaker.tryAcquire();
  assert.ok(permit.ok);
  permit.release({ error: new Error('boom') });
  return breaker;
}

describe('availability: when a provider could next be tried', () => {
  const t = 1_000_000;
  const now = () => t;

  it('a Retry-After cooldown pushes the next try back, past whatever the breaker would allow', () => {
    const closed = new ProviderBreaker({ provider: 'p', now });
    assert.deepEqual(nextTry(closed, undefined, t), { kind: 'now' });
    assert.deepEqual(nextTry(closed, t + 50, t), { kind: 'at', at: t + 50 });
    assert.deepEqual(nextTry(closed, t - 1, t), { kind: 'now' }, 'an elapsed cooldown is no wait');
    const open = openBreaker(now);
    assert.deepEqual(nextTry(open, t + 50, t), { kind: 'at', at: t + 100 });
    assert.deepEqual(nextTry(open, t + 500, t), { kind: 'at', at: t + 500 });
    open.isolate();
    assert.deepEqual(nextTry(open, t + 50, t), { kind: 'never' });
  });

  it('wakes at the earliest time before the deadline, at the deadline for a pending verdict, and not at all when nothing fits', () => {
    const deadline = t + 1_000;
    assert.equal(wakeTime([{ kind: 'at', at: t + 300 }, { kind: 'at', at: t + 200 }], deadline), t + 200);
    assert.equal(wakeTime([{ kind: 'verdict', latest: t + 120_000 }], deadline), deadline);
    assert.equal(wakeTime([{ kind: 'verdict', latest: t + 10 }, { kind: 'at', at: t + 200 }], deadline), t + 10);
    assert.equal(wakeTime([{ kind: 'at', at: deadline }, { kind: 'never' }], deadline), undefined);
    assert.equal(wakeTime([], deadline), undefined);
  });

  it('waitForAvailability resolves on a breaker change before its timer and rejects at once on abort', async () => {
    let clockNow = Date.now();
    const breaker = openBreaker(() => clockNow);
    const started = Date.now();
    const woken = waitForAvailability([breaker], 5_000);
    clockNow += 100;
    breaker.reset();
    await woken;
    assert.ok(Date.now() - started < 1_000, 'woken by the change, not the timer');

    const controller = new AbortController();
    const cancelled = waitForAvailability([breaker], 5_000, controller.signal);
    controller.abort();
    await assert.rejects(cancelled, CancelledError);
  });
});
