const WINDOW = 64;

/**
 * The last few latencies per provider in a fixed ring: enough for the `latency` strategy and the
 * hedging trigger (recent p95) without the cost of querying the metrics sketches per request.
 */
export class RecentLatency {
  private readonly rings = new Map<string, { values: Float64Array; next: number; count: number }>();

  record(provider: string, latencyMs: number): void {
    let ring = this.rings.get(provider);
    if (!ring) {
      ring = { values: new Float64Array(WINDOW), next: 0, count: 0 };
      this.rings.set(provider, ring);
    }
    ring.values[ring.next] = latencyMs;
    ring.next = (ring.next + 1) % WINDOW;
    ring.count = Math.min(ring.count + 1, WINDOW);
  }

  samples(provider: string): number {
    return this.rings.get(provider)?.count ?? 0;
  }

  /** The q-quantile (0..1) of the recent window, or undefined without data. */
  quantile(provider: string, q: number): number | undefined {
    const ring = this.rings.get(provider);
    if (!ring || ring.count === 0) return undefined;
    const sorted = Array.from(ring.values.subarray(0, ring.count)).sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  }

  forget(provider: string): void {
    this.rings.delete(provider);
  }
}
