import type { RouterEngine } from '../../engine/engine';
import type { MetricsSnapshot } from '../../engine/metrics/metricsTypes';
import type { LatestFailures } from './latestFailures';
import { hostMessageSchema, WINDOW_MS, type DashboardWindow, type DeltaMessage, type HistoryPointDto, type HostMessage, type LogEventDto, type PlaygroundMessage, type SnapshotMessage, type TeamDto } from './protocol';
import type { RoutingEventLog } from './routingEventLog';
import { providerWindowStats, toCache, toCosts, toHistoryPoint, toProviderStatus, toRouted, toTeam, toWindowStats } from './toProtocol';

/** What the feed reads: the engine itself, or the extension's host in front of it. */
export type DashboardSource = Pick<RouterEngine, 'ready' | 'alerts' | 'providers' | 'onEvent' | 'metricsSnapshot' | 'metricsHistory' | 'costSummary' | 'cacheStats' | 'cacheEnabled' | 'quality' | 'sharesMetrics' | 'teamMetrics'>;

export interface DashboardFeedOptions {
  source: DashboardSource;
  log: RoutingEventLog;
  failures: LatestFailures;
  post: (message: HostMessage) => void;
  /** Shortest time between two deltas, ms. */
  throttleMs?: number;
  /** How often to look for changes no event announces (an open breaker turning half-open, the window sliding), ms. */
  tickMs?: number;
  /** Window statistics are recomputed no more often than this many times what computing them costs (default 10). */
  statsCostFactor?: number;
  /** How often the team's metrics are read from the shared state while metrics are shared, ms (default 5 s). */
  teamRefreshMs?: number;
  now?: () => number;
  warn?: (message: string) => void;
}

/** What the webview was last sent, as JSON, so a delta carries only what differs. */
interface Sent {
  providerIds: string;
  providers: Map<string, string>;
  stats: Map<string, string>;
  totals: string;
  routed: string;
  costs: string;
  cache: string;
  /** Per provider: the newest minute point sent. */
  lastPoint: Map<string, { t: number; json: string }>;
  lastEventId: number;
  alerts: string;
  quality: string;
  team: string;
}

/**
 * Turns the engine's state into the dashboard's messages: one snapshot when started, then, while the engine
 * reports activity, a delta at most every `throttleMs` with only what changed. Knows nothing of VS Code.
 */
export class DashboardFeed {
  private window: DashboardWindow = '5m';
  private seq = 0;
  private generation = 0;
  private running = false;
  private unsubscribe?: () => void;
  private throttle?: ReturnType<typeof setTimeout>;
  private ticker?: ReturnType<typeof setInterval>;
  private sent?: Sent;
  private readonly historyDirty = new Set<string>();
  private lookups: MetricsSnapshot['cache'] = { hits: 0, misses: 0, hitRate: null };
  private metricsAt = 0;
  private metricsCostMs = 0;
  /** The team's figures for the current window, as last read; they arrive asynchronously, from Redis. */
  private team?: TeamDto;
  private teamReadAt = -Infinity;
  private teamReading = false;
  private readonly now: () => number;
  private readonly throttleMs: number;
  private readonly tickMs: number;
  /** For tests and the inspect command. */
  lastSnapshot?: SnapshotMessage;
  lastDelta?: DeltaMessage;
  lastPlayground?: PlaygroundMessage;
  deltasSent = 0;

  constructor(private readonly opts: DashboardFeedOptions) {
    this.now = opts.now ?? Date.now;
    this.throttleMs = opts.throttleMs ?? 250;
    this.tickMs = opts.tickMs ?? 1_000;
  }

  get currentWindow(): DashboardWindow {
    return this.window;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Sends a full snapshot (of `window`, or the current one) and keeps the webview up to date from then on. */
  async start(window: DashboardWindow = this.window): Promise<void> {
    if (window !== this.window) this.team = undefined;
    this.window = window;
    this.teamReadAt = -Infinity;
    const generation = ++this.generation;
    await this.opts.source.ready();
    if (generation !== this.generation) return;
    this.running = true;
    this.unsubscribe ??= this.opts.source.onEvent((e) => {
      if (e.type === 'request-finished' && !e.cached) this.historyDirty.add(e.provider);
      this.schedule();
    });
    this.clearThrottle();
    this.postSnapshot();
    this.readTeamIfDue();
    if (!this.ticker) {
      this.ticker = setInterval(() => {
        this.readTeamIfDue();
        if (!this.throttle) this.flush();
      }, this.tickMs);
      this.ticker.unref?.();
    }
  }

  /** Stops sending (the webview is hidden or gone); start() sends a fresh snapshot. */
  stop(): void {
    this.generation++;
    this.running = false;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.clearThrottle();
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    this.sent = undefined;
  }

  /** Sends what changed since the last message, if anything. */
  flush(): void {
    this.clearThrottle();
    const sent = this.sent;
    if (!this.running || !sent) return;
    const { source } = this.opts;
    const statuses = source.providers();
    if (statuses.map((p) => p.id).join('\n') !== sent.providerIds) {
      this.postSnapshot();
      return;
    }
    const delta: Omit<DeltaMessage, 'type' | 'seq' | 'now'> = {};

    const providers = statuses.map((p) => this.status(p)).filter((p) => changed(sent.providers, p.id, p));
    if (providers.length > 0) delta.providers = providers;

    const metrics = this.windowMetricsIfDue();
    if (metrics) {
      const stats = statuses.map((p) => ({ provider: p.id, stats: providerWindowStats(metrics, p.id) })).filter((s) => changed(sent.stats, s.provider, s.stats));
      if (stats.length > 0) delta.stats = stats;
      const totals = toWindowStats(metrics.total);
      const totalsJson = JSON.stringify(totals);
      if (totalsJson !== sent.totals) {
        sent.totals = totalsJson;
        delta.totals = totals;
      }
      const routed = toRouted(metrics.total.routed);
      const routedJson = JSON.stringify(routed);
      if (routedJson !== sent.routed) {
        sent.routed = routedJson;
        delta.routed = routed;
      }
      this.lookups = metrics.cache;
    }

    const history = [...this.historyDirty]
      .filter((id) => statuses.some((p) => p.id === id))
      .map((id) => ({ provider: id, points: this.newPoints(id, sent) }))
      .filter((h) => h.points.length > 0);
    this.historyDirty.clear();
    if (history.length > 0) delta.history = history;

    const costs = toCosts(source.costSummary());
    const costsJson = JSON.stringify(costs);
    if (costsJson !== sent.costs) {
      sent.costs = costsJson;
      delta.costs = costs;
    }
    const cache = toCache(source.cacheStats(), source.cacheEnabled, this.lookups);
    const cacheJson = JSON.stringify(cache);
    if (cacheJson !== sent.cache) {
      sent.cache = cacheJson;
      delta.cache = cache;
    }

    const events = this.opts.log.after(sent.lastEventId);
    if (events.length > 0) {
      sent.lastEventId = events[events.length - 1].id;
      const current = aboutProviders(events, statuses.map((p) => p.id));
      if (current.length > 0) delta.events = current;
    }

    const alerts = source.alerts();
    const alertsJson = JSON.stringify(alerts);
    if (alertsJson !== sent.alerts) {
      sent.alerts = alertsJson;
      delta.alerts = alerts;
    }

    const quality = source.quality();
    const qualityJson = JSON.stringify(quality);
    if (qualityJson !== sent.quality) {
      sent.quality = qualityJson;
      delta.quality = quality;
    }

    const teamJson = JSON.stringify(this.team);
    if (this.team && teamJson !== sent.team) {
      sent.team = teamJson;
      delta.team = this.team;
    }

    if (Object.keys(delta).length === 0) return;
    const message: DeltaMessage = { type: 'delta', seq: ++this.seq, now: this.now(), ...delta };
    if (this.emit(message)) {
      this.lastDelta = message;
      this.deltasSent++;
    }
  }

  /** The playground's failure switches, for the simulated providers' cards. */
  postPlayground(state: Omit<PlaygroundMessage, 'type' | 'seq'>): void {
    const message: PlaygroundMessage = { type: 'playground', seq: ++this.seq, ...state };
    if (this.emit(message)) this.lastPlayground = message;
  }

  /** Tells the webview about a problem (e.g. an action that failed). */
  postError(message: string): void {
    this.emit({ type: 'error', seq: ++this.seq, message: message.slice(0, 1000) });
  }

  dispose(): void {
    this.stop();
  }

  private schedule(): void {
    if (!this.running || this.throttle) return;
    this.throttle = setTimeout(() => this.flush(), this.throttleMs);
  }

  private clearThrottle(): void {
    if (this.throttle) clearTimeout(this.throttle);
    this.throttle = undefined;
  }

  private postSnapshot(): void {
    const { source, log } = this.opts;
    const now = this.now();
    const statuses = source.providers();
    const metrics = this.windowMetrics();
    this.lookups = metrics.cache;
    const since = now - WINDOW_MS[this.window];
    const snapshot: SnapshotMessage = {
      type: 'snapshot',
      seq: ++this.seq,
      now,
      window: this.window,
      providers: statuses.map((p) => this.status(p)),
      stats: statuses.map((p) => ({ provider: p.id, stats: providerWindowStats(metrics, p.id) })),
      totals: toWindowStats(metrics.total),
      routed: toRouted(metrics.total.routed),
      history: statuses.map((p) => ({ provider: p.id, points: source.metricsHistory(p.id, since).map(toHistoryPoint) })),
      costs: toCosts(source.costSummary()),
      cache: toCache(source.cacheStats(), source.cacheEnabled, metrics.cache),
      // Providers removed from the settings leave the log with their cards.
      events: aboutProviders(log.after(0), statuses.map((p) => p.id)),
      alerts: source.alerts(),
      quality: source.quality(),
      ...(this.team ? { team: this.team } : {}),
    };
    this.historyDirty.clear();
    this.sent = {
      providerIds: statuses.map((p) => p.id).join('\n'),
      providers: new Map(snapshot.providers.map((p) => [p.id, JSON.stringify(p)])),
      stats: new Map(snapshot.stats.map((s) => [s.provider, JSON.stringify(s.stats)])),
      totals: JSON.stringify(snapshot.totals),
      routed: JSON.stringify(snapshot.routed),
      costs: JSON.stringify(snapshot.costs),
      cache: JSON.stringify(snapshot.cache),
      lastPoint: new Map(snapshot.history.flatMap((h) => (h.points.length > 0 ? [[h.provider, pointEntry(h.points[h.points.length - 1])] as const] : []))),
      lastEventId: log.lastId,
      alerts: JSON.stringify(snapshot.alerts),
      quality: JSON.stringify(snapshot.quality),
      team: JSON.stringify(snapshot.team),
    };
    if (this.emit(snapshot)) this.lastSnapshot = snapshot;
  }

  private status(p: ReturnType<DashboardSource['providers']>[number]) {
    return toProviderStatus(p, this.opts.failures.of(p.id));
  }

  private windowMetrics(): MetricsSnapshot {
    const started = performance.now();
    const metrics = this.opts.source.metricsSnapshot(this.window);
    this.metricsCostMs = performance.now() - started;
    this.metricsAt = this.now();
    return metrics;
  }

  /**
   * Reads the team's figures in the background, at most every `teamRefreshMs` and one read at a time; the result goes
   * out with the next delta. A read Redis does not answer keeps the figures last shown.
   */
  private readTeamIfDue(): void {
    const { source } = this.opts;
    if (!source.sharesMetrics || this.teamReading || this.now() - this.teamReadAt < (this.opts.teamRefreshMs ?? 5_000)) return;
    this.teamReading = true;
    this.teamReadAt = this.now();
    const generation = this.generation;
    const window = this.window;
    source
      .teamMetrics(window)
      .then((team) => {
        if (!team || generation !== this.generation || window !== this.window) return;
        this.team = toTeam(team);
        this.schedule();
      })
      .catch((err: unknown) => this.opts.warn?.(`Dashboard: could not read the team's metrics (${(err as Error).message}).`))
      .finally(() => (this.teamReading = false));
  }

  /**
   * The window's statistics merge every minute bucket of the window: about a millisecond for 5 minutes, tens for
   * a busy day. Recomputing them no more often than ten times their cost keeps a live 24 h view under ~10% CPU.
   */
  private windowMetricsIfDue(): MetricsSnapshot | undefined {
    return this.now() - this.metricsAt >= (this.opts.statsCostFactor ?? 10) * this.metricsCostMs ? this.windowMetrics() : undefined;
  }

  /** Minute points after the last one sent, and the last one again if it grew since. */
  private newPoints(id: string, sent: Sent): HistoryPointDto[] {
    const last = sent.lastPoint.get(id);
    const since = last?.t ?? this.now() - WINDOW_MS[this.window];
    const points = this.opts.source
      .metricsHistory(id, since)
      .map(toHistoryPoint)
      .filter((p) => !last || p.t > last.t || (p.t === last.t && JSON.stringify(p) !== last.json));
    if (points.length > 0) sent.lastPoint.set(id, pointEntry(points[points.length - 1]));
    return points;
  }

  /** Checks outgoing messages too: a bug here should say so in the log rather than be dropped silently by the webview. */
  private emit(message: HostMessage): boolean {
    const r = hostMessageSchema.safeParse(message);
    if (!r.success) {
      const issue = r.error.issues[0];
      this.opts.warn?.(`Dashboard: not sending an invalid '${message.type}' message (${issue.path.join('.')}: ${issue.message}).`);
      if (message.type !== 'error') this.postError('The dashboard could not show part of the router state; see the LLM Router log.');
      return false;
    }
    this.opts.post(message);
    return true;
  }
}

/** Events about configured providers only (budget events are about none, and stay). */
function aboutProviders(events: LogEventDto[], ids: readonly string[]): LogEventDto[] {
  const known = new Set(ids);
  return events.filter((e) => (e.kind === 'fallback' ? known.has(e.from) && known.has(e.to) : e.kind === 'budget' || known.has(e.provider)));
}

function pointEntry(p: HistoryPointDto): { t: number; json: string } {
  return { t: p.t, json: JSON.stringify(p) };
}

function changed<T>(sent: Map<string, string>, key: string, value: T): boolean {
  const json = JSON.stringify(value);
  if (sent.get(key) === json) return false;
  sent.set(key, json);
  return true;
}
