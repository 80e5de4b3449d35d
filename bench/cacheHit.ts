import { cacheKey, DEFAULT_CACHE_CONFIG, ResponseCache } from '../src/engine/cache/responseCache';
import { BENCH_MODEL, BENCH_REQUEST, benchEngine } from './engineFactory';
import { quantile } from './stats';

export interface CacheHitFigures {
  calls: number;
  engineP50Ms: number;
  engineP99Ms: number;
  rawP50Ms: number;
  rawP99Ms: number;
}

function nowNs(): bigint {
  return process.hrtime.bigint();
}

export async function measureCacheHit(baseUrl: string, calls: number, warmup: number): Promise<CacheHitFigures> {
  const engine = benchEngine([{ id: 'bench', baseUrl }]);
  const eng = new Float64Array(calls);
  try {
    const first = await engine.chat(BENCH_REQUEST);
    if (first.cached) throw new Error('the first request was already cached');
    for (let i = 0; i < warmup; i++) await engine.chat(BENCH_REQUEST);
    for (let i = 0; i < calls; i++) {
      const t0 = nowNs();
      const r = await engine.chat(BENCH_REQUEST);
      eng[i] = Number(nowNs() - t0) / 1e6;
      if (!r.cached) throw new Error('expected a cache hit');
    }
  } finally {
    await engine.close();
  }

  // The bare cache: key computation plus get(), as the engine does per candidate.
  const cache = new ResponseCache({ config: DEFAULT_CACHE_CONFIG });
  const keyInput = { providerKind: 'openai' as const, model: BENCH_MODEL, baseUrl, request: BENCH_REQUEST };
  await cache.set(cacheKey(keyInput), {
    text: 'A circuit breaker stops calls to a failing service for a while so it can recover.',
    provider: 'bench',
    model: BENCH_MODEL,
    usage: { inputTokens: 30, outputTokens: 18, cachedInputTokens: 0, cacheWriteTokens: 0 },
    finishReason: 'stop',
    costUsd: null,
  });
  const raw = new Float64Array(calls);
  for (let i = 0; i < warmup; i++) await cache.get(cacheKey(keyInput));
  for (let i = 0; i < calls; i++) {
    const t0 = nowNs();
    const hit = await cache.get(cacheKey(keyInput));
    raw[i] = Number(nowNs() - t0) / 1e6;
    if (!hit) throw new Error('expected a raw cache hit');
  }
  await cache.close();

  return {
    calls,
    engineP50Ms: quantile(eng, 0.5),
    engineP99Ms: quantile(eng, 0.99),
    rawP50Ms: quantile(raw, 0.5),
    rawP99Ms: quantile(raw, 0.99),
  };
}
