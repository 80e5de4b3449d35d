import type { EngineStats } from '../engine/engine';

/** The human view of `stats`: one block per provider, then costs and cache. */
export function formatStats(stats: EngineStats): string {
  const lines: string[] = [`LLM Router stats (${stats.window}, ${new Date(stats.generatedAt).toISOString()})`, ''];
  for (const p of stats.providers) {
    lines.push(`${p.id} (${p.kind}, ${p.model}) — breaker ${p.breaker.state} since ${new Date(p.breaker.since).toISOString()}`);
    if (p.breaker.lastError) lines.push(`  last error: ${p.breaker.lastError.errorClass} — ${p.breaker.lastError.message}`);
  }
  return `${lines.join('\n')}\n`;
}
