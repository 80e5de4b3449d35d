import type { EngineStats } from '../engine/engine';
import { clock } from '../engine/health/providerHealth';
import type { KeyStatus } from '../engine/resilience/keyRing';
import type { RateLimitStatus } from '../engine/routing/pacing';
import type { Percentiles, ProviderCacheStats } from '../engine/metrics/metricsTypes';
import { teamLines } from './teamStatsText';

const ms = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${Math.round(v)} ms`);
const pct = (p: Percentiles) => `p50 ${ms(p.p50)} · p90 ${ms(p.p90)} · p95 ${ms(p.p95)} · p99 ${ms(p.p99)}`;

/** The human view of `stats`: one block per provider, the quality ranking, the team's figures when shared, then cost and cache. */
export function formatStats(stats: EngineStats): string {
  const lines: string[] = [`LLM Router — ${stats.window} (${new Date(stats.generatedAt).toLocaleString()})`, ''];
  if (stats.alerts.length > 0) {
    lines.push(`alerts (${stats.alerts.length})`);
    for (const a of stats.alerts) lines.push(`  ${a.kind.padEnd(16)} since ${new Date(a.since).toLocaleString()}: ${a.message}`);
    lines.push('');
  }
  const ids = new Set([...stats.providers.map((p) => p.id), ...Object.keys(stats.metrics.providers)]);
  for (const id of ids) {
    const status = stats.providers.find((p) => p.id === id);
    const m = stats.metrics.providers[id];
    lines.push(`${id}${status ? ` (${status.kind}, ${status.model})` : ' (no longer configured)'}`);
    if (status) {
      lines.push(`  health      ${status.health.state}: ${status.health.reason}`);
      lines.push(`  breaker     ${status.breaker.state} since ${new Date(status.breaker.since).toLocaleString()}`);
      if (status.breaker.lastError) lines.push(`  last error  ${status.breaker.lastError.errorClass}: ${status.breaker.lastError.message}`);
      if (status.rateLimit) lines.push(`  ${rateLimitLine(status.rateLimit)}`);
      if (status.keys) lines.push(`  ${keysLine(status.keys)}`);
    }
    const probes = stats.metrics.probes[id];
    if (probes) lines.push(`  probes      ${probes.probes} in the background (${probes.failures} failed), last ${probes.lastOk ? 'ok' : 'failed'} in ${ms(probes.lastLatencyMs)}; not counted as requests`);
    if (m) {
      const errors = Object.entries(m.errors).filter(([, n]) => n > 0).map(([cls, n]) => `${cls} ${n}`).join(', ');
      lines.push(`  requests    ${m.requests} (${m.successes} ok, ${m.errorCount} failed${errors ? `: ${errors}` : ''}), ${m.retries} retries, ${m.fallbacks} as fallback`);
      lines.push(`  latency     ${pct(m.latency)}`);
      lines.push(`  first token ${pct(m.ttft)}`);
      lines.push(`  tokens      ${m.tokens.input} in (${m.tokens.cached} cached), ${m.tokens.output} out`);
      if (m.providerCache.cachedInputTokens > 0 || m.providerCache.cacheWriteTokens > 0) lines.push(`  cache reads ${providerCacheLine(m.providerCache)}`);
      lines.push(`  cost        $${m.costUsd.toFixed(6)}${m.unknownCostRequests ? ` (+${m.unknownCostRequests} requests of unknown price)` : ''}`);
    } else {
      lines.push('  no requests in this window');
    }
    lines.push('');
  }
  lines.push(...qualityLines(stats.quality));
  if (stats.team) lines.push(...teamLines(stats.team));
  const { today, month, budget } = stats.costs;
  const limit = (v: number | undefined) => (v === undefined ? '' : ` of $${v.toFixed(2)} budget (${((today.costUsd / v) * 100).toFixed(0)} %)`);
  lines.push(`cost   today $${today.costUsd.toFixed(6)}${limit(budget.dailyUsd)} · this month $${month.costUsd.toFixed(6)}${budget.monthlyUsd === undefined ? '' : ` of $${budget.monthlyUsd.toFixed(2)} budget`}`);
  if (today.unknownCostRequests) lines.push(`       ${today.unknownCostRequests} request(s) today of unknown price (not in the total)`);
  const pc = stats.metrics.total.providerCache;
  if (pc.inputTokens > 0) lines.push(`provider prompt caches: ${providerCacheLine(pc)}`);
  const c = stats.cache;
  lines.push(`cache  ${c.entries} entries, ${c.hits} hits / ${c.misses} misses this process, ${formatBytes(c.memoryBytes)} in memory, ${formatBytes(c.diskBytes)} on disk`);
  const mc = stats.metrics.cache;
  lines.push(`       ${mc.hits} hits, ${mc.misses} misses in the window${mc.hitRate === null ? '' : ` (${(mc.hitRate * 100).toFixed(1)} % hit rate)`}`);
  return `${lines.join('\n')}\n`;
}

/** `rate limit  3 requests, 12,500 tokens left; resets 12:03:04` or `… held back until 12:03:04 (limits.rpm reached)`. */
export function rateLimitLine(r: RateLimitStatus): string {
  const left = [r.requestsRemaining !== undefined ? `${r.requestsRemaining.toLocaleString('en-US')} requests` : '', r.tokensRemaining !== undefined ? `${r.tokensRemaining.toLocaleString('en-US')} tokens` : ''].filter(Boolean).join(', ');
  const at = r.resetAt === undefined ? undefined : clock(r.resetAt);
  const limit = r.limitedBy === 'rpm' || r.limitedBy === 'tpm' ? `limits.${r.limitedBy} reached` : `${r.limitedBy?.replace('_', ' ')} used up`;
  if (r.limitedBy) return `rate limit  ${left} left; held back${at ? ` until ${at}` : ''} (${limit})`;
  return `rate limit  ${left} left${at ? `; resets ${at}` : ''}`;
}

/** `keys        key 1 of 2 cooling down until 12:03:04 (rate_limited) · key 2 of 2 serving`: labels only, never a key. */
export function keysLine(keys: KeyStatus[]): string {
  const one = (k: KeyStatus) => `${k.label} ${k.coolingDownUntil !== undefined ? `cooling down until ${clock(k.coolingDownUntil)}${k.reason ? ` (${k.reason})` : ''}` : k.active ? 'serving' : 'ready'}`;
  return `keys        ${keys.map(one).join(' · ')}`;
}

/** Reads and writes of the providers' own prompt caches; "saved" is the reads' saving, net of it the write premium. */
function providerCacheLine(pc: ProviderCacheStats): string {
  const share = pc.share === null ? '—' : `${(pc.share * 100).toFixed(1)} %`;
  return `${share} of input read from the provider's cache (${pc.cachedInputTokens} read, ${pc.cacheWriteTokens} written), saved $${pc.savedUsd.toFixed(6)}, net of the write premium $${pc.netSavedUsd.toFixed(6)}`;
}

/** The ranking, best first, each score with the signals behind it (weighted by age, so they need not be whole). */
function qualityLines(ranking: EngineStats['quality']): string[] {
  if (ranking.length === 0) return [];
  const lines = ['quality ranking (best first; recent results weigh more)'];
  ranking.forEach((r, i) => {
    const signals = Object.entries(r.signals)
      .filter(([, n]) => n > 0)
      .map(([name, n]) => `${name} ${Number.isInteger(n) ? n : n.toFixed(1)}`)
      .join(', ');
    lines.push(`  ${i + 1}. ${`${r.provider} (${r.model})`.padEnd(32)} ${r.score.toFixed(3)}  ${signals || 'no signals yet (neutral)'}`);
  });
  lines.push('');
  return lines;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
