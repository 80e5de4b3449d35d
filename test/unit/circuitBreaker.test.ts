import assert from 'node:assert/strict';
import { CancelledError, ProviderError, type ErrorClass } from '../../src/engine/errors';
import {
  ProviderBreaker,
  type BreakerOptions,
  type BreakerPermit,
  type BreakerStateChange,
} from '../../src/engine/resilience/circuitBreaker';
import { MAX_WINDOW_BUCKETS } from '../../src/engine/resilience/outcomeWindow';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms), set: (ms: number) => (t = ms) };
}

function perr(errorClass: ErrorClass, message = `${errorClass} happened`): ProviderError {
  return new ProviderError({ provider: 'p', errorClass, message });
}

function make(opts: BreakerOptions = {}) {
  const c = clock();
  const breaker = new ProviderBreaker({ provider: 'p', now: c.now, halfOpenAfterMs: 100, maxHalfOpenAfterMs: 1_000, ...opts });
  const changes: BreakerStateChange[] = [];
  breaker.onStateChange((e) => changes.push(e));
  return { breaker, clock: c, changes };
}

function admit(breaker: ProviderBreaker): BreakerPermit {
  const a = breaker.tryAcquire();
  assert.equal(a.ok, true, `expected admission, got ${JSON.stringify(a)}`);
  return a as BreakerPermit;
}

function fail(breaker: ProviderBreaker, times: number, cls: ErrorClass = 'server_error') {
  for (let i = 0; i < times; i++) admit(breaker).release({ error: perr(cls) });
}

describe('ProviderBreaker', () => {
  it('stays closed after 4 consecutive failures and opens on the 5th', () => {
    const { breaker, changes } = make();
    fail(breaker, 4);
    assert.equal(breaker.state, 'closed');
    fail(breaker, 1);
    assert.equal(breaker.state, 'open');
    assert.equal(changes.length, 1);
    assert.deepEqual({ ...changes[0], at: 0 }, { provider: 'p', from: 'closed', to: 'open', at: 0, reason: 'consecutive-failures' });
  });

  it('a success in between resets the consecutive count', () => {
    const { breaker } = make();
    fail(breaker, 4);
    admit(breaker).release('success');
    fail(breaker, 4);
    assert.equal(breaker.state, 'closed');
    assert.equal(breaker.snapshot().consecutiveFailures, 4);
  });

  it('rejects attempts while open with retryAt = openUntil', () => {
    const { breaker, clock: c } = make();
    fail(breaker, 5);
    const a = breaker.tryAcquire();
    assert.deepEqual(a, { ok: false, reason: 'open', retryAt: c.now() + 100 });
  });

  it('opens on failure rate >= threshold only once minimumRequests outcomes are in the window', () => {
    const { breaker, changes } = make({ consecutiveFailures: 100, minimumRequests: 10, failureRateThreshold: 0.5 });
    // Alternate success/failure: 50% failure rate, never 2 in a row.
    for (let i = 0; i < 4; i++) {
      admit(breaker).release('success');
      fail(breaker, 1);
    }
    admit(breaker).release('success');
    assert.equal(breaker.state, 'closed', '9 outcomes are below minimumRequests');
    fail(breaker, 1);
    assert.equal(breaker.state, 'open');
    assert.equal(changes[0].reason, 'failure-rate');
  });

  it('does not open on failure rate below the threshold', () => {
    const { breaker } = make({ consecutiveFailures: 100, minimumRequests: 10, failureRateThreshold: 0.5 });
    for (let i = 0; i < 20; i++) {
      admit(breaker).release('success');
      admit(breaker).release('success');
      fail(breaker, 1);
    }
    assert.equal(breaker.state, 'closed');
    assert.ok(Math.abs(breaker.snapshot().failureRate - 1 / 3) < 1e-9);
  });

  it('forgets outcomes older than the sampling window', () => {
    const { breaker, clock: c } = make({ consecutiveFailures: 100, minimumRequests: 10, samplingWindowMs: 1_000 });
    for (let i = 0; i < 9; i++) fail(breaker, 1);
    c.advance(1_001);
    fail(breaker, 1);
    assert.equal(breaker.state, 'closed');
    assert.equal(breaker.snapshot().requestsInWindow, 1);
  });

  it('holds a fixed number of window buckets however many outcomes arrive: 200,000 at 10,000/s', () => {
    const { breaker, clock: c } = make({ consecutiveFailures: 1_000_000, minimumRequests: 10, failureRateThreshold: 0.9, samplingWindowMs: 1_000 });
    const sizes = new Set<number>();
    for (let i = 1; i <= 200_000; i++) {
      if (i % 4 === 0) fail(breaker, 1);
      else admit(breaker).release('success');
      if (i % 10 === 0) c.advance(1);
      if (i % 20_000 === 0) {
        const json = breaker.toJSON();
        sizes.add(json.window!.buckets.length);
        const snap = breaker.snapshot();
        assert.ok(snap.requestsInWindow > 9_000 && snap.requestsInWindow <= 10_000, `window holds ${snap.requestsInWindow}`);
        assert.ok(Math.abs(snap.failureRate - 0.25) < 0.001, `failure rate ${snap.failureRate}`);
      }
    }
    assert.equal(breaker.state, 'closed');
    assert.equal(sizes.size, 1, `the same number of buckets at every checkpoint, got ${[...sizes]}`);
    assert.ok([...sizes][0] <= MAX_WINDOW_BUCKETS);
  });

  it('reconfigure() to a longer or shorter sampling window keeps the counts that fall inside the new window', () => {
    const { breaker, clock: c } = make({ consecutiveFailures: 100, samplingWindowMs: 10_000 });
    fail(breaker, 4);
    c.advance(5_000);
    for (let i = 0; i < 4; i++) admit(breaker).release('success');
    breaker.reconfigure({ consecutiveFailures: 100, samplingWindowMs: 20_000 });
    assert.equal(breaker.snapshot().requestsInWindow, 8);
    assert.equal(breaker.snapshot().failureRate, 0.5);
    breaker.reconfigure({ consecutiveFailures: 100, samplingWindowMs: 3_000 });
    assert.equal(breaker.snapshot().requestsInWindow, 4);
    assert.equal(breaker.snapshot().failureRate, 0);
  });

  it('goes half-open after halfOpenAfterMs and admits exactly one probe at a time', () => {
    const { breaker, clock: c, changes } = make();
    fail(breaker, 5);
    c.advance(99);
    assert.equal(breaker.tryAcquire().ok, false);
    c.advance(1);
    const probe = admit(breaker);
    assert.equal(probe.probe, true);
    assert.equal(breaker.state, 'half-open');
    assert.deepEqual(breaker.tryAcquire(), { ok: false, reason: 'half-open-busy' });
    assert.equal(changes.at(-1)?.reason, 'half-open-after-wait');
  });

  it('closes and clears counters when the probe succeeds', () => {
    const { breaker, clock: c, changes } = make();
    fail(breaker, 5);
    c.advance(100);
    admit(breaker).release('success');
    assert.equal(breaker.state, 'closed');
    assert.equal(breaker.snapshot().consecutiveFailures, 0);
    assert.equal(changes.at(-1)?.reason, 'probe-succeeded');
    const next = admit(breaker);
    assert.equal(next.probe, false);
  });

  it('re-opens with a doubled wait per failed probe, capped at maxHalfOpenAfterMs, and resets the wait after a success', () => {
    const { breaker, clock: c } = make({ halfOpenAfterMs: 100, maxHalfOpenAfterMs: 500 });
    fail(breaker, 5);
    const waits: number[] = [];
    let wait = 100;
    for (let i = 0; i < 5; i++) {
      c.advance(wait);
      admit(breaker).release({ error: perr('timeout') });
      const snap = breaker.snapshot();
      assert.equal(snap.state, 'open');
      wait = snap.openUntil! - c.now();
      waits.push(wait);
    }
    assert.deepEqual(waits, [200, 400, 500, 500, 500]);
    c.advance(wait);
    admit(breaker).release('success');
    fail(breaker, 5);
    assert.equal(breaker.snapshot().openUntil! - c.now(), 100);
  });

  it('a neutral probe outcome frees the probe slot without changing state', () => {
    const { breaker, clock: c } = make();
    fail(breaker, 5);
    c.advance(100);
    admit(breaker).release('neutral');
    assert.equal(breaker.state, 'half-open');
    const second = admit(breaker);
    assert.equal(second.probe, true);
  });

  it('a cancelled or non-counting probe error frees the slot without closing or re-opening', () => {
    const { breaker, clock: c } = make();
    fail(breaker, 5);
    c.advance(100);
    admit(breaker).release({ error: new CancelledError() });
    assert.equal(breaker.state, 'half-open');
    admit(breaker).release({ error: perr('context_length') });
    assert.equal(breaker.state, 'half-open');
    assert.equal(admit(breaker).probe, true);
  });

  it('neutral outcomes neither count nor reset the consecutive count while closed', () => {
    const { breaker } = make();
    fail(breaker, 4);
    admit(breaker).release('neutral');
    admit(breaker).release({ error: new CancelledError() });
    assert.equal(breaker.snapshot().consecutiveFailures, 4);
    assert.equal(breaker.snapshot().requestsInWindow, 4);
    fail(breaker, 1);
    assert.equal(breaker.state, 'open');
  });

  it('ignores ProviderErrors whose class does not count against the provider', () => {
    const { breaker } = make();
    for (const cls of ['bad_request', 'not_found', 'context_length', 'content_policy', 'missing_key'] as const) {
      fail(breaker, 5, cls);
    }
    breaker.failure(perr('bad_request'));
    assert.equal(breaker.state, 'closed');
    assert.equal(breaker.snapshot().consecutiveFailures, 0);
    assert.equal(breaker.snapshot().lastError, undefined);
  });

  it('counts auth and quota errors (permanent but the provider is unusable)', () => {
    const { breaker } = make();
    fail(breaker, 3, 'auth');
    fail(breaker, 2, 'quota_exceeded');
    assert.equal(breaker.state, 'open');
  });

  it('release is idempotent: a second release (e.g. from finally) changes nothing', () => {
    const { breaker } = make();
    const p = admit(breaker);
    p.release({ error: perr('server_error') });
    p.release({ error: perr('server_error') });
    p.release('success');
    assert.equal(breaker.snapshot().consecutiveFailures, 1);
  });

  it('a probe permit released twice cannot free the slot of a later probe', () => {
    const { breaker, clock: c } = make();
    fail(breaker, 5);
    c.advance(100);
    const first = admit(breaker);
    first.release('neutral');
    const second = admit(breaker);
    first.release('success');
    assert.equal(breaker.state, 'half-open');
    assert.deepEqual(breaker.tryAcquire(), { ok: false, reason: 'half-open-busy' });
    second.release('success');
    assert.equal(breaker.state, 'closed');
  });

  it('outcomes of attempts admitted before the breaker opened are ignored', () => {
    const { breaker, clock: c } = make();
    const late = [admit(breaker), admit(breaker)];
    fail(breaker, 5);
    late[0].release({ error: perr('server_error') });
    assert.equal(breaker.snapshot().openUntil, c.now() + 100, 'a late failure does not extend the wait');
    c.advance(100);
    late[1].release('success');
    assert.equal(breaker.state, 'half-open', 'a late success does not close it');
  });

  it('outlook() says when an attempt could next be admitted: now, at openUntil, on the probe verdict, or never', () => {
    const { breaker, clock: c } = make({ probeTimeoutMs: 1_000 });
    assert.deepEqual(breaker.outlook(), { kind: 'now' });
    fail(breaker, 5);
    const openUntil = c.now() + 100;
    assert.deepEqual(breaker.outlook(), { kind: 'at', at: openUntil });
    c.advance(100);
    assert.deepEqual(breaker.outlook(), { kind: 'now' }, 'half-open with the probe slot free');
    const probe = admit(breaker);
    assert.deepEqual(breaker.outlook(), { kind: 'verdict', latest: c.now() + 1_000 });
    probe.release('success');
    assert.deepEqual(breaker.outlook(), { kind: 'now' });
    breaker.isolate();
    assert.deepEqual(breaker.outlook(), { kind: 'never' });
  });

  it('notifies availability listeners on every transition and when a half-open probe is released without a verdict', () => {
    const { breaker, clock: c } = make();
    let calls = 0;
    const off = breaker.onAvailabilityChange(() => calls++);
    fail(breaker, 5);
    assert.equal(calls, 1, 'closed → open');
    c.advance(100);
    const probe = admit(breaker);
    assert.equal(calls, 2, 'open → half-open');
    probe.release('neutral');
    assert.equal(calls, 3, 'the probe slot is free again');
    admit(breaker).release({ error: perr('server_error') });
    assert.equal(calls, 4, 'half-open → open');
    off();
    breaker.reset();
    assert.equal(calls, 4, 'no call after unsubscribing');
  });

  it('admits a new probe when the previous one was never released within probeTimeoutMs', () => {
    const { breaker, clock: c } = make({ probeTimeoutMs: 1_000 });
    fail(breaker, 5);
    c.advance(100);
    admit(breaker);
    c.advance(999);
    assert.equal(breaker.tryAcquire().ok, false);
    c.advance(1);
    assert.equal(admit(breaker).probe, true);
  });

  it('reset() closes an open breaker and clears counters', () => {
    const { breaker, changes } = make();
    fail(breaker, 5);
    breaker.reset();
    assert.equal(breaker.state, 'closed');
    assert.equal(breaker.snapshot().consecutiveFailures, 0);
    assert.equal(breaker.snapshot().requestsInWindow, 0);
    assert.equal(changes.at(-1)?.reason, 'reset');
    fail(breaker, 4);
    assert.equal(breaker.state, 'closed');
  });

  it('isolate() rejects every attempt until restore() closes it', () => {
    const { breaker, clock: c, changes } = make();
    breaker.isolate();
    assert.deepEqual(breaker.tryAcquire(), { ok: false, reason: 'isolated' });
    c.advance(10_000_000);
    assert.equal(breaker.state, 'isolated');
    breaker.restore();
    assert.equal(breaker.state, 'closed');
    assert.equal(admit(breaker).probe, false);
    assert.deepEqual(
      changes.map((e) => [e.from, e.to, e.reason]),
      [
        ['closed', 'isolated', 'isolated'],
        ['isolated', 'closed', 'restored'],
      ],
    );
  });

  it('snapshot() reports state, since, counters, openUntil and the last counting error', () => {
    const { breaker, clock: c } = make({ consecutiveFailures: 3 });
    admit(breaker).release('success');
    c.advance(5);
    fail(breaker, 2, 'rate_limited');
    c.advance(5);
    admit(breaker).release({ error: perr('overloaded', 'busy') });
    assert.deepEqual(breaker.snapshot(), {
      provider: 'p',
      state: 'open',
      since: c.now(),
      consecutiveFailures: 3,
      failureRate: 0.75,
      requestsInWindow: 4,
      openUntil: c.now() + 100,
      lastError: { errorClass: 'overloaded', message: 'busy', at: c.now() },
    });
  });

  it('unsubscribing stops state change events', () => {
    const { breaker } = make();
    const seen: string[] = [];
    const off = breaker.onStateChange((e) => seen.push(e.to));
    off();
    fail(breaker, 5);
    assert.deepEqual(seen, []);
  });

  describe('toJSON / fromJSON', () => {
    it('an open breaker restored later stays open until its openUntil, then probes', () => {
      const { breaker, clock: c } = make();
      fail(breaker, 5);
      const json = JSON.parse(JSON.stringify(breaker));
      const restored = ProviderBreaker.fromJSON(json, { provider: 'p', now: c.now, halfOpenAfterMs: 100 });
      assert.equal(restored.state, 'open');
      assert.deepEqual(restored.snapshot(), breaker.snapshot());
      c.advance(99);
      assert.equal(restored.tryAcquire().ok, false);
      c.advance(1);
      assert.equal(admit(restored).probe, true);
    });

    it('keeps the growing backoff across a restore', () => {
      const { breaker, clock: c } = make();
      fail(breaker, 5);
      c.advance(100);
      admit(breaker).release({ error: perr('timeout') });
      const restored = ProviderBreaker.fromJSON(breaker.toJSON(), { provider: 'p', now: c.now, halfOpenAfterMs: 100, maxHalfOpenAfterMs: 1_000 });
      c.advance(200);
      admit(restored).release({ error: perr('timeout') });
      assert.equal(restored.snapshot().openUntil! - c.now(), 400);
    });

    it('a half-open breaker is restored as due for a probe', () => {
      const { breaker, clock: c } = make();
      fail(breaker, 5);
      c.advance(100);
      admit(breaker);
      const restored = ProviderBreaker.fromJSON(breaker.toJSON(), { provider: 'p', now: c.now });
      assert.equal(admit(restored).probe, true);
    });

    it('an isolated breaker stays isolated', () => {
      const { breaker, clock: c } = make();
      breaker.isolate();
      c.advance(1_000_000);
      const restored = ProviderBreaker.fromJSON(breaker.toJSON(), { provider: 'p', now: c.now });
      assert.equal(restored.state, 'isolated');
    });

    it('a closed breaker keeps its consecutive count and window', () => {
      const { breaker, clock: c } = make();
      fail(breaker, 4);
      const restored = ProviderBreaker.fromJSON(breaker.toJSON(), { provider: 'p', now: c.now });
      assert.equal(restored.snapshot().consecutiveFailures, 4);
      fail(restored, 1);
      assert.equal(restored.state, 'open');
    });

    it('persists the sampling window as buckets and restores the same failure rate', () => {
      const { breaker, clock: c } = make({ consecutiveFailures: 100 });
      for (let i = 0; i < 6; i++) admit(breaker).release('success');
      c.advance(2_000);
      fail(breaker, 2);
      const json = JSON.parse(JSON.stringify(breaker.toJSON()));
      assert.equal(json.window.buckets.reduce((n: number, [, ok, failed]: number[]) => n + ok + failed, 0), 8);
      const restored = ProviderBreaker.fromJSON(json, { provider: 'p', now: c.now });
      assert.equal(restored.snapshot().requestsInWindow, 8);
      assert.equal(restored.snapshot().failureRate, 0.25);
    });

    it('an invalid shape gives a fresh closed breaker', () => {
      const c = clock();
      for (const bad of [null, 'open', 42, {}, { state: 'open', since: 1, updatedAt: 1, consecutiveFailures: 0, failedProbes: 0 }, { state: 'weird' }, { state: 'closed', since: 1, updatedAt: 1, consecutiveFailures: 0, failedProbes: 0, samples: [[1, 1]] }]) {
        const b = ProviderBreaker.fromJSON(bad, { provider: 'p', now: c.now });
        assert.equal(b.state, 'closed');
        assert.equal(b.snapshot().consecutiveFailures, 0);
        assert.equal(b.lastUpdatedAt, 0);
      }
    });

    it('applyJSON on a live breaker emits a synced state change to its listeners', () => {
      const { breaker: source } = make();
      fail(source, 5);
      const { breaker, changes } = make();
      assert.equal(breaker.applyJSON(source.toJSON()), true);
      assert.equal(breaker.state, 'open');
      assert.deepEqual([changes[0].from, changes[0].to, changes[0].reason], ['closed', 'open', 'synced']);
      assert.equal(breaker.applyJSON({ nonsense: true }), false);
      assert.equal(breaker.state, 'open');
    });
  });
});
