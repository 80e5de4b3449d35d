import * as path from 'node:path';
import { quietSaver, SerialQueue } from '../state/backgroundSave';
import type { FileLockOptions } from './fileLock';
import { loadMetricsFile, mergeIntoMetricsFile, METRICS_FILE_NAME } from './metricsFile';
import { buildHistory, buildSnapshot } from './metricsQuery';
import type { HistoryPoint, MetricsSnapshot, MetricsWindow, RequestRecord } from './metricsTypes';
import { MetricsData, MINUTE_MS, minuteOf, RETAIN_MINUTES } from './minuteBuckets';

export interface MetricsRegistryOptions {
  now?: () => number;
  /** Where `metrics.json` lives. Without it nothing is loaded or saved. */
  stateDir?: string;
  /** Told once about a metrics file that was set aside, and once about failing background saves. */
  warn?: (message: string) => void;
  /** Background save period once something was recorded; 0 turns it off. Default 30 s. */
  flushIntervalMs?: number;
  /** Start of the local calendar day containing `nowMs`, for the 'today' window. */
  startOfDay?: (nowMs: number) => number;
  lock?: FileLockOptions;
}

function localStartOfDay(nowMs: number): number {
  const d = new Date(nowMs);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/**
 * Request metrics per provider and model, by minute for the last 24 h and in all-time totals.
 *
 * Persistence: `base` mirrors the file as of the last load or save, `pending` holds only what this process
 * recorded since. Saving adds `pending` to whatever is on disk at that moment (under a lock) and adopts the
 * result as `base`, so processes sharing a state dir add up their counts instead of overwriting each other,
 * and each sees the others' counts after its next load or save. Queries merge `base` and `pending`.
 */
export class MetricsRegistry {
  readonly file: string | undefined;
  private readonly now: () => number;
  private readonly warn: (message: string) => void;
  private readonly flushIntervalMs: number;
  private readonly startOfDay: (nowMs: number) => number;
  private readonly lock: FileLockOptions | undefined;
  private base = new MetricsData();
  private pending = new MetricsData();
  private oldestMinute = -Infinity;
  private prunedAtMinute = Number.NaN;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly queue = new SerialQueue();
  private readonly saveInBackground = quietSaver(
    () => this.flush(),
    (err) => this.warn(`Could not save metrics to ${this.file}: ${err instanceof Error ? err.message : String(err)}`),
  );

  constructor(options: MetricsRegistryOptions = {}) {
    this.file = options.stateDir === undefined ? undefined : path.join(options.stateDir, METRICS_FILE_NAME);
    this.now = options.now ?? Date.now;
    this.warn = options.warn ?? (() => undefined);
    this.flushIntervalMs = options.flushIntervalMs ?? 30_000;
    this.startOfDay = options.startOfDay ?? localStartOfDay;
    this.lock = options.lock;
  }

  /** A registry with the state dir's saved metrics already loaded. */
  static async open(options: MetricsRegistryOptions = {}): Promise<MetricsRegistry> {
    const registry = new MetricsRegistry(options);
    await registry.load();
    return registry;
  }

  recordRequest(r: RequestRecord): void {
    const now = this.now();
    const at = r.at ?? now;
    this.pending.recordRequest(r, at, this.minuteToKeep(at, now));
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
    return buildSnapshot([this.base, this.pending], window, now, this.startOfDay(now));
  }

  /** Minute points of one provider (all providers summed when omitted) since `sinceMs` (default 24 h ago). */
  history(provider?: string, sinceMs?: number): HistoryPoint[] {
    const now = this.now();
    this.pruneIfMinuteChanged(now);
    return buildHistory([this.base, this.pending], provider, sinceMs ?? now - RETAIN_MINUTES * MINUTE_MS, now);
  }

  /** Reads the file (what this and other processes saved). Unsaved local counts are kept. */
  load(): Promise<void> {
    return this.queue.run(async () => {
      if (this.file === undefined) return;
      this.base = await loadMetricsFile(this.file, this.warn, this.lock);
      this.base.prune(this.now());
    });
  }

  /**
   * Adds what was recorded since the last save to the file and picks up other processes' counts.
   * On failure the unsaved counts are kept for the next attempt, and the error is thrown.
   */
  flush(): Promise<void> {
    return this.queue.run(async () => {
      if (this.file === undefined) return;
      if (this.pending.isEmpty) {
        this.base = await loadMetricsFile(this.file, this.warn, this.lock);
        this.base.prune(this.now());
        return;
      }
      const delta = this.pending;
      this.pending = new MetricsData();
      try {
        this.base = await mergeIntoMetricsFile(this.file, delta, this.now(), this.warn, this.lock);
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
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private recordCache(hit: boolean, at: number | undefined): void {
    const now = this.now();
    const t = at ?? now;
    this.pending.recordCache(hit, t, this.minuteToKeep(t, now));
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
    if (this.timer || this.closed || this.file === undefined || this.flushIntervalMs <= 0) return;
    this.timer = setInterval(this.saveInBackground, this.flushIntervalMs);
    // Saving must not keep a CLI alive; it awaits close() instead.
    this.timer.unref();
  }
}
