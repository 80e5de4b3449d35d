import type { ProviderConfig, RoutingStrategy } from '../config/schema';

export interface RoutingContext {
  /** Recent median latency of a provider, undefined when it has no recent data. */
  recentLatencyMs(id: string): number | undefined;
  /** Estimated USD cost of this request on a provider; undefined when its price is unknown. */
  estimatedCostUsd(p: ProviderConfig): number | undefined;
}

/** Orders candidates for one request. Every strategy returns all providers, so fallback can reach each. */
export interface Strategy {
  order(providers: readonly ProviderConfig[], ctx: RoutingContext): ProviderConfig[];
}

/** Lower `priority` goes first; providers without one follow in config order. */
export const priorityStrategy: Strategy = {
  order(providers) {
    return providers
      .map((p, index) => ({ p, index }))
      .sort((a, b) => (a.p.priority ?? Number.POSITIVE_INFINITY) - (b.p.priority ?? Number.POSITIVE_INFINITY) || a.index - b.index)
      .map((x) => x.p);
  },
};

/**
 * Smooth weighted round-robin (each pick adds every weight to its running score and takes the highest),
 * which spreads picks evenly instead of in bursts; the rest follow by weight for fallback.
 */
export class WeightedStrategy implements Strategy {
  private readonly current = new Map<string, number>();

  order(providers: readonly ProviderConfig[]): ProviderConfig[] {
    if (providers.length === 0) return [];
    let total = 0;
    let best: ProviderConfig | undefined;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const p of providers) {
      const w = p.weight ?? 1;
      total += w;
      const score = (this.current.get(p.id) ?? 0) + w;
      this.current.set(p.id, score);
      if (score > bestScore) {
        bestScore = score;
        best = p;
      }
    }
    const chosen = best as ProviderConfig;
    this.current.set(chosen.id, bestScore - total);
    const rest = providers.filter((p) => p !== chosen).sort((a, b) => (b.weight ?? 1) - (a.weight ?? 1));
    return [chosen, ...rest];
  }
}

/** Fastest recent median first; providers without recent data are tried early so they get measured. */
export const latencyStrategy: Strategy = {
  order(providers, ctx) {
    return providers
      .map((p, index) => ({ p, index, ms: ctx.recentLatencyMs(p.id) ?? -1 }))
      .sort((a, b) => a.ms - b.ms || a.index - b.index)
      .map((x) => x.p);
  },
};

/** Cheapest estimated cost first; unknown prices last (they might be expensive). */
export const costStrategy: Strategy = {
  order(providers, ctx) {
    return providers
      .map((p, index) => ({ p, index, usd: ctx.estimatedCostUsd(p) ?? Number.POSITIVE_INFINITY }))
      .sort((a, b) => a.usd - b.usd || a.index - b.index)
      .map((x) => x.p);
  },
};

export function createStrategy(name: RoutingStrategy): Strategy {
  switch (name) {
    case 'priority':
      return priorityStrategy;
    case 'weighted':
      return new WeightedStrategy();
    case 'latency':
      return latencyStrategy;
    case 'cost':
      return costStrategy;
  }
}
