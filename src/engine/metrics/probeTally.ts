import type { ProbeStats } from './metricsTypes';

/** Background health probes per provider, kept apart from user requests so they never move error rates or latency percentiles. */
export class ProbeTally {
  private readonly byProvider = new Map<string, ProbeStats>();

  record(provider: string, ok: boolean, latencyMs: number, at: number): void {
    const stats = this.byProvider.get(provider) ?? { probes: 0, failures: 0, lastOk: ok, lastLatencyMs: latencyMs, lastAt: at };
    stats.probes++;
    if (!ok) stats.failures++;
    stats.lastOk = ok;
    stats.lastLatencyMs = latencyMs;
    stats.lastAt = at;
    this.byProvider.set(provider, stats);
  }

  snapshot(): Record<string, ProbeStats> {
    return Object.fromEntries([...this.byProvider].map(([id, s]) => [id, { ...s }]));
  }
}
