import assert from 'node:assert/strict';
import { MetricsRegistry } from '../../src/engine/metrics/metricsRegistry';
import type { RequestRecord } from '../../src/engine/metrics/metricsTypes';
import { MAX_MODELS_PER_PROVIDER, OTHER_MODELS } from '../../src/engine/metrics/minuteBuckets';

const MIN = 60_000;
const HOUR = 60 * MIN;

function clock(start = Date.UTC(2025, 0, 15, 12, 0, 30)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms), set: (ms: number) => (t = ms) };
}

function ok(provider: string, model: string, latencyMs: number, extra: Partial<RequestRecord> = {}): RequestRecord {
  return { provider, model, outcome: 'ok', latencyMs, costUsd: 0.001, inputTokens: 100, outputTokens: 20, ...extra } as RequestRecord;
}

function failed(provider: string, model: string, errorClass: RequestRecord['errorClass'] & string): RequestRecord {
  return { provider, model, outcome: 'error', errorClass, latencyMs: 5, costUsd: 0 };
}

function make(startMs?: number) {
  const c = clock(startMs);
  const metrics = new MetricsRegistry({ now: c.now, flushIntervalMs: 0 });
  return { metrics, clock: c };
}

describe('MetricsRegistry', () => {
  it('counts requests, successes and errors by class per provider', () => {
    const { metrics } = make();
    metrics.recordRequest(ok('openai', 'gpt-4o', 100));
    metrics.recordRequest(failed('openai', 'gpt-4o', 'rate_limited'));
    metrics.recordRequest(failed('openai', 'gpt-4o', 'rate_limited'));
    metrics.recordRequest(failed('openai', 'gpt-4o', 'timeout'));
    metrics.recordRequest(ok('anthropic', 'claude', 200));

    const s = metrics.snapshot('5m');
    const openai = s.providers.openai;
    assert.equal(openai.requests, 4);
    assert.equal(openai.successes, 1);
    assert.equal(openai.errors.rate_limited, 2);
    assert.equal(openai.errors.timeout, 1);
    assert.equal(openai.errors.auth, 0, 'every error class is present, zero when unseen');
    assert.equal(openai.errorCount, 3);
    assert.equal(openai.errorRate, 0.75);
    assert.equal(s.providers.anthropic.errorRate, 0);
    assert.equal(s.total.requests, 5);
    assert.equal(s.total.errors.rate_limited, 2);
  });

  it('leaves cancelled requests out of the error rate but still counts them', () => {
    const { metrics } = make();
    metrics.recordRequest(ok('p', 'm', 100));
    metrics.recordRequest(failed('p', 'm', 'cancelled'));
    metrics.recordRequest(failed('p', 'm', 'server_error'));
    const p = metrics.snapshot('1h').providers.p;
    assert.equal(p.errors.cancelled, 1);
    assert.equal(p.errorCount, 2);
    assert.equal(p.errorRate, 0.5);
  });

  it('breaks each provider down per model, and the provider sums its models', () => {
    const { metrics } = make();
    metrics.recordRequest(ok('openai', 'gpt-4o', 100, { inputTokens: 10, outputTokens: 1 }));
    metrics.recordRequest(ok('openai', 'gpt-4o-mini', 300, { inputTokens: 20, outputTokens: 2 }));
    metrics.recordRequest(ok('openai', 'gpt-4o-mini', 300, { inputTokens: 20, outputTokens: 2 }));
    const p = metrics.snapshot('1h').providers.openai;
    assert.deepEqual(Object.keys(p.models).sort(), ['gpt-4o', 'gpt-4o-mini']);
    assert.equal(p.models['gpt-4o'].requests, 1);
    assert.equal(p.models['gpt-4o-mini'].requests, 2);
    assert.equal(p.models['gpt-4o-mini'].tokens.input, 40);
    assert.equal(p.requests, 3);
    assert.deepEqual(p.tokens, { input: 50, output: 5, cached: 0 });
  });

  it('sums tokens, retries, fallbacks and known cost, and counts requests with unknown cost', () => {
    const { metrics } = make();
    metrics.recordRequest(ok('p', 'm', 100, { cachedInputTokens: 40, costUsd: 0.25, retries: 2 }));
    metrics.recordRequest(ok('p', 'm', 100, { costUsd: 0.5, fallback: true }));
    metrics.recordRequest(ok('p', 'm', 100, { costUsd: null, fallback: true, retries: 1 }));
    const p = metrics.snapshot('5m').providers.p;
    assert.deepEqual(p.tokens, { input: 300, output: 60, cached: 40 });
    assert.equal(p.costUsd, 0.75);
    assert.equal(p.unknownCostRequests, 1);
    assert.equal(p.retries, 3);
    assert.equal(p.fallbacks, 2);
  });

  it('takes latency and TTFT percentiles from successful requests only, null when there is none', () => {
    const { metrics } = make();
    for (let i = 1; i <= 100; i++) metrics.recordRequest(ok('p', 'm', i * 10, { ttftMs: i }));
    metrics.recordRequest({ ...failed('p', 'm', 'timeout'), latencyMs: 1_000_000 });
    metrics.recordRequest(failed('q', 'm', 'timeout'));
    const s = metrics.snapshot('5m');
    const lat = s.providers.p.latency;
    assert.ok(Math.abs((lat.p50 as number) - 500) / 500 <= 0.03, `p50 ${lat.p50}`);
    assert.ok(Math.abs((lat.p99 as number) - 990) / 990 <= 0.02, `p99 ${lat.p99}`);
    assert.ok(Math.abs((s.providers.p.ttft.p90 as number) - 90) / 90 <= 0.02, `ttft p90 ${s.providers.p.ttft.p90}`);
    assert.deepEqual(s.providers.q.latency, { p50: null, p90: null, p95: null, p99: null });
    assert.deepEqual(s.providers.q.ttft, { p50: null, p90: null, p95: null, p99: null });
  });

  it('rolls requests out of the 5 minute window after 6 minutes while the hour still counts them', () => {
    const { metrics, clock } = make();
    metrics.recordRequest(ok('p', 'm', 100));
    clock.advance(4 * MIN);
    metrics.recordRequest(ok('p', 'm', 100));
    assert.equal(metrics.snapshot('5m').total.requests, 2);
    clock.advance(2 * MIN);
    assert.equal(metrics.snapshot('5m').total.requests, 1);
    assert.equal(metrics.snapshot('1h').total.requests, 2);
    clock.advance(HOUR);
    assert.equal(metrics.snapshot('1h').total.requests, 0);
    assert.equal(metrics.snapshot('24h').total.requests, 2);
    assert.equal(metrics.snapshot('1h').providers.p, undefined);
  });

  it("counts 'today' from local midnight: a request at 23:59 yesterday is in 24h but not today", () => {
    const lateYesterday = new Date(2025, 0, 14, 23, 59, 10).getTime();
    const { metrics, clock } = make(lateYesterday);
    metrics.recordRequest(ok('p', 'm', 100));
    clock.set(new Date(2025, 0, 15, 0, 1, 0).getTime());
    metrics.recordRequest(ok('p', 'm', 100));
    const today = metrics.snapshot('today');
    assert.equal(today.total.requests, 1);
    assert.equal(today.fromMs, new Date(2025, 0, 15).getTime());
    assert.equal(metrics.snapshot('24h').total.requests, 2);
  });

  it('drops minute buckets older than 24 h but keeps them in the all-time totals', () => {
    const { metrics, clock } = make();
    metrics.recordRequest(ok('p', 'm', 100));
    clock.advance(24 * HOUR - 2 * MIN);
    assert.equal(metrics.snapshot('24h').total.requests, 1);
    clock.advance(3 * MIN);
    assert.equal(metrics.snapshot('24h').total.requests, 0);
    assert.equal(metrics.history(undefined, 0).length, 0);
    const all = metrics.snapshot('all');
    assert.equal(all.total.requests, 1);
    assert.equal(all.providers.p.latency.p50 !== null, true);
  });

  it('keeps at most 24 h of minutes however long it records, one request per minute for 3 days', () => {
    const { metrics, clock } = make();
    for (let i = 0; i < 3 * 24 * 60; i++) {
      metrics.recordRequest(ok('p', 'm', 100));
      clock.advance(MIN);
    }
    const points = metrics.history(undefined, 0);
    assert.ok(points.length <= 24 * 60 + 1, `kept ${points.length} minutes`);
    assert.ok(points.length >= 24 * 60, `kept ${points.length} minutes`);
    assert.equal(metrics.snapshot('all').total.requests, 3 * 24 * 60);
  });

  it('counts a request stamped more than 24 h ago in all-time only', () => {
    const { metrics, clock } = make();
    metrics.recordRequest(ok('p', 'm', 100, { at: clock.now() - 25 * HOUR }));
    assert.equal(metrics.snapshot('24h').total.requests, 0);
    assert.equal(metrics.snapshot('all').total.requests, 1);
    assert.equal(metrics.snapshot('all').fromMs, clock.now() - 25 * HOUR);
  });

  it('counts breaker transitions per provider by the state entered', () => {
    const { metrics } = make();
    metrics.recordBreakerTransition('p', 'closed', 'open');
    metrics.recordBreakerTransition('p', 'open', 'half-open');
    metrics.recordBreakerTransition('p', 'half-open', 'open');
    metrics.recordBreakerTransition('q', 'closed', 'open');
    const s = metrics.snapshot('1h');
    assert.deepEqual(s.providers.p.breakerTransitions, { open: 2, 'half-open': 1 });
    assert.equal(s.providers.p.requests, 0);
    assert.deepEqual(s.total.breakerTransitions, { open: 3, 'half-open': 1 });
  });

  it('counts cache hits and misses with a hit rate', () => {
    const { metrics } = make();
    assert.equal(metrics.snapshot('5m').cache.hitRate, null);
    metrics.recordCacheHit();
    metrics.recordCacheHit();
    metrics.recordCacheHit();
    metrics.recordCacheMiss();
    assert.deepEqual(metrics.snapshot('5m').cache, { hits: 3, misses: 1, hitRate: 0.75 });
  });

  it('gives per-minute history points, oldest first, for one provider or all of them', () => {
    const { metrics, clock } = make(Date.UTC(2025, 0, 15, 12, 0, 0));
    const t0 = clock.now();
    metrics.recordRequest(ok('a', 'm', 100, { costUsd: 0.5 }));
    metrics.recordRequest(ok('b', 'm', 300));
    clock.advance(2 * MIN + 10_000);
    metrics.recordRequest(failed('a', 'm', 'server_error'));

    const all = metrics.history();
    assert.deepEqual(
      all.map((p) => [p.t, p.requests, p.errors]),
      [
        [t0, 2, 0],
        [t0 + 2 * MIN, 1, 1],
      ],
    );
    const a = metrics.history('a');
    assert.equal(a.length, 2);
    assert.equal(a[0].costUsd, 0.5);
    assert.ok(Math.abs((a[0].latency.p50 as number) - 100) <= 1);
    assert.equal(a[1].latency.p50, null);
    assert.deepEqual(
      metrics.history('a', t0 + MIN).map((p) => p.t),
      [t0 + 2 * MIN],
    );
    assert.deepEqual(metrics.history('nobody'), []);
  });

  it(`counts models beyond ${MAX_MODELS_PER_PROVIDER} per provider together so memory stays bounded`, () => {
    const { metrics } = make();
    for (let i = 0; i < MAX_MODELS_PER_PROVIDER + 10; i++) metrics.recordRequest(ok('p', `model-${i}`, 100));
    const p = metrics.snapshot('5m').providers.p;
    assert.equal(Object.keys(p.models).length, MAX_MODELS_PER_PROVIDER + 1);
    assert.equal(p.models[OTHER_MODELS].requests, 10);
    assert.equal(p.requests, MAX_MODELS_PER_PROVIDER + 10);
  });

  it('keeps provider and model names such as __proto__ as plain keys', () => {
    const { metrics } = make();
    metrics.recordRequest(ok('__proto__', 'constructor', 100));
    const s = metrics.snapshot('5m');
    assert.equal(Object.getPrototypeOf(s.providers), Object.prototype);
    assert.equal(Object.prototype.hasOwnProperty.call(s.providers, '__proto__'), true);
    assert.equal(Object.keys(s.providers).length, 1);
  });
});
