import assert from 'node:assert/strict';
import { DDSketch } from '@datadog/sketches-js';
import { RELATIVE_ACCURACY, SparseSketch, type Percentiles } from '../../src/engine/metrics/percentiles';

/** Park–Miller generator: the same samples on every run. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
}

function lognormal(n: number, seed: number, mu = 6, sigma = 0.8): number[] {
  const rnd = seeded(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const z = Math.sqrt(-2 * Math.log(rnd())) * Math.cos(2 * Math.PI * rnd());
    out.push(Math.exp(mu + sigma * z));
  }
  return out;
}

function exact(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))];
}

function assertClose(actual: number | null, expected: number, tolerance: number, label: string): void {
  assert.notEqual(actual, null, `${label} is null`);
  const rel = Math.abs((actual as number) - expected) / expected;
  assert.ok(rel <= tolerance, `${label}: ${actual} vs exact ${expected} (relative error ${rel.toFixed(4)})`);
}

const QS: [keyof Percentiles, number][] = [
  ['p50', 0.5],
  ['p90', 0.9],
  ['p95', 0.95],
  ['p99', 0.99],
];

describe('SparseSketch percentiles', () => {
  it('reports p50/p90/p95/p99 of 10,000 lognormal latencies within 1% of the exact values', () => {
    const samples = lognormal(10_000, 42);
    const s = new SparseSketch();
    for (const v of samples) s.add(v);
    const p = s.quantiles();
    for (const [name, q] of QS) assertClose(p[name], exact(samples, q), RELATIVE_ACCURACY * 1.001, name);
  });

  it('reports percentiles of 10,000 uniform samples in [10, 30000) ms within 1% of the exact values', () => {
    const rnd = seeded(7);
    const samples = Array.from({ length: 10_000 }, () => 10 + rnd() * 29_990);
    const s = new SparseSketch();
    for (const v of samples) s.add(v);
    const p = s.quantiles();
    for (const [name, q] of QS) assertClose(p[name], exact(samples, q), RELATIVE_ACCURACY * 1.001, name);
  });

  it('gives exactly the values a DDSketch fed the same samples gives', () => {
    const samples = lognormal(5_000, 3, 4, 1.5).concat([0, 0, 0]);
    const s = new SparseSketch();
    const dd = new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY });
    for (const v of samples) {
      s.add(v);
      dd.accept(v);
    }
    const p = s.quantiles();
    for (const [name, q] of QS) assert.equal(p[name], dd.getValueAtQuantile(q), name);
  });

  it('merges two halves into the same percentiles as one sketch of all samples', () => {
    const samples = lognormal(4_000, 11);
    const whole = new SparseSketch();
    const a = new SparseSketch();
    const b = new SparseSketch();
    samples.forEach((v, i) => {
      whole.add(v);
      (i % 2 ? a : b).add(v);
    });
    a.merge(b);
    assert.equal(a.count, 4_000);
    assert.deepEqual(a.quantiles(), whole.quantiles());
  });

  it('survives toJSON/fromJSON with identical percentiles and count', () => {
    const s = new SparseSketch();
    for (const v of lognormal(1_000, 5)) s.add(v);
    s.add(0);
    const back = SparseSketch.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
    assert.equal(back.count, s.count);
    assert.deepEqual(back.quantiles(), s.quantiles());
  });

  it('returns null percentiles when empty and ignores NaN and Infinity', () => {
    const s = new SparseSketch();
    s.add(Number.NaN);
    s.add(Infinity);
    assert.equal(s.count, 0);
    assert.deepEqual(s.quantiles(), { p50: null, p90: null, p95: null, p99: null });
  });

  it('reports 0 for percentiles that fall among zero-latency samples', () => {
    const s = new SparseSketch();
    for (let i = 0; i < 60; i++) s.add(0);
    for (let i = 0; i < 40; i++) s.add(500);
    const p = s.quantiles();
    assert.equal(p.p50, 0);
    assertClose(p.p90, 500, RELATIVE_ACCURACY, 'p90');
  });

  it('keeps memory bounded: 100,000 samples occupy no more bins than the value range needs', () => {
    const s = new SparseSketch();
    const rnd = seeded(9);
    for (let i = 0; i < 100_000; i++) s.add(1 + rnd() * 59_999);
    // log(60000) / log((1+a)/(1-a)) ≈ 550 distinct keys between 1 ms and 60 s.
    assert.ok(s.bins.size < 600, `bins: ${s.bins.size}`);
    assert.equal(s.count, 100_000);
  });
});
