import type { AlertsConfig } from '../config/schema';
import type { CostSummary } from '../cost/costAccounting';
import { clock } from '../health/providerHealth';
import type { MetricsSnapshot } from '../metrics/metricsTypes';
import type { BreakerSnapshot } from '../resilience/circuitBreaker';
import type { Alert } from './alertTypes';

/** A raised error-rate or latency alert clears only once the figure falls below this share of its threshold, so it cannot flap. */
const CLEAR_RATIO = 0.8;
// Sums of float costs drift in the last bits; spend that lands exactly on the limit uses it up.
const EPSILON_USD = 1e-9;

export interface ProviderSignals {
  id: string;
  breaker: BreakerSnapshot;
  /** Epoch ms when its current, unbroken rate limiting began; undefined when it is not rate-limited. */
  rateLimitedSince?: number;
  /** Epoch ms until which it asked not to be called, if it said. */
  rateLimitedUntil?: number;
}

export interface AlertInputs {
  now: number;
  providers: readonly ProviderSignals[];
  /** Request metrics over `config.window` (probes are not in them). */
  metrics: MetricsSnapshot;
  costs: CostSummary;
  /** Ids of the alerts active before this evaluation: their thresholds are the lower, clearing ones. */
  active: ReadonlySet<string>;
}

export type Condition = Omit<Alert, 'since'>;

/** Every alert condition that holds now, by the thresholds in `alerts.*`. */
export function currentConditions(config: AlertsConfig, warnAtPercent: number, inputs: AlertInputs): Condition[] {
  if (!config.enabled) return [];
  const out: Condition[] = [];
  for (const p of inputs.providers) {
    // The user turned it off on purpose: nothing about it is news.
    if (p.breaker.state === 'isolated') continue;
    out.push(...requestConditions(config, p.id, inputs));
    if (config.breakerOpen && (p.breaker.state === 'open' || p.breaker.state === 'half-open')) {
      const cause = p.breaker.lastError ? ` after ${p.breaker.lastError.errorClass.replace(/_/g, ' ')} failures` : '';
      out.push({ id: `breaker-open:${p.id}`, kind: 'breaker-open', provider: p.id, message: `Provider '${p.id}': circuit breaker open since ${clock(p.breaker.since)}${cause}; requests go to the other providers until a probe succeeds.` });
    }
    if (p.rateLimitedSince !== undefined) {
      const lasting = Math.max(inputs.now, p.rateLimitedUntil ?? inputs.now) - p.rateLimitedSince;
      if (lasting >= config.rateLimitedForMs) {
        const until = p.rateLimitedUntil !== undefined && p.rateLimitedUntil > inputs.now ? ` until ${clock(p.rateLimitedUntil)}` : '';
        out.push({ id: `rate-limited:${p.id}`, kind: 'rate-limited', provider: p.id, message: `Provider '${p.id}': rate-limited since ${clock(p.rateLimitedSince)}${until}; requests go to the other providers.` });
      }
    }
  }
  if (config.budget) out.push(...budgetConditions(warnAtPercent, inputs.costs));
  return out;
}

function requestConditions(config: AlertsConfig, id: string, inputs: AlertInputs): Condition[] {
  const stats = inputs.metrics.providers[id];
  if (!stats || stats.requests < config.minRequests) return [];
  const window = config.window === '5m' ? 'the last 5 min' : 'the last hour';
  const out: Condition[] = [];
  const errorKey = `error-rate:${id}`;
  const errorLimit = config.errorRatePercent / 100;
  if (stats.errorRate !== null && stats.errorRate >= (inputs.active.has(errorKey) ? errorLimit * CLEAR_RATIO : errorLimit)) {
    out.push({ id: errorKey, kind: 'error-rate', provider: id, message: `Provider '${id}': ${Math.round(stats.errorRate * 100)} % of its ${stats.requests} requests in ${window} failed (alert at ${config.errorRatePercent} %).` });
  }
  const latencyKey = `latency:${id}`;
  const p95 = stats.latency.p95;
  if (p95 !== null && p95 >= (inputs.active.has(latencyKey) ? config.p95LatencyMs * CLEAR_RATIO : config.p95LatencyMs)) {
    out.push({ id: latencyKey, kind: 'latency', provider: id, message: `Provider '${id}': p95 latency ${seconds(p95)} over ${window} (alert at ${seconds(config.p95LatencyMs)}).` });
  }
  return out;
}

function budgetConditions(warnAtPercent: number, costs: CostSummary): Condition[] {
  const out: Condition[] = [];
  const periods = [
    { name: 'daily', label: 'Daily', spent: costs.today.costUsd, limit: costs.budget.dailyUsd, next: 'tomorrow' },
    { name: 'monthly', label: 'Monthly', spent: costs.month.costUsd, limit: costs.budget.monthlyUsd, next: 'next month' },
  ] as const;
  for (const b of periods) {
    if (b.limit === undefined) continue;
    const spent = `$${b.spent.toFixed(2)} of $${b.limit.toFixed(2)}`;
    if (b.spent >= b.limit - EPSILON_USD) {
      out.push({ id: `budget-exhausted:${b.name}`, kind: 'budget-exhausted', message: `${b.label} budget used up (${spent}): requests that cost money are refused until ${b.next} (llmRouter.budget.${b.name}Usd).` });
    } else if (b.limit > 0 && (b.spent / b.limit) * 100 >= warnAtPercent) {
      out.push({ id: `budget-warning:${b.name}`, kind: 'budget-warning', message: `${b.label} budget ${Math.round((b.spent / b.limit) * 100)} % spent (${spent}; warning at ${warnAtPercent} %).` });
    }
  }
  return out;
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
