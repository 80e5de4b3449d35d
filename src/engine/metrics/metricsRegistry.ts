import { DebouncedSave, SerialQueue } from '../state/backgroundSave';
import type { StateDocument, StateStore } from '../state/stateStore';
import { metricsDocument } from './metricsFile';
import { buildHistory, buildSnapshot, windowMinutes } from './metricsQuery';
import type { HistoryPoint, MetricsSnapshot, MetricsWindow, RequestRecord } from './metricsTypes';
import { MetricsData, MINUTE_MS, minuteOf, RETAIN_MINUTES } from './minuteBuckets';
import { ProbeTally } from './probeTally';
import type { TeamMetricsSink, TeamWindow } from './teamMetrics';

export interface MetricsRegistryOptions {
  now?: () => number;
  /** Where `metrics.json` lives. Without it nothing is loaded or saved. */
  store?: StateStore;
  /** Delay from the first unsaved record to its background save; 0 turns background saving off. Default 30 s. */
  flushIntervalMs?: number;
  /** Start of the local calendar day containing `nowMs`, for the 'today' window. */
  startOfDay?: (nowMs: number) => number;
  /** Also gets every request and cache lookup (not probes) when metrics are shared with a team. */
  team?: TeamMetricsSink;
}

function localStartOfDay(nowMs: number): number {
  const d = new Date(nowMs);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/**
 * Request metrics per provider and model, by minute for the last 24 h and in all-time totals.
 *
 * Persistence: `base` mirrors the store as of the last load or save, `pending` holds only what this process
 * recorded since. Saving adds `pending` to whatever is stored at that moment (in one store update) and adopts
 * the result as `base`, so processes sharing a store add up their counts instead of overwriting each other,
 * and each sees the others' counts after its next load or save. Queries merge `base` and `pending`.
 */
export class MetricsRegistry {
  private readonly store: StateStore | undefined;
  private readonly document: StateDocument<MetricsData>;
  private readonly now: () => number;
  private readonly startOfDay: (nowMs: number) => number;
  private base = new MetricsData();
  private pending = new MetricsData();
  private readonly probes = new ProbeTally();
  private oldestMinute = -Infinity;
  private prunedAtMinute = Number.NaN;
  private closed = false;
  private readonly queue = new SerialQueue();
  private readonly background: DebouncedSave;
  private readonly team: TeamMetricsSink | undefined;

  constructor(options: MetricsRegistryOptions = {}) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.document = metricsDocument(this.now);
    this.startOfDay = options.startOfDay ?? localStartOfDay;
    this.team = options.team;
    this.background = new DebouncedSave(() => this.flush(), options.store ? (options.flushIntervalMs ?? 30_000) : 0);
  }

  /** A registry with the store's saved metrics already loaded. */
  static async open(options: MetricsRegistryOptions = {}): Promise<MetricsRegistry> {
    const registry = new MetricsRegistry(options);
    await registry.load();
    return registry;
  }

  recordRequest(r: RequestRecord): void {
    const now = this.now();
    const at = r.at ?? now;
    if (r.probe) return this.probes.record(r.provider, r.outcome === 'ok', r.latencyMs, at);
    this.pending.recordRequest(r, at, this.minuteToKeep(at, now));
    this.team?.recordRequest(r, at);
    this.noteActivity();
  }

  recordBreakerTransition(provider: string, from: string, to: string, at?: number): void {
    void from; // only the state entered is counted; the parameter keeps call sites self-describing
    const now = this.now();
    const t = at ?? now;
    this.pending.recordBreakerTransition(provider, to, t, this.minuteToKeep(t, now));
    this.noteActivity();
  }

  recordCacheHit(at?: number): void {
    this.recordCache(true, at);
  }

  recordCacheMiss(at?: number): void {
    this.recordCache(false, at);
  }

  snapshot(window: MetricsWindow): MetricsSnapshot {
    const now = this.now();
    this.pruneIfMinuteChanged(now);
    return { ...buildSnapshot([this.base, this.pending], window, now, this.startOfDay(now)), probes: this.probes.snapshot() };
  }

  /** Minute points of one provider (all providers summed when omitted) since `sinceMs` (default 24 h ago). */
  history(provider?: string, sinceMs?: number): HistoryPoint[] {
    const now = this.now();
    this.pruneIfMinuteChanged(now);
    return buildHistory([this.base, this.pending], provider, sinceMs ?? now - RETAIN_MINUTES * MINUTE_MS, now);
  }

  /** The minutes `window` covers now, as team metrics are read by; 'all' for all-time. */
  windowMinutes(window: MetricsWindow): TeamWindow {
    if (window === 'all') return 'all';
    const now = this.now();
    return windowMinutes(window, now, this.startOfDay(now));
  }

  /** Reads what this and other processes saved. Unsaved local counts are kept. */
  load(): Promise<void> {
    return this.queue.run(async () => {
      if (!this.store) return;
      this.base = await this.store.read(this.document);
      this.base.prune(this.now());
    });
  }

  /**
   * Adds what was recorded since the last save to the store and picks up other processes' counts.
   * On failure the unsaved counts are kept for the next attempt, and the error is thrown.
   */
  flush(): Promise<void> {
    this.background.cancel();
    return this.queue.run(async () => {
      const store = this.store;
      if (!store) return;
      if (this.pending.isEmpty) {
        this.base = await store.read(this.document);
        this.base.prune(this.now());
        return;
      }
      const delta = this.pending;
      this.pending = new MetricsData();
      try {
        this.base = await store.update(this.document, (merged) => {
          merged.merge(delta);
          merged.prune(this.now());
          return merged;
        });
      } catch (err) {
        delta.merge(this.pending);
        this.pending = delta;
        throw err;
      }
    });
  }

  /** Stops the background save and saves what is left. A CLI must await this before exiting. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private recordCache(hit: boolean, at: number | undefined): void {
    const now = this.now();
    const t = at ?? now;
    this.pending.recordCache(hit, t, this.minuteToKeep(t, now));
    this.team?.recordCache(hit, t);
    this.noteActivity();
  }

  private minuteToKeep(at: number, now: number): number | undefined {
    this.pruneIfMinuteChanged(now);
    const m = minuteOf(at);
    return m >= this.oldestMinute ? m : undefined;
  }

  private pruneIfMinuteChanged(nowMs: number): void {
    const m = minuteOf(nowMs);
    if (m === this.prunedAtMinute) return;
    this.prunedAtMinute = m;
    this.oldestMinute = m - RETAIN_MINUTES;
    this.base.prune(nowMs);
    this.pending.prune(nowMs);
  }

  private noteActivity(): void {
    if (!this.closed) this.background.schedule();
  }
}
