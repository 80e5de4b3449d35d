import type { ProviderConfig } from '../config/schema';
import type { ChatRequest } from '../types';
import { capabilityGap, estimateWindowTokens, type CapabilityShortfall } from './capabilities';
import type { ProviderRuntime } from './providerAttempt';
import type { RoutingContext, Strategy } from './strategies';

/** What routing knows about one candidate for one request before any connection. */
export interface PlannedCandidate {
  runtime: ProviderRuntime;
  /** Why it cannot serve the request (tools, images, structured output, context window); undefined when it can. */
  gap?: CapabilityShortfall;
  /** The request's estimated USD on it, for ordering, budget admission and team reservations; undefined when its price is unknown. */
  estimateUsd: number | undefined;
}

export interface PlanInputs {
  strategy: Strategy;
  /** USD of this request on a provider (CostAccounting.estimator), undefined when the price is unknown. */
  estimateUsd: (p: ProviderConfig) => number | undefined;
  recentLatencyMs: RoutingContext['recentLatencyMs'];
  random: () => number;
  qualityScore: RoutingContext['qualityScore'];
}

/**
 * Plans a request once: each candidate's capability gap and cost estimate in one pass (the prompt counted once
 * for all of them), then the strategy's order. Admission and reservations read these figures; nothing recomputes them.
 */
export function planCandidates(runtimes: readonly ProviderRuntime[], req: ChatRequest, inputs: PlanInputs): PlannedCandidate[] {
  let windowTokens: number | undefined;
  const countWindow = () => (windowTokens ??= estimateWindowTokens(req));
  const byId = new Map<string, PlannedCandidate>();
  for (const runtime of runtimes) {
    byId.set(runtime.config.id, { runtime, gap: capabilityGap(runtime.config, req, countWindow), estimateUsd: inputs.estimateUsd(runtime.config) });
  }
  const ctx: RoutingContext = {
    recentLatencyMs: inputs.recentLatencyMs,
    estimatedCostUsd: (p) => byId.get(p.id)?.estimateUsd,
    random: inputs.random,
    qualityScore: inputs.qualityScore,
  };
  return inputs.strategy.order(runtimes.map((rt) => rt.config), ctx).map((p) => byId.get(p.id) as PlannedCandidate);
}
