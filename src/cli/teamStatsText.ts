import type { TeamMetricsSnapshot, TeamStats } from '../engine/metrics/teamMetrics';

const ms = (v: number | null) => (v === null ? '—' : `${Math.round(v)} ms`);

/** The team block of `stats`: the sum over every member sharing metrics, then one line per member, busiest first. */
export function teamLines(team: TeamMetricsSnapshot): string[] {
  const n = team.members.length;
  const lines = [`team (sharedState; ${n} member${n === 1 ? '' : 's'} with requests in the window)`];
  lines.push(`  total${' '.repeat(25)} ${figures(team.total)}`);
  for (const m of team.members) {
    const name = `${m.label}${m.id === team.self ? ' (this machine)' : ''}`;
    lines.push(`  ${name.padEnd(30)} ${figures(m)}`);
  }
  lines.push('');
  return lines;
}

function figures(s: TeamStats): string {
  const r = s.routed;
  const failed = r.failed > 0 ? `, ${r.failed} failed` : '';
  const calls = `${s.requests} provider call${s.requests === 1 ? '' : 's'} (${s.errorCount} failed)`;
  return `${r.requests} requests (${r.answered} answered${failed}), ${calls}, ${s.tokens.input} tokens in / ${s.tokens.output} out, $${s.costUsd.toFixed(6)}, latency p50 ${ms(s.latency.p50)} · p95 ${ms(s.latency.p95)}`;
}
