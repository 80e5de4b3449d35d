import type { ErrorClass } from '../errors';
import type { Percentiles } from './percentiles';

export type { Percentiles } from './percentiles';

interface RequestRecordBase {
  provider: string;
  model: string;
  /** Total time of this provider's attempt(s), ms. Latency percentiles only count successful requests. */
  latencyMs: number;
  ttftMs?: number;
  /** All prompt tokens, including cached ones. */
  inputTokens?: number;
  outputTokens?: number;
  /** Prompt tokens read from the provider's prompt cache (part of inputTokens). */
  cachedInputTokens?: number;
  /** Prompt tokens written to the provider's prompt cache (part of inputTokens). */
  cacheWriteTokens?: number;
  /** USD the cache reads saved against the input price, and what the writes cost above it (see costMath). */
  cacheSavedUsd?: number;
  cacheWritePremiumUsd?: number;
  /** null when the model's price is unknown (counted in unknownCostRequests); 0 for unbilled failures. */
  costUsd: number | null;
  /** Retries made against this provider within the request. */
  retries?: number;
  /** True when the router reached this provider by falling back from another one. */
  fallback?: boolean;
  /** Epoch ms; defaults to the registry's clock. */
  at?: number;
  /** A background health probe, not user traffic: counted apart (see MetricsSnapshot.probes). */
  probe?: boolean;
}

/**
 * One provider's part in one routed request, recorded once that provider is done (after its retries).
 * A request that fails on A and succeeds on B is two records: A with outcome 'error', B with 'ok' and fallback.
 * Answers served from the response cache are not provider requests: use recordCacheHit instead.
 */
export type RequestRecord =
  | (RequestRecordBase & { outcome: 'ok'; errorClass?: undefined })
  | (RequestRecordBase & { outcome: 'error'; errorClass: ErrorClass });

/** '24h' is everything kept per minute; 'all' is since the first record ever persisted in this state dir. */
export type MetricsWindow = '5m' | '1h' | 'today' | '24h' | 'all';

export interface MetricsStats {
  requests: number;
  successes: number;
  /** Failed requests by class; every class is present. */
  errors: Record<ErrorClass, number>;
  /** requests − successes. */
  errorCount: number;
  /**
   * Attempt error rate: failed provider calls / provider calls (a call is one provider's part in a request, its
   * retries folded in), both without 'cancelled' (the caller's doing); null with no such calls.
   */
  errorRate: number | null;
  retries: number;
  fallbacks: number;
  /** Of successful requests, ms. Null when there is no sample. */
  latency: Percentiles;
  ttft: Percentiles;
  tokens: { input: number; output: number; cached: number };
  providerCache: ProviderCacheStats;
  /** Sum of known costs. */
  costUsd: number;
  unknownCostRequests: number;
}

/**
 * The providers' own prompt caches (not the router's response cache): how much of the input they served and
 * what that saved. `savedUsd` is the gross saving of the reads (reads x (input price - cache-read price));
 * `writePremiumUsd` what writes cost above the input price; `netSavedUsd` the one minus the other.
 */
export interface ProviderCacheStats {
  inputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  /** cachedInputTokens / inputTokens; null without input. */
  share: number | null;
  savedUsd: number;
  writePremiumUsd: number;
  netSavedUsd: number;
}

export interface ProviderStats extends MetricsStats {
  /** Circuit breaker transitions counted by the state entered, e.g. { open: 2, 'half-open': 1 }. */
  breakerTransitions: Record<string, number>;
  models: Record<string, MetricsStats>;
}

export interface MetricsSnapshot {
  window: MetricsWindow;
  /** The covered time range, epoch ms. Windows are whole minutes, so fromMs may be up to a minute earlier. */
  fromMs: number;
  toMs: number;
  total: MetricsStats & { breakerTransitions: Record<string, number>; routed: RoutedRequests };
  providers: Record<string, ProviderStats>;
  cache: { hits: number; misses: number; hitRate: number | null };
  /** Background health probes by provider, since this process started; never part of the request figures above. */
  probes: Record<string, ProbeStats>;
}

export interface ProbeStats {
  probes: number;
  failures: number;
  lastOk: boolean;
  lastLatencyMs: number;
  /** Epoch ms of the latest probe. */
  lastAt: number;
}

/** Routed requests, as the user sees them: answered by some provider, or failed after every fallback. */
export interface RoutedRequests {
  /** Without those the caller cancelled. */
  requests: number;
  answered: number;
  failed: number;
  /** Request error rate: failed / requests; null with no requests. Low while fallbacks cover failing providers. */
  errorRate: number | null;
}

/** One minute of one provider (or all providers), for trend charts. */
export interface HistoryPoint {
  /** Start of the minute, epoch ms. */
  t: number;
  requests: number;
  successes: number;
  errors: number;
  latency: { p50: number | null; p95: number | null; p99: number | null };
  ttft: { p50: number | null; p95: number | null };
  tokens: { input: number; output: number; cached: number };
  costUsd: number;
  unknownCostRequests: number;
}
