import { noSignals, QUALITY_SIGNALS, type QualitySignal, type QualitySignals } from './qualitySignals';

/** One provider and model's signals, each weighted as of `at` (epoch ms). */
export interface QualityCell {
  provider: string;
  model: string;
  at: number;
  signals: QualitySignals;
}

/** Below this total weight a cell says nothing any more (one result after ~10 half-lives) and is dropped. */
const FORGOTTEN_BELOW = 0.001;

/**
 * Weight of a result `ageMs` old: halved every `halfLifeMs`. Decay by time, not by count, because then two
 * processes' tallies merge by bringing both to one moment and adding, whatever order their results came in.
 */
export function decayFactor(ageMs: number, halfLifeMs: number): number {
  return ageMs <= 0 ? 1 : 2 ** (-ageMs / halfLifeMs);
}

/** One key per provider and model. */
export function cellKey(provider: string, model: string): string {
  return `${provider}\u0000${model}`;
}

/** Signals per provider and model, exponentially decayed; mergeable across processes like the metrics. */
export class QualityData {
  readonly cells = new Map<string, QualityCell>();

  get isEmpty(): boolean {
    return this.cells.size === 0;
  }

  /** Puts a cell as read from the store. */
  restore(cell: QualityCell): void {
    this.cells.set(cellKey(cell.provider, cell.model), cell);
  }

  add(provider: string, model: string, signal: QualitySignal, at: number, halfLifeMs: number): void {
    const cell = this.cellAt(provider, model, at, halfLifeMs);
    cell.signals[signal] += decayFactor(cell.at - at, halfLifeMs);
  }

  /** Adds `other`'s signals into this one, each cell brought to the later of the two moments first. */
  merge(other: QualityData, halfLifeMs: number): void {
    for (const c of other.cells.values()) {
      const cell = this.cellAt(c.provider, c.model, c.at, halfLifeMs);
      const f = decayFactor(cell.at - c.at, halfLifeMs);
      for (const s of QUALITY_SIGNALS) cell.signals[s] += c.signals[s] * f;
    }
  }

  /** The cell's signals weighted as of `now`, or undefined when nothing is known. */
  signalsAt(provider: string, model: string, now: number, halfLifeMs: number): QualitySignals | undefined {
    const cell = this.cells.get(cellKey(provider, model));
    return cell && scaled(cell.signals, decayFactor(now - cell.at, halfLifeMs));
  }

  /** Drops cells whose results have all but faded. */
  prune(now: number, halfLifeMs: number): void {
    for (const [key, cell] of this.cells) {
      const total = QUALITY_SIGNALS.reduce((sum, s) => sum + cell.signals[s], 0);
      if (total * decayFactor(now - cell.at, halfLifeMs) < FORGOTTEN_BELOW) this.cells.delete(key);
    }
  }

  /** The cell, brought forward to `at` when it is older. */
  private cellAt(provider: string, model: string, at: number, halfLifeMs: number): QualityCell {
    const key = cellKey(provider, model);
    let cell = this.cells.get(key);
    if (!cell) {
      cell = { provider, model, at, signals: noSignals() };
      this.cells.set(key, cell);
    } else if (at > cell.at) {
      cell.signals = scaled(cell.signals, decayFactor(at - cell.at, halfLifeMs));
      cell.at = at;
    }
    return cell;
  }
}

function scaled(signals: QualitySignals, factor: number): QualitySignals {
  const out = noSignals();
  for (const s of QUALITY_SIGNALS) out[s] = signals[s] * factor;
  return out;
}
