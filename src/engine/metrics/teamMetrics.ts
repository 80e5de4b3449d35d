import type { MetricsStats, MetricsWindow, RequestRecord, RoutedRequests } from './metricsTypes';

/** Where the registry hands each record when metrics are shared with a team; must cost next to nothing per call. */
export interface TeamMetricsSink {
  recordRequest(r: RequestRecord, at: number): void;
  recordCache(hit: boolean, at: number): void;
}

/** The minutes a window covers (see metricsQuery.windowMinutes), or 'all' for all-time totals. */
export type TeamWindow = { first: number; last: number } | 'all';

/** One member's (or the whole team's) figures in a window, computed exactly as the local ones are. */
export type TeamStats = MetricsStats & {
  routed: RoutedRequests;
  /** The router's response cache: lookups answered from it, and not. */
  cache: { hits: number; misses: number; hitRate: number | null };
};

export interface TeamMember extends TeamStats {
  /** Stable per state folder and machine; never derived from a key or secret. */
  id: string;
  /** For people: the host name and the id's first characters. */
  label: string;
  /** Epoch ms of the member's latest write to the shared state. */
  lastSeenAt: number;
}

/** Metrics of every member sharing the namespace: the sum, and each member with data in the window. */
export interface TeamMetricsSnapshot {
  window: MetricsWindow;
  /** This process's member id. */
  self: string;
  total: TeamStats;
  /** Busiest first (most requests). */
  members: TeamMember[];
}

/** Team-wide metrics: each member publishes its own, anyone reads them all. */
export interface TeamMetrics extends TeamMetricsSink {
  /** Publishes what is not yet published, then reads every member's; undefined when the shared state does not answer. */
  read(window: MetricsWindow, minutes: TeamWindow): Promise<TeamMetricsSnapshot | undefined>;
  /** Publishes what is not yet published; what cannot be is kept for later. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
