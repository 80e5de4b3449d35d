import { ERROR_CLASSES, type ErrorClass } from '../errors';
import { MetricCell } from './metricCell';
import { MINUTE_MS, minuteOf, RETAIN_MINUTES, Tally, type MetricsData, type ProviderTally } from './minuteBuckets';
import type { HistoryPoint, MetricsSnapshot, MetricsStats, MetricsWindow, ProviderCacheStats, ProviderStats, RoutedRequests } from './metricsTypes';

const WINDOW_MINUTES: Record<Exclude<MetricsWindow, 'today' | 'all'>, number> = {
  '5m': 5,
  '1h': 60,
  '24h': RETAIN_MINUTES,
};

/** Provider and model names come from config and responses; a name like `__proto__` must stay a plain key. */
function setEntry<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

function recordOf(counts: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, n] of counts) setEntry(out, k, n);
  return out;
}

/** One cell's figures, the way every surface (local or team-wide) reports them. */
export function statsOf(c: MetricCell): MetricsStats {
  const errors = {} as Record<ErrorClass, number>;
  for (const cls of Object.keys(ERROR_CLASSES) as ErrorClass[]) errors[cls] = c.errors[cls] ?? 0;
  const errorCount = c.requests - c.successes;
  const judged = c.requests - errors.cancelled;
  return {
    requests: c.requests,
    successes: c.successes,
    errors,
    errorCount,
    errorRate: judged > 0 ? (errorCount - errors.cancelled) / judged : null,
    retries: c.retries,
    fallbacks: c.fallbacks,
    latency: c.latency.quantiles(),
    ttft: c.ttft.quantiles(),
    tokens: { input: c.inputTokens, output: c.outputTokens, cached: c.cachedInputTokens },
    providerCache: providerCacheOf(c),
    costUsd: c.costUsd,
    unknownCostRequests: c.unknownCostRequests,
  };
}

function providerCacheOf(c: MetricCell): ProviderCacheStats {
  return {
    inputTokens: c.inputTokens,
    cachedInputTokens: c.cachedInputTokens,
    cacheWriteTokens: c.cacheWriteTokens,
    share: c.inputTokens > 0 ? Math.min(1, c.cachedInputTokens / c.inputTokens) : null,
    savedUsd: c.cacheSavedUsd,
    writePremiumUsd: c.cacheWritePremiumUsd,
    netSavedUsd: c.cacheSavedUsd - c.cacheWritePremiumUsd,
  };
}

/**
 * Each routed request begins with one provider call that is not a fallback, and an answered one ends with exactly
 * one successful call; so the calls tell the requests apart without a second counter.
 */
export function routedOf(total: MetricsStats): RoutedRequests {
  const answered = total.successes;
  // A hedge that lost was cancelled by the router, not the caller: its request still counts when answered.
  const requests = Math.max(answered, total.requests - total.fallbacks - total.errors.cancelled);
  return { requests, answered, failed: requests - answered, errorRate: requests > 0 ? (requests - answered) / requests : null };
}

function providerStats(p: ProviderTally, sum: MetricCell): ProviderStats {
  const models: Record<string, MetricsStats> = {};
  for (const [model, cell] of p.models) {
    sum.merge(cell);
    setEntry(models, model, statsOf(cell));
  }
  return { ...statsOf(sum), breakerTransitions: recordOf(p.breaker), models };
}

/** The minute numbers a window other than 'all' covers: every minute that overlaps [now − window, now]. */
export function windowMinutes(window: Exclude<MetricsWindow, 'all'>, nowMs: number, dayStartMs: number): { first: number; last: number } {
  const first = window === 'today' ? minuteOf(dayStartMs) : minuteOf(nowMs - WINDOW_MINUTES[window] * MINUTE_MS);
  return { first, last: minuteOf(nowMs) };
}

/**
 * Merges the tallies of a window across datasets (the registry passes what is on disk and what is not yet
 * flushed). A window covers whole minutes: every minute that overlaps [now − window, now].
 */
export function buildSnapshot(
  datasets: readonly MetricsData[],
  window: MetricsWindow,
  nowMs: number,
  dayStartMs: number,
): Omit<MetricsSnapshot, 'probes'> {
  const agg = new Tally();
  let fromMs: number;
  if (window === 'all') {
    fromMs = nowMs;
    for (const ds of datasets) {
      agg.merge(ds.allTime);
      if (ds.since !== undefined) fromMs = Math.min(fromMs, ds.since);
    }
  } else {
    const { first, last } = windowMinutes(window, nowMs, dayStartMs);
    fromMs = window === 'today' ? dayStartMs : first * MINUTE_MS;
    for (const ds of datasets) {
      for (const [m, t] of ds.minutes) if (m >= first && m <= last) agg.merge(t);
    }
  }

  const providers: Record<string, ProviderStats> = {};
  const totalCell = new MetricCell();
  const totalBreaker = new Map<string, number>();
  for (const [id, p] of agg.providers) {
    const sum = new MetricCell();
    setEntry(providers, id, providerStats(p, sum));
    totalCell.merge(sum);
    for (const [state, n] of p.breaker) totalBreaker.set(state, (totalBreaker.get(state) ?? 0) + n);
  }
  const lookups = agg.cacheHits + agg.cacheMisses;
  const totalStats = statsOf(totalCell);
  return {
    window,
    fromMs,
    toMs: nowMs,
    total: { ...totalStats, breakerTransitions: recordOf(totalBreaker), routed: routedOf(totalStats) },
    providers,
    cache: { hits: agg.cacheHits, misses: agg.cacheMisses, hitRate: lookups > 0 ? agg.cacheHits / lookups : null },
  };
}

function sumOf(cells: readonly MetricCell[]): MetricCell {
  const sum = new MetricCell();
  for (const c of cells) sum.merge(c);
  return sum;
}

/** Minute points from sinceMs to now, oldest first; minutes without requests are left out. */
export function buildHistory(
  datasets: readonly MetricsData[],
  provider: string | undefined,
  sinceMs: number,
  nowMs: number,
): HistoryPoint[] {
  const first = minuteOf(sinceMs);
  const last = minuteOf(nowMs);
  const perMinute = new Map<number, MetricCell[]>();
  for (const ds of datasets) {
    for (const [m, t] of ds.minutes) {
      if (m < first || m > last) continue;
      let cells = perMinute.get(m);
      if (!cells) {
        cells = [];
        perMinute.set(m, cells);
      }
      for (const [id, p] of t.providers) {
        if (provider === undefined || id === provider) cells.push(...p.models.values());
      }
    }
  }
  const points: HistoryPoint[] = [];
  for (const m of [...perMinute.keys()].sort((a, b) => a - b)) {
    const cells = perMinute.get(m) as MetricCell[];
    // Most minutes hold one cell (one provider, one model, already saved): read it without copying.
    const c = cells.length === 1 ? cells[0] : sumOf(cells);
    if (c.requests === 0) continue;
    const lat = c.latency.quantiles();
    const ttft = c.ttft.quantiles();
    points.push({
      t: m * MINUTE_MS,
      requests: c.requests,
      successes: c.successes,
      errors: c.requests - c.successes,
      latency: { p50: lat.p50, p95: lat.p95, p99: lat.p99 },
      ttft: { p50: ttft.p50, p95: ttft.p95 },
      tokens: { input: c.inputTokens, output: c.outputTokens, cached: c.cachedInputTokens },
      costUsd: c.costUsd,
      unknownCostRequests: c.unknownCostRequests,
    });
  }
  return points;
}
