import assert from 'node:assert/strict';
import { parseConfig } from '../../src/engine/config/loadConfig';
import type { ProviderConfig } from '../../src/engine/config/schema';
import { CostAccounting } from '../../src/engine/cost/costAccounting';
import { estimateCost } from '../../src/engine/cost/costMath';
import { priceFor } from '../../src/engine/cost/priceTable';
import { EngineEvents } from '../../src/engine/events';
import { adapterFor, effectiveBaseUrl } from '../../src/engine/providers/registry';
import { ProviderBreaker } from '../../src/engine/resilience/circuitBreaker';
import { planCandidates } from '../../src/engine/routing/candidatePlan';
import type { ProviderRuntime } from '../../src/engine/routing/providerAttempt';
import { createStrategy } from '../../src/engine/routing/strategies';
import type { ChatRequest } from '../../src/engine/types';

const providers = parseConfig({
  providers: [
    { id: 'dear', kind: 'openai', model: 'gpt-4.1' },
    { id: 'cheap', kind: 'openai', model: 'gpt-4.1-nano', capabilities: { tools: false } },
    { id: 'unpriced', kind: 'openai-compatible', model: 'mystery', baseUrl: 'http://127.0.0.1:9/v1', contextWindow: 10 },
  ],
}).config.providers;
const runtimes: ProviderRuntime[] = providers.map((p) => ({ config: p, adapter: adapterFor(p.kind), baseUrl: effectiveBaseUrl(p), breaker: new ProviderBreaker({ provider: p.id }) }));
const req: ChatRequest = {
  messages: [{ role: 'user', content: 'Weather in Paris? '.repeat(10) }],
  tools: [{ name: 'get_weather', parameters: { type: 'object' } }],
  maxTokens: 100,
};
const costs = () => new CostAccounting({ budget: { dailyUsd: undefined, monthlyUsd: undefined, warnAtPercent: 80 }, events: new EngineEvents(), now: Date.now });

describe('planning a request once: capabilities, window and cost estimate per candidate in one pass', () => {
  it('estimates each candidate exactly once and orders by those figures (cost strategy)', () => {
    const estimator = costs().estimator(req);
    const calls: string[] = [];
    const plan = planCandidates(runtimes, req, {
      strategy: createStrategy('cost'),
      estimateUsd: (p: ProviderConfig) => (calls.push(p.id), estimator(p)),
      recentLatencyMs: () => undefined,
      random: () => 0,
      qualityScore: () => 0.5,
    });
    assert.deepEqual(calls.sort(), ['cheap', 'dear', 'unpriced']);
    assert.deepEqual(plan.map((c) => c.runtime.config.id), ['cheap', 'dear', 'unpriced'], 'cheapest first, unknown price last');
    assert.equal(plan[2].estimateUsd, undefined);
    assert.ok((plan[0].estimateUsd as number) < (plan[1].estimateUsd as number));
  });

  it('records each candidate’s capability gap beside its estimate', () => {
    const plan = planCandidates(runtimes, req, { strategy: createStrategy('priority'), estimateUsd: costs().estimator(req), recentLatencyMs: () => undefined, random: () => 0, qualityScore: () => 0.5 });
    assert.deepEqual(
      plan.map((c) => [c.runtime.config.id, c.gap?.gap]),
      [
        ['dear', undefined],
        ['cheap', 'no_tool_support'],
        ['unpriced', 'context_too_long'],
      ],
    );
  });

  it('prices one shared count of the prompt exactly as estimateCost does for each provider', () => {
    const estimator = costs().estimator(req);
    for (const p of providers.slice(0, 2)) assert.equal(estimator(p), estimateCost(req, priceFor(p)!.price));
  });

  it('admits and refuses by the planned estimates, with no request to re-estimate', () => {
    const accounting = new CostAccounting({ budget: { dailyUsd: 0.0005, monthlyUsd: undefined, warnAtPercent: 80 }, events: new EngineEvents(), now: Date.now });
    const estimator = accounting.estimator(req);
    const admission = accounting.admit(providers.map((p) => ({ provider: p, estimateUsd: estimator(p) })));
    assert.deepEqual(admission.allowed.map((p) => p.id), ['cheap', 'unpriced']);
    assert.deepEqual(admission.refused.map((r) => r.provider.id), ['dear']);
  });
});
