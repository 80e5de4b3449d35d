import type { ProviderConfig } from '../config/schema';
import type { RoutingContext } from './strategies';

/** At most this share of a provider's quality score is lost to being the slowest, and as much to being the dearest. */
const SLOWNESS_WEIGHT = 0.25;
const DEARNESS_WEIGHT = 0.25;
/** Latency gaps are judged against at least this spread, so a few milliseconds of noise decide nothing. */
const LATENCY_SCALE_FLOOR_MS = 1_000;

/**
 * Each candidate's `auto` value, higher first: quality × (1 − 0.25·slowness − 0.25·dearness). A product, not a sum,
 * so speed and price choose among providers of similar quality but cannot lift a poor one above a good one.
 * Slowness is the gap to the fastest recent median over the spread (at least a second), 0.5 when unmeasured (like an
 * unknown quality); dearness is the estimated cost as a share of the dearest candidate's, 1 when the price is
 * unknown (as the `cost` strategy treats it).
 */
export function autoValues(providers: readonly ProviderConfig[], ctx: RoutingContext): number[] {
  const latencies = providers.map((p) => ctx.recentLatencyMs(p.id));
  const costs = providers.map((p) => ctx.estimatedCostUsd(p));
  const measured = latencies.filter((ms): ms is number => ms !== undefined);
  const fastest = Math.min(...measured);
  const spread = Math.max(Math.max(...measured) - fastest, LATENCY_SCALE_FLOOR_MS);
  const dearest = Math.max(0, ...costs.filter((usd): usd is number => usd !== undefined));
  return providers.map((p, i) => {
    const ms = latencies[i];
    const slowness = ms === undefined ? 0.5 : (ms - fastest) / spread;
    const usd = costs[i];
    const dearness = usd === undefined ? 1 : dearest > 0 ? usd / dearest : 0;
    return ctx.qualityScore(p) * (1 - SLOWNESS_WEIGHT * slowness - DEARNESS_WEIGHT * dearness);
  });
}
