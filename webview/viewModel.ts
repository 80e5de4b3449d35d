// What the dashboard displays, derived from the host's messages. Pure: no DOM, so it is unit-tested in Node.
import {
  EMPTY_STATS,
  MAX_LOG_EVENTS,
  WINDOW_MS,
  type AlertDto,
  type CacheDto,
  type CostsDto,
  type DashboardWindow,
  type HistoryPointDto,
  type HostMessage,
  type LogEventDto,
  type LogEventKind,
  type PeriodCostsDto,
  type PlaygroundMessage,
  type RoutedRequestsDto,
  summarizeHealth,
  type HealthState,
  type OverallHealth,
  type ProviderStatusDto,
  type QualityRankDto,
  type TeamDto,
  type WindowStatsDto,
} from '../src/extension/dashboard/protocol';
import { formatAgo, formatBytes, formatClock, formatCompact, formatCount, formatMs, formatPercent, formatSpan, formatUsd, humanize } from './format';

/** Provider colours cycle through this many chart palette slots. */
const PALETTE_SIZE = 6;

const HEALTH_LABEL: Record<HealthState, string> = {
  healthy: 'Healthy',
  degraded: 'Degraded',
  unavailable: 'Unavailable',
  unknown: 'Unknown',
  isolated: 'Isolated',
};

export const WINDOW_LABEL: Record<DashboardWindow, string> = { '5m': '5 min', '1h': '1 hour', '24h': '24 hours' };


/** The dashboard's copy of the router state: a snapshot with the deltas since applied. */
export class DashboardStore {
  window: DashboardWindow = '5m';
  hasSnapshot = false;
  seq = -1;
  /** Host clock minus this page's clock, so "ago" matches the host's timestamps. */
  clockOffset = 0;
  providers: ProviderStatusDto[] = [];
  stats = new Map<string, WindowStatsDto>();
  totals: WindowStatsDto = EMPTY_STATS;
  routed: RoutedRequestsDto = { requests: 0, answered: 0, failed: 0, errorRate: null };
  /** Only in the playground: each simulated provider's failure mode, and the modes offered. */
  playground?: Omit<PlaygroundMessage, 'type' | 'seq'>;
  history = new Map<string, HistoryPointDto[]>();
  costs?: CostsDto;
  cache?: CacheDto;
  /** Oldest first. */
  events: LogEventDto[] = [];
  /** Active alerts, oldest first. */
  alerts: AlertDto[] = [];
  /** The quality ranking, best first. */
  quality: QualityRankDto[] = [];
  /** Only when metrics are shared with a team: every member's figures in the window. */
  team?: TeamDto;
  lastError?: string;
  /** Bumped when history changes, so charts redraw only then. */
  historyVersion = 0;

  /** Applies a validated message; false when it was out of turn (a delta before any snapshot, or an old one). */
  apply(msg: HostMessage, localNow: number = Date.now()): boolean {
    if (msg.type === 'error') {
      this.lastError = msg.message;
      return true;
    }
    if (msg.type === 'playground') {
      this.playground = { providers: msg.providers, modes: msg.modes };
      return true;
    }
    if (msg.type === 'delta' && (!this.hasSnapshot || msg.seq <= this.seq)) return false;
    this.seq = msg.seq;
    this.clockOffset = msg.now - localNow;
    if (msg.type === 'snapshot') {
      this.hasSnapshot = true;
      this.window = msg.window;
      this.providers = msg.providers;
      this.stats = new Map(msg.stats.map((s) => [s.provider, s.stats]));
      this.totals = msg.totals;
      this.routed = msg.routed;
      this.history = new Map(msg.history.map((h) => [h.provider, [...h.points].sort((a, b) => a.t - b.t)]));
      this.costs = msg.costs;
      this.cache = msg.cache;
      this.events = msg.events.slice(-MAX_LOG_EVENTS);
      this.alerts = msg.alerts ?? [];
      this.quality = msg.quality ?? [];
      this.team = msg.team;
      this.historyVersion++;
      return true;
    }
    if (msg.providers) {
      const byId = new Map(msg.providers.map((p) => [p.id, p]));
      this.providers = this.providers.map((p) => byId.get(p.id) ?? p);
    }
    for (const s of msg.stats ?? []) this.stats.set(s.provider, s.stats);
    if (msg.totals) this.totals = msg.totals;
    if (msg.routed) this.routed = msg.routed;
    if (msg.history) {
      for (const h of msg.history) this.history.set(h.provider, upsertPoints(this.history.get(h.provider) ?? [], h.points));
      this.historyVersion++;
    }
    this.pruneHistory(msg.now);
    if (msg.costs) this.costs = msg.costs;
    if (msg.cache) this.cache = msg.cache;
    if (msg.alerts) this.alerts = msg.alerts;
    if (msg.quality) this.quality = msg.quality;
    if (msg.team) this.team = msg.team;
    if (msg.events) {
      const lastId = this.events.length > 0 ? this.events[this.events.length - 1].id : 0;
      this.events = [...this.events, ...msg.events.filter((e) => e.id > lastId)].slice(-MAX_LOG_EVENTS);
    }
    return true;
  }

  /** The host's time now. */
  now(localNow: number = Date.now()): number {
    return localNow + this.clockOffset;
  }

  private pruneHistory(now: number): void {
    const oldest = minuteStart(now - WINDOW_MS[this.window]);
    for (const [id, points] of this.history) {
      if (points.length > 0 && points[0].t < oldest) {
        this.history.set(
          id,
          points.filter((p) => p.t >= oldest),
        );
        this.historyVersion++;
      }
    }
  }
}

const MINUTE_MS = 60_000;
const minuteStart = (t: number) => Math.floor(t / MINUTE_MS) * MINUTE_MS;

/** Merges points by minute: a point for a minute already present replaces it. */
function upsertPoints(existing: readonly HistoryPointDto[], incoming: readonly HistoryPointDto[]): HistoryPointDto[] {
  const byT = new Map(existing.map((p) => [p.t, p]));
  for (const p of incoming) byT.set(p.t, p);
  return [...byT.values()].sort((a, b) => a.t - b.t);
}

export interface ProviderView {
  id: string;
  subtitle: string;
  baseUrl: string;
  colorIndex: number;
  health: HealthState;
  healthLabel: string;
  /** When the breaker's current state began, and for an open breaker when the next probe may go. */
  stateDetail: string;
  /** Why the provider has this health, from the engine; also the badge's hover text. */
  reason: string;
  /** `advice` is the sentence every surface shows (cause and next step); `message` the engine's detail, if any. */
  lastError?: { errorClass: string; advice: string; message: string; when: string };
  requests: string;
  /** This provider's failed calls / its calls (after retries). */
  errorRate: string;
  /** Offer "Set key": the provider is sent a key. */
  usesKey: boolean;
  /** Playground only: the failure switch of a simulated provider. */
  playground?: { mode: string; modes: { id: string; label: string; detail: string }[] };
  retries: string;
  fallbacks: string;
  latency: { p50: string; p95: string; p99: string };
  ttft: { p50: string; p95: string; p99: string };
  /** e.g. "Errors: rate limited ×3 · timeout ×1"; empty without failures. */
  errorClasses: string;
  /** What the router will still send, with its reset, e.g. "Headroom: 0 requests · 67.7k tokens, resets 12:03:04"; held when a limit is used up. */
  headroom?: { text: string; held: boolean };
  /** e.g. "Keys: key 1 of 2 cooling down until 12:03:04 (rate limited) · key 2 of 2 serving"; only with several keys. */
  keys?: string;
  isolated: boolean;
}

function stateDetail(p: ProviderStatusDto, now: number): string {
  const b = p.breaker;
  const since = b.since > 0 ? `since ${formatClock(b.since, now)} (${formatAgo(b.since, now)})` : '';
  if (b.state === 'open' && b.openUntil !== undefined) {
    const probe = b.openUntil > now ? `probe in ${formatSpan(b.openUntil - now)}` : 'probe due';
    return since ? `${since} · ${probe}` : probe;
  }
  return since;
}

function headroomView(p: ProviderStatusDto, now: number): ProviderView['headroom'] {
  const r = p.headroom;
  if (!r) return undefined;
  const reset = r.resetAt !== undefined && r.resetAt > now ? formatClock(r.resetAt, now) : undefined;
  const left = [r.requestsRemaining !== undefined ? `${formatCompact(r.requestsRemaining)} requests` : '', r.tokensRemaining !== undefined ? `${formatCompact(r.tokensRemaining)} tokens` : ''].filter(Boolean);
  if (left.length === 0) return undefined;
  // A used-up limit is already the health line's reason ("Held back until …"); this line gives the numbers behind it.
  return { text: `Headroom: ${left.join(' · ')}${reset ? `, resets ${reset}` : ''}`, held: r.limitedBy !== undefined };
}

export function providerViews(store: DashboardStore, now: number): ProviderView[] {
  return store.providers.map((p, i) => {
    const st = store.stats.get(p.id) ?? EMPTY_STATS;
    const health = p.health.state;
    const err = p.lastError;
    const simulated = store.playground?.providers.find((s) => s.id === p.id);
    return {
      id: p.id,
      subtitle: `${p.kind} · ${p.model}`,
      baseUrl: p.baseUrl,
      colorIndex: i % PALETTE_SIZE,
      health,
      healthLabel: HEALTH_LABEL[health],
      stateDetail: stateDetail(p, now),
      reason: p.health.reason,
      lastError: err ? { errorClass: err.errorClass, advice: err.advice, message: err.message, when: formatAgo(err.at, now) } : undefined,
      requests: formatCount(st.requests),
      errorRate: formatPercent(st.errorRate),
      usesKey: p.usesKey,
      playground: simulated && store.playground ? { mode: simulated.mode, modes: store.playground.modes } : undefined,
      retries: formatCount(st.retries),
      fallbacks: formatCount(st.fallbacks),
      latency: { p50: formatMs(st.latency.p50), p95: formatMs(st.latency.p95), p99: formatMs(st.latency.p99) },
      ttft: { p50: formatMs(st.ttft.p50), p95: formatMs(st.ttft.p95), p99: formatMs(st.ttft.p99) },
      errorClasses: st.errorsByClass.length === 0 ? '' : `Errors: ${st.errorsByClass.map((e) => `${humanize(e.errorClass)} ×${formatCount(e.count)}`).join(' · ')}`,
      headroom: headroomView(p, now),
      keys: p.keys && `Keys: ${p.keys.map((k) => `${k.label} ${k.coolingDownUntil !== undefined && k.coolingDownUntil > now ? `cooling down until ${formatClock(k.coolingDownUntil, now)}${k.reason ? ` (${humanize(k.reason)})` : ''}` : k.active ? 'serving' : 'ready'}`).join(' · ')}`,
      isolated: p.breaker.state === 'isolated',
    };
  });
}

export interface SummaryView {
  healthy: number;
  total: number;
  headline: string;
  overall: OverallHealth;
  /** Hover text: why each provider that is not healthy is not. */
  why: string;
  requests: string;
  /** Requests that failed after every fallback / requests. */
  requestErrorRate: string;
  /** e.g. "4 of 4 answered". */
  requestDetail: string;
  /** Failed provider calls / provider calls: high while fallbacks still answer every request. */
  attemptErrorRate: string;
  attemptDetail: string;
  p95: string;
  costToday: string;
  cacheHitRate: string;
}

export function summaryView(store: DashboardStore): SummaryView {
  const { healthy, total, headline, overall } = summarizeHealth(store.providers.map((p) => p.health.state));
  return {
    healthy,
    total,
    headline,
    overall,
    why: store.providers
      .filter((p) => p.health.state !== 'healthy')
      .map((p) => `${p.id}: ${HEALTH_LABEL[p.health.state].toLowerCase()} — ${p.health.reason}`)
      .join('\n'),
    requests: formatCount(store.routed.requests),
    requestErrorRate: formatPercent(store.routed.errorRate),
    requestDetail: `${formatCount(store.routed.answered)} of ${formatCount(store.routed.requests)} answered`,
    attemptErrorRate: formatPercent(store.totals.errorRate),
    attemptDetail: attemptDetail(store.totals),
    p95: formatMs(store.totals.latency.p95),
    costToday: formatUsd(store.costs?.today.costUsd ?? 0),
    cacheHitRate: formatPercent(store.cache?.hitRate ?? null),
  };
}

/** Counted like `attemptErrorRate`: a call you cancelled did not fail, so it is named apart. */
function attemptDetail(totals: WindowStatsDto): string {
  const cancelled = totals.errorsByClass.find((e) => e.errorClass === 'cancelled')?.count ?? 0;
  const failed = `${formatCount(totals.errorCount - cancelled)} of ${formatCount(totals.requests - cancelled)} provider calls failed`;
  return cancelled > 0 ? `${failed}, ${formatCount(cancelled)} cancelled` : failed;
}

export type BudgetLevel = 'none' | 'ok' | 'warning' | 'over';

export interface BudgetView {
  period: 'daily' | 'monthly';
  title: string;
  spent: string;
  /** "of $5.00 daily budget", or "no daily budget set". */
  against: string;
  percent: string;
  /** Share of the budget spent, clamped to 0..1 for the bar. */
  fraction: number;
  /** Where the warning threshold sits on the bar, 0..1. */
  warnFraction: number;
  level: BudgetLevel;
  unknownNote?: string;
}

function budgetView(period: 'daily' | 'monthly', spent: PeriodCostsDto, limit: number | undefined, warnAtPercent: number): BudgetView {
  const title = period === 'daily' ? 'Today' : 'This month';
  const unknownNote = spent.unknownCostRequests > 0 ? `${formatCount(spent.unknownCostRequests)} request${spent.unknownCostRequests === 1 ? '' : 's'} at an unknown price not included` : undefined;
  const base = { period, title, spent: formatUsd(spent.costUsd), warnFraction: warnAtPercent / 100, unknownNote };
  if (limit === undefined) return { ...base, against: `no ${period} budget set`, percent: '', fraction: 0, level: 'none' };
  const ratio = limit > 0 ? spent.costUsd / limit : spent.costUsd > 0 ? Infinity : 0;
  const level: BudgetLevel = ratio >= 1 ? 'over' : ratio * 100 >= warnAtPercent ? 'warning' : 'ok';
  return {
    ...base,
    against: `of ${formatUsd(limit)} ${period} budget`,
    percent: Number.isFinite(ratio) ? `${Math.round(ratio * 100)}%` : 'over',
    fraction: Math.min(1, Math.max(0, ratio)),
    level,
  };
}

export interface CostRow {
  key: string;
  provider: string;
  model: string;
  today: string;
  month: string;
  monthRequests: string;
  /** Share of this month's total, 0..1, for the inline bar. */
  share: number;
}

export interface CostView {
  daily: BudgetView;
  monthly: BudgetView;
  warnAt: string;
  /** Per provider and model, most expensive this month first. */
  rows: CostRow[];
}

export function costView(store: DashboardStore): CostView | undefined {
  const c = store.costs;
  if (!c) return undefined;
  const today = new Map<string, number>();
  for (const p of c.today.providers) for (const m of p.models) today.set(`${p.provider}\u0000${m.model}`, m.costUsd);
  const rows: (CostRow & { cost: number })[] = [];
  for (const p of c.month.providers) {
    for (const m of p.models) {
      const key = `${p.provider}\u0000${m.model}`;
      rows.push({
        key,
        provider: p.provider,
        model: m.model,
        today: formatUsd(today.get(key) ?? 0),
        month: formatUsd(m.costUsd),
        monthRequests: formatCount(m.requests),
        share: c.month.costUsd > 0 ? m.costUsd / c.month.costUsd : 0,
        cost: m.costUsd,
      });
    }
  }
  rows.sort((a, b) => b.cost - a.cost || (a.key < b.key ? -1 : 1));
  return {
    daily: budgetView('daily', c.today, c.budget.dailyUsd, c.budget.warnAtPercent),
    monthly: budgetView('monthly', c.month, c.budget.monthlyUsd, c.budget.warnAtPercent),
    warnAt: `${c.budget.warnAtPercent}%`,
    rows: rows.map(({ cost: _cost, ...row }) => row),
  };
}

export interface CacheView {
  enabled: boolean;
  hitRate: string;
  lookups: string;
  entries: string;
  memory: string;
  disk: string;
  evictions: string;
}

export function cacheView(store: DashboardStore): CacheView | undefined {
  const c = store.cache;
  if (!c) return undefined;
  return {
    enabled: c.enabled,
    hitRate: formatPercent(c.hitRate),
    lookups: `${formatCount(c.hits)} hit${c.hits === 1 ? '' : 's'} · ${formatCount(c.misses)} miss${c.misses === 1 ? '' : 'es'}`,
    entries: formatCount(c.entries),
    memory: formatBytes(c.memoryBytes),
    disk: formatBytes(c.diskBytes),
    evictions: formatCount(c.evictions),
  };
}

export interface ProviderCacheRow {
  provider: string;
  share: string;
  saved: string;
}

export interface ProviderCacheView {
  /** Share of all input tokens the providers read from their prompt caches. */
  share: string;
  saved: string;
  writePremium: string;
  netSaved: string;
  tokens: string;
  /** Providers whose caches read or wrote anything, most saved first. */
  rows: ProviderCacheRow[];
}

/** The providers' own prompt caches (not the response cache): how much input they served and what it saved. */
export function providerCacheView(store: DashboardStore): ProviderCacheView {
  const t = store.totals.providerCache;
  const rows = [...store.stats]
    .filter(([, s]) => s.providerCache.cachedInputTokens > 0 || s.providerCache.cacheWriteTokens > 0)
    .sort(([a, x], [b, y]) => y.providerCache.savedUsd - x.providerCache.savedUsd || (a < b ? -1 : 1))
    .map(([provider, s]) => ({ provider, share: formatPercent(s.providerCache.share), saved: formatUsd(s.providerCache.savedUsd) }));
  const net = t.netSavedUsd;
  return {
    share: formatPercent(t.share),
    saved: formatUsd(t.savedUsd),
    writePremium: formatUsd(t.writePremiumUsd),
    netSaved: net < 0 ? `−${formatUsd(-net)}` : formatUsd(net),
    tokens: `${formatCount(t.cachedInputTokens)} of ${formatCount(t.inputTokens)} input tokens read from provider caches · ${formatCount(t.cacheWriteTokens)} written`,
    rows,
  };
}

export type Severity = 'info' | 'ok' | 'warning' | 'error';

export interface EventView {
  id: number;
  kind: LogEventKind;
  severity: Severity;
  time: string;
  ago: string;
  text: string;
}

export interface EventFilter {
  /** Kinds to show; empty shows all. */
  kinds: readonly LogEventKind[];
  /** Case-insensitive text the event must contain (provider, model, error class…). */
  text: string;
  /** Only events about this provider; '' for all. */
  provider: string;
}

/** The provider filter only keeps a provider that is still configured: a removed one leaves the filter. */
export function effectiveFilter(store: DashboardStore, filter: EventFilter): EventFilter {
  return filter.provider && !store.providers.some((p) => p.id === filter.provider) ? { ...filter, provider: '' } : filter;
}

function mentions(e: LogEventDto, provider: string): boolean {
  if (e.kind === 'fallback') return e.from === provider || e.to === provider;
  return e.kind !== 'budget' && e.provider === provider;
}

function eventText(e: LogEventDto): { text: string; severity: Severity } {
  switch (e.kind) {
    case 'fallback':
      return { text: `Fell back from ${e.from} to ${e.to} (${humanize(e.errorClass)})`, severity: 'warning' };
    case 'breaker':
      if (e.to === 'open') return { text: `Breaker of ${e.provider} opened (${humanize(e.reason)})`, severity: 'error' };
      if (e.to === 'half-open') return { text: `Breaker of ${e.provider} half-open: sending a probe`, severity: 'warning' };
      if (e.to === 'isolated') return { text: `${e.provider} isolated: no requests until restored`, severity: 'info' };
      if (e.from === 'isolated') return { text: `${e.provider} restored`, severity: 'ok' };
      return { text: `Breaker of ${e.provider} closed (${humanize(e.reason)})`, severity: 'ok' };
    case 'budget': {
      const name = e.budget === 'daily' ? 'Daily' : 'Monthly';
      return { text: `${name} budget at ${Math.round(e.percent)}%: ${formatUsd(e.spentUsd)} of ${formatUsd(e.limitUsd)}`, severity: e.percent >= 100 ? 'error' : 'warning' };
    }
    case 'failure':
      return { text: `${e.provider} (${e.model}) failed after ${formatMs(e.latencyMs)}: ${humanize(e.errorClass)}`, severity: 'error' };
  }
}

/** Newest first, filtered. */
export function eventViews(store: DashboardStore, wanted: EventFilter, now: number, limit = 200): EventView[] {
  const filter = effectiveFilter(store, wanted);
  const needle = filter.text.trim().toLowerCase();
  const out: EventView[] = [];
  for (let i = store.events.length - 1; i >= 0 && out.length < limit; i--) {
    const e = store.events[i];
    if (filter.kinds.length > 0 && !filter.kinds.includes(e.kind)) continue;
    if (filter.provider && !mentions(e, filter.provider)) continue;
    const { text, severity } = eventText(e);
    if (needle && !`${text} ${e.kind}`.toLowerCase().includes(needle)) continue;
    out.push({ id: e.id, kind: e.kind, severity, time: formatClock(e.at, now), ago: formatAgo(e.at, now), text });
  }
  return out;
}

export type Percentile = 'p50' | 'p95' | 'p99';

export interface ChartPoint {
  t: number;
  y: number | null;
  /** Bottom of a stacked area or bar; 0 when absent. */
  y0?: number;
}

export interface ChartSeries {
  key: string;
  label: string;
  /** Palette slot, or a semantic colour. */
  color: number | 'ok' | 'error';
  points: ChartPoint[];
  /** The latest value, formatted, for the legend. */
  latest: string;
}

export interface ChartData {
  from: number;
  to: number;
  series: ChartSeries[];
  /** Bar charts: the width of one bar in ms. */
  bucketMs?: number;
}

function range(store: DashboardStore, now: number): { from: number; to: number } {
  return { from: minuteStart(now - WINDOW_MS[store.window]), to: now };
}

/** One line per provider: the chosen latency percentile per minute. */
export function latencyChart(store: DashboardStore, percentile: Percentile, now: number): ChartData {
  const series = store.providers.map((p, i): ChartSeries => {
    const points = (store.history.get(p.id) ?? []).filter((pt) => pt[percentile] !== null).map((pt) => ({ t: pt.t, y: pt[percentile] }));
    const last = points[points.length - 1];
    return { key: p.id, label: p.id, color: i % PALETTE_SIZE, points, latest: last ? formatMs(last.y) : '—' };
  });
  return { ...range(store, now), series };
}

/** Bar width per window: a minute up to an hour, a quarter hour for a day (96 bars). */
function bucketMsFor(window: DashboardWindow): number {
  return window === '24h' ? 15 * MINUTE_MS : MINUTE_MS;
}

/** Requests of all providers per bucket, stacked: successful below, failed on top. */
export function trafficChart(store: DashboardStore, now: number): ChartData {
  const bucketMs = bucketMsFor(store.window);
  const sums = new Map<number, { ok: number; errors: number }>();
  for (const points of store.history.values()) {
    for (const p of points) {
      const b = Math.floor(p.t / bucketMs) * bucketMs;
      const s = sums.get(b) ?? { ok: 0, errors: 0 };
      s.ok += p.requests - p.errors;
      s.errors += p.errors;
      sums.set(b, s);
    }
  }
  const buckets = [...sums.entries()].sort((a, b) => a[0] - b[0]);
  const ok = buckets.map(([t, s]) => ({ t, y: s.ok, y0: 0 }));
  const errors = buckets.map(([t, s]) => ({ t, y: s.ok + s.errors, y0: s.ok }));
  return {
    ...range(store, now),
    bucketMs,
    series: [
      { key: 'ok', label: 'Succeeded', color: 'ok', points: ok, latest: formatCount(store.totals.successes) },
      { key: 'errors', label: 'Failed', color: 'error', points: errors, latest: formatCount(store.totals.errorCount) },
    ],
  };
}

/** Spend accumulated over the window, stacked by provider. */
export function costChart(store: DashboardStore, now: number): ChartData {
  const times = [...new Set([...store.history.values()].flatMap((pts) => pts.map((p) => p.t)))].sort((a, b) => a - b);
  const { from, to } = range(store, now);
  const grid = [from, ...times.filter((t) => t > from), to];
  const below = grid.map(() => 0);
  const series = store.providers.map((p, i): ChartSeries => {
    const byT = new Map((store.history.get(p.id) ?? []).map((pt) => [pt.t, pt.costUsd]));
    let sum = 0;
    const points = grid.map((t, k) => {
      sum += byT.get(t) ?? 0;
      const y0 = below[k];
      below[k] = y0 + sum;
      return { t, y: y0 + sum, y0 };
    });
    return { key: p.id, label: p.id, color: i % PALETTE_SIZE, points, latest: formatUsd(sum) };
  });
  return { from, to, series };
}
