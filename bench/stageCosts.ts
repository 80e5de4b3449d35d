import { createHash } from 'node:crypto';
import { cacheKey, canonicalJson } from '../src/engine/cache/cacheKey';
import { parseConfig } from '../src/engine/config/loadConfig';
import { CostAccounting } from '../src/engine/cost/costAccounting';
import { EngineEvents } from '../src/engine/events';
import { insecureKeyTransport } from '../src/engine/http/endpointSecurity';
import { MetricsRegistry } from '../src/engine/metrics/metricsRegistry';
import { recordAttempts } from '../src/engine/metrics/recordAttempts';
import { openaiAdapter } from '../src/engine/providers/openai';
import { ProviderBreaker } from '../src/engine/resilience/circuitBreaker';
import { createStrategy } from '../src/engine/routing/strategies';
import type { AttemptRecord, ChatResult } from '../src/engine/types';
import { BENCH_KEY, BENCH_MODEL, BENCH_REQUEST } from './engineFactory';

/**
 * CPU per call of the synchronous pieces the engine adds around one HTTP exchange, each in isolation
 * (no network). A diagnostic for `npm run bench` misses: `npx tsx bench/run.ts --script=stageCosts`.
 */
const N = 100_000;

function cost(name: string, fn: () => unknown): void {
  for (let i = 0; i < N / 5; i++) fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn();
  const us = Number(process.hrtime.bigint() - t0) / 1e3 / N;
  console.log(`${us.toFixed(2).padStart(8)} µs  ${name}`);
}

const config = parseConfig({ providers: [{ id: 'bench', kind: 'openai', model: BENCH_MODEL, baseUrl: 'http://127.0.0.1:9/v1' }], cache: { enabled: false } }).config;
const provider = config.providers[0];
const ep = { id: 'bench', kind: 'openai' as const, baseUrl: 'http://127.0.0.1:9/v1', model: BENCH_MODEL, apiKey: BENCH_KEY };
const body = {
  id: 'chatcmpl-0123456789abcdef01234567',
  object: 'chat.completion',
  created: 1_760_000_000,
  model: BENCH_MODEL,
  service_tier: 'default',
  system_fingerprint: 'fp_emulator',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the benchmark emulator.', refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 30, completion_tokens: 5, total_tokens: 35, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
};
const bodyText = JSON.stringify(body);
const events = new EngineEvents();
const metrics = new MetricsRegistry();
const costs = new CostAccounting({ budget: config.budget, events, now: Date.now });
const breaker = new ProviderBreaker({ provider: 'bench', samplingWindowMs: 1_000 });
const strategy = createStrategy('priority');
const attempts: AttemptRecord[] = [{ provider: 'bench', model: BENCH_MODEL, outcome: 'ok', status: 200, latencyMs: 0.4, try: 1 }];
const answer: ChatResult = { text: 'x', toolCalls: [], provider: 'bench', model: BENCH_MODEL, cached: false, latencyMs: 0.5, costUsd: null, usage: { inputTokens: 30, outputTokens: 5, cachedInputTokens: 0, cacheWriteTokens: 0 }, finishReason: 'stop', attempts };

cost('adapter.buildRequest', () => openaiAdapter.buildRequest(BENCH_REQUEST, ep, false));
const spec = openaiAdapter.buildRequest(BENCH_REQUEST, ep, false);
cost('JSON.stringify(request body)  [bare client does this too]', () => JSON.stringify(spec.body));
cost('JSON.parse(response body)     [bare client does this too]', () => JSON.parse(bodyText));
cost('insecureKeyTransport (new URL)', () => insecureKeyTransport(spec.url, true));
cost('adapter.parseCompletion (zod + error-envelope check)', () => openaiAdapter.parseCompletion(body, ep));
cost('new AbortController().signal', () => new AbortController().signal);
cost('AbortSignal.any([signal])', () => AbortSignal.any([new AbortController().signal]));
cost('setTimeout + clearTimeout', () => clearTimeout(setTimeout(() => undefined, 1000)));
cost('strategy.order (priority)', () => strategy.order(config.providers, { recentLatencyMs: () => undefined, estimatedCostUsd: () => undefined, random: Math.random, qualityScore: () => 0.5 }));
cost('costs.estimator + admit', () => {
  const estimate = costs.estimator(BENCH_REQUEST);
  return costs.admit(config.providers.map((p) => ({ provider: p, estimateUsd: estimate(p) })));
});
cost('costs.record', () => costs.record(provider, BENCH_MODEL, answer.usage));
cost('breaker tryAcquire + release(success)', () => {
  const a = breaker.tryAcquire();
  if (a.ok) a.release('success');
});
cost('recordAttempts (metrics + events)', () => recordAttempts(attempts, metrics, events, answer));
cost('events.emit (no listeners)', () => events.emit({ type: 'cache-stats', stats: { hits: 0, misses: 0, hitRate: 0, evictions: 0, entries: 0, memoryBytes: 0, diskBytes: 0 } }));
cost('metrics.recordRequest', () => metrics.recordRequest({ provider: 'bench', model: BENCH_MODEL, latencyMs: 0.4, ttftMs: undefined, inputTokens: 30, outputTokens: 5, cachedInputTokens: 0, costUsd: null, retries: 0, fallback: false, outcome: 'ok' }));
const keyInput = { providerKind: 'openai' as const, model: BENCH_MODEL, baseUrl: 'http://127.0.0.1:9/v1', request: BENCH_REQUEST };
cost('cacheKey (canonical JSON + sha256)', () => cacheKey(keyInput));
cost('canonicalJson alone', () => canonicalJson({ v: 1, kind: 'openai', baseUrl: keyInput.baseUrl, model: BENCH_MODEL, params: BENCH_REQUEST }));
cost('createHash sha256 of 300 chars', () => createHash('sha256').update('x'.repeat(300)).digest('hex'));
const spreadSource = { type: 'request-finished', provider: 'bench', model: BENCH_MODEL, outcome: 'ok', latencyMs: 1, costUsd: null, cached: false };
let sink: unknown;
cost('{ ...object, oneMore } (what events.emit does)', () => (sink = { ...spreadSource, at: 1 }));
cost('Object.assign({}, object, { oneMore })', () => (sink = Object.assign({}, spreadSource, { at: 1 })));
void sink;
