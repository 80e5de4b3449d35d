// The team's shared metrics as the dashboard shows them. Pure: no DOM, so it is unit-tested in Node.
import type { TeamDto, TeamMemberDto } from '../src/extension/dashboard/protocol';
import { formatAgo, formatCompact, formatCount, formatMs, formatPercent, formatUsd } from './format';

export interface TeamRow {
  key: string;
  /** The member's host name and short id; "Team total" for the sum. */
  label: string;
  /** This window's own member. */
  self: boolean;
  requests: string;
  /** Requests no provider answered / requests. */
  failed: string;
  /** Provider calls, retries folded in, and how many failed. */
  calls: string;
  tokens: string;
  cost: string;
  p95: string;
  /** e.g. "last seen 2 min ago"; empty for the total. */
  seen: string;
}

export interface TeamView {
  /** e.g. "3 members with requests in the last 1 hour". */
  caption: string;
  total: TeamRow;
  /** Busiest first. */
  members: TeamRow[];
}

function row(key: string, label: string, f: Pick<TeamMemberDto, 'stats' | 'routed'>, self: boolean, seen: string): TeamRow {
  const { stats, routed } = f;
  return {
    key,
    label,
    self,
    requests: formatCount(routed.requests),
    failed: formatPercent(routed.errorRate),
    calls: `${formatCount(stats.requests)} (${formatCount(stats.errorCount)} failed)`,
    tokens: `${formatCompact(stats.tokens.input)} in · ${formatCompact(stats.tokens.output)} out`,
    cost: formatUsd(stats.costUsd),
    p95: formatMs(stats.latency.p95),
    seen,
  };
}

/** Undefined when metrics are not shared (or the shared state has not answered yet): the section stays hidden. */
export function teamView(team: TeamDto | undefined, windowLabel: string, now: number): TeamView | undefined {
  if (!team) return undefined;
  const n = team.members.length;
  return {
    caption: `${n} member${n === 1 ? '' : 's'} with requests in the last ${windowLabel}`,
    total: row('total', 'Team total', team.total, false, ''),
    members: team.members.map((m) => row(m.id, m.self ? `${m.label} (this machine)` : m.label, m, m.self, `last seen ${formatAgo(m.lastSeenAt, now)}`)),
  };
}
