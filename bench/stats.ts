/** Nearest-rank quantile (q in 0..1) of unsorted samples; NaN when empty. */
export function quantile(samples: ArrayLike<number>, q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function median(samples: ArrayLike<number>): number {
  return quantile(samples, 0.5);
}

export function elapsedMs(fromNs: bigint): number {
  return Number(process.hrtime.bigint() - fromNs) / 1e6;
}

/** Runs `total` calls of `fn` with `concurrency` workers; resolves with the wall time in ms. */
export async function runConcurrent(total: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    while (next < total) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return elapsedMs(started);
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
