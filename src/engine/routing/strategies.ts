import type { ProviderConfig, RoutingStrategy } from '../config/schema';
import { autoValues } from './autoBlend';

export interface RoutingContext {
  /** Recent median latency of a provider, undefined when it has no recent data. */
  recentLatencyMs(id: string): number | undefined;
  /** Estimated USD cost of this request on a provider; undefined when its price is unknown. */
  estimatedCostUsd(p: ProviderConfig): number | undefined;
  /** Uniform in [0, 1); the engine's injectable source, so tests can seed it. */
  random(): number;
  /** The provider's quality score for this request's model in [0, 1]; 0.5 when nothing is known (see engine/quality). */
  qualityScore(p: ProviderConfig): number;
}

/** Orders candidates for one request. Every strategy returns all providers, so fallback can reach each. */
export interface Strategy {
  order(providers: readonly ProviderConfig[], ctx: RoutingContext): ProviderConfig[];
}

/** Lower `priority` goes first; providers without one follow in config order. */
const priorityStrategy: Strategy = {
  order(providers) {
    return providers
      .map((p, index) => ({ p, index }))
      .sort((a, b) => (a.p.priority ?? Number.POSITIVE_INFINITY) - (b.p.priority ?? Number.POSITIVE_INFINITY) || a.index - b.index)
      .map((x) => x.p);
  },
};

/**
 * Picks the first provider at random in proportion to `weight`; the rest follow by weight for fallback.
 * A draw holds no state, so the share is the same in one long-lived window and across many short CLI runs.
 */
const weightedStrategy: Strategy = {
  order(providers, ctx) {
    if (providers.length === 0) return [];
    const weightOf = (p: ProviderConfig) => p.weight ?? 1;
    let point = ctx.random() * providers.reduce((sum, p) => sum + weightOf(p), 0);
    // The last one also takes a point that rounding left at the very end.
    let chosen = providers[providers.length - 1];
    for (const p of providers) {
      point -= weightOf(p);
      if (point < 0) {
        chosen = p;
        break;
      }
    }
    const rest = providers.filter((p) => p !== chosen).sort((a, b) => weightOf(b) - weightOf(a));
    return [chosen, ...rest];
  },
};

/** Fastest recent median first; providers without recent data are tried early so they get measured. */
const latencyStrategy: Strategy = {
  order(providers, ctx) {
    return providers
      .map((p, index) => ({ p, index, ms: ctx.recentLatencyMs(p.id) ?? -1 }))
      .sort((a, b) => a.ms - b.ms || a.index - b.index)
      .map((x) => x.p);
  },
};

/** Cheapest estimated cost first; unknown prices last (they might be expensive). */
const costStrategy: Strategy = {
  order(providers, ctx) {
    return providers
      .map((p, index) => ({ p, index, usd: ctx.estimatedCostUsd(p) ?? Number.POSITIVE_INFINITY }))
      .sort((a, b) => a.usd - b.usd || a.index - b.index)
      .map((x) => x.p);
  },
};

/** Highest quality score first; ties keep config order, so an unmeasured provider sits between good and bad ones. */
const qualityStrategy: Strategy = {
  order(providers, ctx) {
    return providers
      .map((p, index) => ({ p, index, score: ctx.qualityScore(p) }))
      .sort((a, b) => b.score - a.score || a.index - b.index)
      .map((x) => x.p);
  },
};

/** Quality, latency and cost blended into one value (see autoBlend); ties keep config order. */
const autoStrategy: Strategy = {
  order(providers, ctx) {
    const values = autoValues(providers, ctx);
    return providers
      .map((p, index) => ({ p, index, value: values[index] }))
      .sort((a, b) => b.value - a.value || a.index - b.index)
      .map((x) => x.p);
  },
};

export function createStrategy(name: RoutingStrategy): Strategy {
  switch (name) {
    case 'priority':
      return priorityStrategy;
    case 'weighted':
      return weightedStrategy;
    case 'latency':
      return latencyStrategy;
    case 'cost':
      return costStrategy;
    case 'quality':
      return qualityStrategy;
    case 'auto':
      return autoStrategy;
  }
}
