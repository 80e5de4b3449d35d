import { DebouncedSave, SerialQueue } from '../state/backgroundSave';
import type { StateStore } from '../state/stateStore';
import { cellKey, QualityData } from './qualityData';
import { qualityDocument } from './qualityFile';
import { NEUTRAL_SCORE, qualityScore } from './qualityScore';
import { noSignals, QUALITY_SIGNALS, type QualitySignal, type QualitySignals } from './qualitySignals';

/** One provider and model's place in the ranking, with the signals behind its score (weighted by age). */
export interface QualityRank {
  provider: string;
  model: string;
  score: number;
  signals: QualitySignals;
}

export interface QualityRegistryOptions {
  store?: StateStore;
  now?: () => number;
  /** The half-life of a result's weight, read at each use so a settings change applies at once. */
  halfLifeMs: () => number;
  /** Delay from the first unsaved signal to its background save; 0 turns background saving off. Default 30 s. */
  flushIntervalMs?: number;
}

/**
 * Quality signals per provider and model, kept like the metrics: `base` mirrors the store as of the last load
 * or save, `pending` holds only what this process recorded since, and a save adds `pending` to what is stored,
 * so every window and CLI run adds to one tally.
 */
export class QualityRegistry {
  private base = new QualityData();
  private pending = new QualityData();
  private readonly now: () => number;
  private readonly queue = new SerialQueue();
  private readonly background: DebouncedSave;
  private closed = false;

  constructor(private readonly options: QualityRegistryOptions) {
    this.now = options.now ?? Date.now;
    this.background = new DebouncedSave(() => this.flush(), options.store ? (options.flushIntervalMs ?? 30_000) : 0);
  }

  record(provider: string, model: string, signals: readonly QualitySignal[]): void {
    const now = this.now();
    for (const s of signals) this.pending.add(provider, model, s, now, this.options.halfLifeMs());
    if (!this.closed && signals.length > 0) this.background.schedule();
  }

  /** Whether anything is known about this provider and model. */
  has(provider: string, model: string): boolean {
    return this.signals(provider, model) !== undefined;
  }

  score(provider: string, model: string): number {
    const s = this.signals(provider, model);
    return s ? qualityScore(s) : NEUTRAL_SCORE;
  }

  /**
   * The ranking, best first (ties in the order given): each configured provider's model, neutral when nothing is
   * known, and any other model of those providers that has signals. Providers no longer configured are left out.
   */
  ranking(configured: readonly { provider: string; model: string }[]): QualityRank[] {
    const pairs = new Map(configured.map((p) => [cellKey(p.provider, p.model), p]));
    const ids = new Set(configured.map((p) => p.provider));
    for (const data of [this.base, this.pending]) {
      for (const [key, c] of data.cells) if (ids.has(c.provider) && !pairs.has(key)) pairs.set(key, { provider: c.provider, model: c.model });
    }
    return [...pairs.values()]
      .map(({ provider, model }, index) => {
        const signals = this.signals(provider, model);
        return { index, rank: { provider, model, score: round(signals ? qualityScore(signals) : NEUTRAL_SCORE), signals: roundAll(signals ?? noSignals()) } };
      })
      .sort((a, b) => b.rank.score - a.rank.score || a.index - b.index)
      .map((x) => x.rank);
  }

  load(): Promise<void> {
    return this.queue.run(async () => {
      const store = this.options.store;
      if (store) this.base = await store.read(qualityDocument);
    });
  }

  /** Adds what was recorded since the last save to the store; on failure keeps it for the next attempt and throws. */
  flush(): Promise<void> {
    this.background.cancel();
    return this.queue.run(async () => {
      const store = this.options.store;
      if (!store) return;
      const halfLife = this.options.halfLifeMs();
      if (this.pending.isEmpty) {
        this.base = await store.read(qualityDocument);
        return;
      }
      const delta = this.pending;
      this.pending = new QualityData();
      try {
        this.base = await store.update(qualityDocument, (stored) => {
          stored.merge(delta, halfLife);
          stored.prune(this.now(), halfLife);
          return stored;
        });
      } catch (err) {
        delta.merge(this.pending, halfLife);
        this.pending = delta;
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private signals(provider: string, model: string): QualitySignals | undefined {
    const now = this.now();
    const halfLife = this.options.halfLifeMs();
    const stored = this.base.signalsAt(provider, model, now, halfLife);
    const mine = this.pending.signalsAt(provider, model, now, halfLife);
    if (!stored || !mine) return stored ?? mine;
    for (const s of QUALITY_SIGNALS) stored[s] += mine[s];
    return stored;
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function roundAll(s: QualitySignals): QualitySignals {
  const out = noSignals();
  for (const k of QUALITY_SIGNALS) out[k] = round(s[k]);
  return out;
}
