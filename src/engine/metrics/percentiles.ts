import { DDSketch } from '@datadog/sketches-js';

/** Every reported percentile is within 1% of a true sample value near that rank. */
export const RELATIVE_ACCURACY = 0.01;

// DDSketch's logarithmic index: the same mapping (and so the same guarantee) as a DDSketch built with this accuracy.
const mapping = new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY }).mapping;

export interface Percentiles {
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
}

/** Serialised sketch: `bins` is a flat list of [DDSketch key, count] pairs. */
export interface SketchJSON {
  zeros: number;
  bins: number[];
}

const QUANTILES = [0.5, 0.9, 0.95, 0.99] as const;

/**
 * A DDSketch kept as a sparse map from DDSketch bin key to count. A minute bucket sees a handful of samples,
 * and DDSketch's dense store allocates at least 128 bins (~3 KB) per sketch, so the sparse form keeps a day of
 * per-minute, per-model sketches small. Merging adds counts per key, which is exact, and memory is bounded by
 * the number of distinct keys (a few hundred across the whole range of plausible latencies).
 */
export class SparseSketch {
  count = 0;
  zeros = 0;
  readonly bins = new Map<number, number>();

  add(value: number): void {
    if (!(value < Infinity)) return; // NaN and Infinity carry no usable latency
    this.count++;
    if (value > mapping.minPossible) {
      const key = mapping.key(value);
      this.bins.set(key, (this.bins.get(key) ?? 0) + 1);
    } else {
      this.zeros++;
    }
  }

  merge(other: SparseSketch): void {
    this.count += other.count;
    this.zeros += other.zeros;
    for (const [key, n] of other.bins) this.bins.set(key, (this.bins.get(key) ?? 0) + n);
  }

  /** Same rank rule as DDSketch.getValueAtQuantile: the bin holding rank q·(count−1). */
  quantiles(): Percentiles {
    if (this.count === 0) return { p50: null, p90: null, p95: null, p99: null };
    const bins = [...this.bins].sort((a, b) => a[0] - b[0]);
    const out: number[] = [];
    let seen = this.zeros;
    let i = 0;
    for (const q of QUANTILES) {
      const rank = q * (this.count - 1);
      if (rank < this.zeros) {
        out.push(0);
        continue;
      }
      while (i < bins.length - 1 && seen + bins[i][1] <= rank) seen += bins[i++][1];
      out.push(mapping.value(bins[i][0]));
    }
    return { p50: out[0], p90: out[1], p95: out[2], p99: out[3] };
  }

  toJSON(): SketchJSON {
    const bins: number[] = [];
    for (const [key, n] of this.bins) bins.push(key, n);
    return { zeros: this.zeros, bins };
  }

  static fromJSON(json: SketchJSON): SparseSketch {
    const s = new SparseSketch();
    s.zeros = json.zeros;
    s.count = json.zeros;
    for (let i = 0; i + 1 < json.bins.length; i += 2) {
      const key = json.bins[i];
      const n = json.bins[i + 1];
      s.bins.set(key, (s.bins.get(key) ?? 0) + n);
      s.count += n;
    }
    return s;
  }
}
