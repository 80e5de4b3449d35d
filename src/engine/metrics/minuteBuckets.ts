import { MetricCell } from './metricCell';
import type { RequestRecord } from './metricsTypes';

export const MINUTE_MS = 60_000;
/** Minute buckets are kept for the current minute plus this many before it (24 h). */
export const RETAIN_MINUTES = 24 * 60;
/** Past this many models under one provider, further ones are counted together, so memory stays bounded. */
export const MAX_MODELS_PER_PROVIDER = 64;
export const OTHER_MODELS = '(other models)';

export function minuteOf(ms: number): number {
  return Math.floor(ms / MINUTE_MS);
}

function bump(counts: Map<string, number>, key: string, n: number): void {
  counts.set(key, (counts.get(key) ?? 0) + n);
}

export class ProviderTally {
  readonly models = new Map<string, MetricCell>();
  /** Breaker transitions by the state entered. */
  readonly breaker = new Map<string, number>();

  cell(model: string): MetricCell {
    let c = this.models.get(model);
    if (c) return c;
    const key = this.models.size < MAX_MODELS_PER_PROVIDER ? model : OTHER_MODELS;
    c = this.models.get(key);
    if (!c) {
      c = new MetricCell();
      this.models.set(key, c);
    }
    return c;
  }

  merge(o: ProviderTally): void {
    for (const [model, cell] of o.models) this.cell(model).merge(cell);
    for (const [state, n] of o.breaker) bump(this.breaker, state, n);
  }
}

/** Everything counted in one minute, or all time. */
export class Tally {
  readonly providers = new Map<string, ProviderTally>();
  cacheHits = 0;
  cacheMisses = 0;

  provider(id: string): ProviderTally {
    let p = this.providers.get(id);
    if (!p) {
      p = new ProviderTally();
      this.providers.set(id, p);
    }
    return p;
  }

  merge(o: Tally): void {
    for (const [id, p] of o.providers) this.provider(id).merge(p);
    this.cacheHits += o.cacheHits;
    this.cacheMisses += o.cacheMisses;
  }

  get isEmpty(): boolean {
    return this.providers.size === 0 && this.cacheHits === 0 && this.cacheMisses === 0;
  }
}

/**
 * Per-minute tallies (keyed by minute number, epoch ms / 60 000) plus all-time totals. Every record goes to
 * all-time; it goes to a minute only when the caller passes one (records older than the retention are not kept
 * per minute).
 */
export class MetricsData {
  readonly minutes = new Map<number, Tally>();
  readonly allTime = new Tally();
  /** Epoch ms of the earliest record counted in allTime. */
  since: number | undefined;
  // Bounds of the minute keys, so that pruning is free when nothing has expired.
  private lowest = Infinity;
  private highest = -Infinity;

  recordRequest(r: RequestRecord, at: number, minute: number | undefined): void {
    this.noteTime(at);
    this.allTime.provider(r.provider).cell(r.model).add(r);
    if (minute !== undefined) this.minute(minute).provider(r.provider).cell(r.model).add(r);
  }

  recordBreakerTransition(provider: string, to: string, at: number, minute: number | undefined): void {
    this.noteTime(at);
    bump(this.allTime.provider(provider).breaker, to, 1);
    if (minute !== undefined) bump(this.minute(minute).provider(provider).breaker, to, 1);
  }

  recordCache(hit: boolean, at: number, minute: number | undefined): void {
    this.noteTime(at);
    if (hit) this.allTime.cacheHits++;
    else this.allTime.cacheMisses++;
    if (minute === undefined) return;
    const t = this.minute(minute);
    if (hit) t.cacheHits++;
    else t.cacheMisses++;
  }

  minute(m: number): Tally {
    let t = this.minutes.get(m);
    if (!t) {
      t = new Tally();
      this.minutes.set(m, t);
      if (m < this.lowest) this.lowest = m;
      if (m > this.highest) this.highest = m;
    }
    return t;
  }

  merge(o: MetricsData): void {
    for (const [m, t] of o.minutes) this.minute(m).merge(t);
    this.allTime.merge(o.allTime);
    if (o.since !== undefined) this.noteTime(o.since);
  }

  /** Drops minutes outside the retention; far-future ones too (another process's clock was badly wrong). */
  prune(nowMs: number): void {
    const now = minuteOf(nowMs);
    const first = now - RETAIN_MINUTES;
    const last = now + RETAIN_MINUTES;
    if (this.lowest >= first && this.highest <= last) return;
    if (this.highest <= last && first - this.lowest <= this.minutes.size) {
      // The usual case, the oldest minute or two expiring: delete by key instead of walking the whole map.
      for (let m = this.lowest; m < first; m++) this.minutes.delete(m);
      this.lowest = first; // a lower bound is all the check above needs
      return;
    }
    this.lowest = Infinity;
    this.highest = -Infinity;
    for (const m of this.minutes.keys()) {
      if (m < first || m > last) {
        this.minutes.delete(m);
      } else {
        if (m < this.lowest) this.lowest = m;
        if (m > this.highest) this.highest = m;
      }
    }
  }

  get isEmpty(): boolean {
    return this.allTime.isEmpty;
  }

  private noteTime(at: number): void {
    if (this.since === undefined || at < this.since) this.since = at;
  }
}
