import assert from 'node:assert/strict';
import { currentConditions, type AlertInputs } from '../../src/engine/alerts/alertConditions';
import { configSchema } from '../../src/engine/config/schema';
import { MetricsRegistry } from '../../src/engine/metrics/metricsRegistry';
import { ProviderBreaker } from '../../src/engine/resilience/circuitBreaker';

const NOW = Date.parse('2026-12-03T10:00:00Z');
const config = configSchema.parse({ alerts: { errorRatePercent: 50, minRequests: 4 } }).alerts;
const costs = { today: { costUsd: 0, providers: {} }, month: { costUsd: 0, providers: {} }, budget: { warnAtPercent: 80 } } as unknown as AlertInputs['costs'];

/** Metrics of provider 'a' with `failed` of `total` requests failed. */
function inputs(total: number, failed: number, active: string[] = [], breaker = new ProviderBreaker({ provider: 'a', now: () => NOW })): AlertInputs {
  const metrics = new MetricsRegistry({ now: () => NOW });
  for (let i = 0; i < total; i++) {
    if (i < failed) metrics.recordRequest({ provider: 'a', model: 'm', outcome: 'error', errorClass: 'server_error', latencyMs: 10, costUsd: 0 });
    else metrics.recordRequest({ provider: 'a', model: 'm', outcome: 'ok', latencyMs: 10, costUsd: 0 });
  }
  return { now: NOW, providers: [{ id: 'a', breaker: breaker.snapshot() }], metrics: metrics.snapshot('5m'), costs, active: new Set(active) };
}

const ids = (i: AlertInputs) => currentConditions(config, 80, i).map((c) => c.id);

describe('alert conditions: thresholds with hysteresis', () => {
  it('raises the error-rate alert at the threshold, not below it', () => {
    assert.deepEqual(ids(inputs(10, 5)), ['error-rate:a']);
    assert.deepEqual(ids(inputs(10, 4)), []);
  });

  it('keeps a raised error-rate alert until the rate falls below 80 % of the threshold', () => {
    assert.deepEqual(ids(inputs(10, 4, ['error-rate:a'])), ['error-rate:a'], '40 % still holds once raised');
    assert.deepEqual(ids(inputs(10, 3, ['error-rate:a'])), [], '30 % clears it');
  });

  it('says nothing about error rate with fewer than alerts.minRequests requests', () => {
    assert.deepEqual(ids(inputs(3, 3)), []);
  });

  it('raises nothing about an isolated provider', () => {
    const breaker = new ProviderBreaker({ provider: 'a', now: () => NOW });
    breaker.isolate();
    assert.deepEqual(ids(inputs(10, 10, [], breaker)), []);
  });
});
