import type { CacheStats } from '../../engine/cache/responseCache';
import type { CostSummary } from '../../engine/cost/costAccounting';
import type { PeriodCostTotals } from '../../engine/cost/costLedger';
import type { ProviderStatus } from '../../engine/engine';
import { adviseFailure } from '../../engine/failureAdvice';
import { isLoopbackHost } from '../../engine/http/endpointSecurity';
import type { HistoryPoint, MetricsSnapshot, MetricsStats, RoutedRequests } from '../../engine/metrics/metricsTypes';
import type { TeamMetricsSnapshot, TeamStats } from '../../engine/metrics/teamMetrics';
import { adapterFor } from '../../engine/providers/registry';
import type { FailureSeen } from './latestFailures';
import { EMPTY_STATS, type CacheDto, type RoutedRequestsDto, type CostsDto, type HistoryPointDto, type PeriodCostsDto, type ProviderStatusDto, type TeamDto, type WindowStatsDto } from './protocol';

// Engine shapes → protocol shapes. Strings that come from responses or files are clipped to what the protocol
// accepts, so one long model name cannot make a whole message invalid.

const LABEL_MAX = 256;
const MESSAGE_MAX = 1000;

const clip = (s: string, max = LABEL_MAX) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const finite = (n: number | null | undefined): number | null => (n === null || n === undefined || !Number.isFinite(n) ? null : Math.max(0, n));

/** The endpoint without user info, query or fragment: some services take a key there, and no message may carry one. */
export function displayUrl(baseUrl: string): string {
  try {
    const u = new URL(baseUrl);
    return clip(`${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`, 2048);
  } catch {
    return '(invalid URL)';
  }
}

/** A key is sent where the adapter needs one, and to any remote endpoint but Ollama (a local server takes none). */
export function usesKey(kind: ProviderStatus['kind'], baseUrl: string): boolean {
  if (adapterFor(kind).requiresKey) return true;
  if (kind === 'ollama') return false;
  try {
    return !isLoopbackHost(new URL(baseUrl).hostname);
  } catch {
    return true;
  }
}

/** The newer of the breaker's last error and the newest failed request, with the advice every surface gives. */
function lastError(p: ProviderStatus, failure: FailureSeen | undefined): ProviderStatusDto['lastError'] {
  const b = p.breaker.lastError;
  // The request log has no message; a breaker record of the same class is the same kind of failure and lends its own.
  const newest = failure && (!b || failure.at > b.at) ? { errorClass: failure.errorClass, message: b?.errorClass === failure.errorClass ? b.message : '', at: failure.at } : b;
  if (!newest) return undefined;
  // The breaker keeps no status; the engine's message starts with it ("Provider 'x': 503 Service Unavailable — …").
  const status = /^Provider '[^']*': ([1-5]\d\d) /.exec(newest.message)?.[1];
  const advice = adviseFailure({ provider: p.id, errorClass: newest.errorClass, kind: p.kind, baseUrl: p.baseUrl, status: status ? Number(status) : undefined, message: newest.message || undefined });
  return { errorClass: clip(newest.errorClass), message: clip(newest.message, MESSAGE_MAX), advice: clip(advice.text, MESSAGE_MAX), at: newest.at };
}

export function toProviderStatus(p: ProviderStatus, failure?: FailureSeen): ProviderStatusDto {
  const b = p.breaker;
  const last = lastError(p, failure);
  return {
    id: p.id,
    kind: p.kind,
    model: clip(p.model),
    baseUrl: displayUrl(p.baseUrl),
    breaker: {
      state: b.state,
      since: b.since,
      consecutiveFailures: b.consecutiveFailures,
      failureRate: Math.min(1, Math.max(0, b.failureRate)),
      requestsInWindow: b.requestsInWindow,
      ...(b.openUntil !== undefined ? { openUntil: b.openUntil } : {}),
      ...(b.lastError ? { lastError: { errorClass: clip(b.lastError.errorClass), message: clip(b.lastError.message, MESSAGE_MAX), at: b.lastError.at } } : {}),
    },
    ...(last ? { lastError: last } : {}),
    usesKey: usesKey(p.kind, p.baseUrl),
    health: { state: p.health.state, reason: clip(p.health.reason, MESSAGE_MAX) },
    ...(p.coolingDownUntil !== undefined ? { coolingDownUntil: p.coolingDownUntil } : {}),
    ...(p.rateLimit ? { headroom: { ...p.rateLimit } } : {}),
    ...(p.keys ? { keys: p.keys.map((k) => ({ ...k })) } : {}),
  };
}

export function toWindowStats(s: MetricsStats): WindowStatsDto {
  const errorsByClass = Object.entries(s.errors)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([errorClass, n]) => ({ errorClass, count: n }));
  return {
    requests: s.requests,
    successes: s.successes,
    errorCount: s.errorCount,
    errorRate: s.errorRate === null ? null : Math.min(1, Math.max(0, s.errorRate)),
    errorsByClass,
    retries: s.retries,
    fallbacks: s.fallbacks,
    latency: { p50: finite(s.latency.p50), p95: finite(s.latency.p95), p99: finite(s.latency.p99) },
    ttft: { p50: finite(s.ttft.p50), p95: finite(s.ttft.p95), p99: finite(s.ttft.p99) },
    tokens: { ...s.tokens },
    providerCache: { ...s.providerCache, share: s.providerCache.share === null ? null : Math.min(1, Math.max(0, s.providerCache.share)) },
    costUsd: s.costUsd,
    unknownCostRequests: s.unknownCostRequests,
  };
}

export function toRouted(r: RoutedRequests): RoutedRequestsDto {
  return { requests: r.requests, answered: r.answered, failed: r.failed, errorRate: r.errorRate === null ? null : Math.min(1, Math.max(0, r.errorRate)) };
}

const teamFigures = (s: TeamStats) => ({ stats: toWindowStats(s), routed: toRouted(s.routed) });

/** The busiest members the protocol carries, each with the same figures as a provider. */
export function toTeam(t: TeamMetricsSnapshot): TeamDto {
  return {
    total: teamFigures(t.total),
    members: t.members.slice(0, 100).map((m) => ({ id: m.id, label: clip(m.label), self: m.id === t.self, lastSeenAt: m.lastSeenAt, ...teamFigures(m) })),
  };
}

/** A configured provider with no requests in the window still gets a row of zeros. */
export function providerWindowStats(snapshot: MetricsSnapshot, id: string): WindowStatsDto {
  const s = Object.prototype.hasOwnProperty.call(snapshot.providers, id) ? snapshot.providers[id] : undefined;
  return s ? toWindowStats(s) : EMPTY_STATS;
}

export function toHistoryPoint(p: HistoryPoint): HistoryPointDto {
  return {
    t: p.t,
    requests: p.requests,
    errors: p.errors,
    p50: finite(p.latency.p50),
    p95: finite(p.latency.p95),
    p99: finite(p.latency.p99),
    ttftP50: finite(p.ttft.p50),
    costUsd: p.costUsd,
  };
}

function toPeriodCosts(t: PeriodCostTotals): PeriodCostsDto {
  const tally = (x: { costUsd: number; requests: number; unknownCostRequests: number }) => ({ costUsd: x.costUsd, requests: x.requests, unknownCostRequests: x.unknownCostRequests });
  return {
    ...tally(t),
    providers: Object.entries(t.providers).map(([provider, p]) => ({
      provider: clip(provider),
      ...tally(p),
      models: Object.entries(p.models).map(([model, m]) => ({ model: clip(model), ...tally(m) })),
    })),
  };
}

export function toCosts(c: CostSummary): CostsDto {
  return {
    today: toPeriodCosts(c.today),
    month: toPeriodCosts(c.month),
    budget: {
      ...(c.budget.dailyUsd !== undefined ? { dailyUsd: c.budget.dailyUsd } : {}),
      ...(c.budget.monthlyUsd !== undefined ? { monthlyUsd: c.budget.monthlyUsd } : {}),
      warnAtPercent: c.budget.warnAtPercent,
    },
  };
}

export function toCache(stats: CacheStats, enabled: boolean, lookups: MetricsSnapshot['cache']): CacheDto {
  return {
    enabled,
    entries: stats.entries,
    memoryBytes: stats.memoryBytes,
    diskBytes: stats.diskBytes,
    evictions: stats.evictions,
    hits: lookups.hits,
    misses: lookups.misses,
    hitRate: lookups.hitRate,
  };
}
