import { parseConfig } from '../src/engine/config/loadConfig';
import { RouterEngine } from '../src/engine/engine';
import { estimateCost } from '../src/engine/cost/costMath';
import { BudgetExceededError } from '../src/engine/errors';
import { SharedStateClient } from '../src/engine/state/redis/sharedStateClient';
import { RedisResponseCache } from '../src/engine/state/redis/redisResponseCache';
import { startRedisServer, type RedisServer } from '../test/support/redisServer';
import { BENCH_KEY, BENCH_MODEL, BENCH_REQUEST } from './engineFactory';
import { quantile } from './stats';

export interface SharedStateFigures {
  pairs: number;
  localP50Ms: number;
  sharedP50Ms: number;
  addedP50Ms: number;
  /** The same with `metrics` shared too, measured in the same interleaved loop. */
  withMetricsP50Ms: number;
  addedWithMetricsP50Ms: number;
  cacheHits: number;
  redisHitP50Ms: number;
  redisHitP99Ms: number;
  racers: number;
  limitUsd: number;
  estimateUsd: number;
  /** The dearest real answer; above the estimate, the overshoot can reach racers × (dearest − estimate). */
  dearestUsd: number;
  teamSpentUsd: number;
  overshootUsd: number;
  /** The rule: at most the estimates of the requests in flight, one per racer. */
  allowedOvershootUsd: number;
}

const NAMESPACE = 'bench';
// $1 per token, so spend reads as tokens; maxTokens 4 makes estimates smaller than real answers (the worst case).
const PRICED = { pricing: { inputPerMillion: 1_000_000, outputPerMillion: 1_000_000 } };

function engineFor(baseUrl: string, settings: Record<string, unknown>): RouterEngine {
  const raw = { ...settings, providers: [{ id: 'bench', kind: 'openai', model: BENCH_MODEL, baseUrl, ...PRICED }] };
  return new RouterEngine({ config: parseConfig(raw).config, resolveKey: () => BENCH_KEY, warn: (m) => process.stderr.write(`[bench] ${m}\n`) });
}

function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Added cost of a shared budget and breakers per request (and with metrics shared too), a cache hit read from Redis, and 8 racers on one budget. */
export async function measureSharedState(baseUrl: string, pairs: number, warmup: number): Promise<SharedStateFigures> {
  const redis = await startRedisServer();
  try {
    const added = await measureAdded(baseUrl, redis, pairs, warmup);
    // As many hits as the local cache-hit figure times (2,000 warm-up, 20,000 timed): a p99 of 2,000 samples is
    // their 20 slowest, which the first optimising compiles of the read path alone can fill.
    const hits = pairs * 10;
    const hit = await measureRedisHit(redis, hits, warmup * 10);
    const race = await measureRace(baseUrl, redis);
    return { pairs, ...added, cacheHits: hits, ...hit, ...race };
  } finally {
    await redis.stop();
  }
}

async function measureAdded(baseUrl: string, redis: RedisServer, pairs: number, warmup: number) {
  const settings = { cache: { enabled: false }, budget: { dailyUsd: 1e12 } };
  const sharedState = { url: redis.url, namespace: NAMESPACE, share: ['budget', 'breakers'] };
  const local = engineFor(baseUrl, settings);
  const shared = engineFor(baseUrl, { ...settings, sharedState });
  const withMetrics = engineFor(baseUrl, { ...settings, sharedState: { ...sharedState, share: [...sharedState.share, 'metrics'] } });
  const l = new Float64Array(pairs);
  const s = new Float64Array(pairs);
  const m = new Float64Array(pairs);
  const timed = async (engine: RouterEngine) => {
    const t0 = nowMs();
    await engine.chat(BENCH_REQUEST);
    return nowMs() - t0;
  };
  try {
    for (let i = 0; i < warmup; i++) await Promise.all([local.chat(BENCH_REQUEST), shared.chat(BENCH_REQUEST), withMetrics.chat(BENCH_REQUEST)]);
    for (let i = 0; i < pairs; i++) {
      l[i] = await timed(local);
      s[i] = await timed(shared);
      m[i] = await timed(withMetrics);
    }
  } finally {
    await Promise.all([local.close(), shared.close(), withMetrics.close()]);
  }
  const localP50Ms = quantile(l, 0.5);
  const sharedP50Ms = quantile(s, 0.5);
  const withMetricsP50Ms = quantile(m, 0.5);
  return { localP50Ms, sharedP50Ms, addedP50Ms: sharedP50Ms - localP50Ms, withMetricsP50Ms, addedWithMetricsP50Ms: withMetricsP50Ms - localP50Ms };
}

async function measureRedisHit(redis: RedisServer, calls: number, warmup: number) {
  const config = parseConfig({ sharedState: { url: redis.url, namespace: NAMESPACE } }).config.sharedState;
  if (!config) throw new Error('sharedState did not parse');
  const client = new SharedStateClient({ config, warn: (m) => process.stderr.write(`[bench] ${m}\n`) });
  const cache = new RedisResponseCache(client, () => 50 * 1024 * 1024);
  const now = Date.now();
  const text = 'A circuit breaker stops calls to a failing service for a while so it can recover.';
  cache.set('bench-key', { text, provider: 'bench', model: BENCH_MODEL, usage: { inputTokens: 30, outputTokens: 18, cachedInputTokens: 0, cacheWriteTokens: 0 }, finishReason: 'stop', costUsd: null, createdAt: now, expiresAt: now + 3_600_000, tags: [] });
  await cache.close();
  const samples = new Float64Array(calls);
  try {
    for (let i = 0; i < warmup; i++) await cache.get('bench-key');
    for (let i = 0; i < calls; i++) {
      const t0 = nowMs();
      const entry = await cache.get('bench-key');
      samples[i] = nowMs() - t0;
      if (entry?.text !== text) throw new Error('expected a hit through Redis');
    }
  } finally {
    await client.close();
  }
  return { redisHitP50Ms: quantile(samples, 0.5), redisHitP99Ms: quantile(samples, 0.99) };
}

/** 8 engines, each with its own Redis connection like separate processes, spend one budget until refused. */
async function measureRace(baseUrl: string, redis: RedisServer) {
  const racers = 8;
  const limitUsd = 2_000;
  const req = { ...BENCH_REQUEST, maxTokens: 4 };
  const settings = { cache: { enabled: false }, budget: { dailyUsd: limitUsd }, sharedState: { url: redis.url, namespace: `${NAMESPACE}-race`, share: ['budget'] } };
  const engines = Array.from({ length: racers }, () => engineFor(baseUrl, settings));
  let spent = 0;
  let dearestUsd = 0;
  try {
    await Promise.all(
      engines.map(async (engine) => {
        for (;;) {
          try {
            const cost = (await engine.chat(req)).costUsd ?? 0;
            spent += cost;
            dearestUsd = Math.max(dearestUsd, cost);
          } catch (err) {
            if (err instanceof BudgetExceededError) return;
            throw err;
          }
        }
      }),
    );
  } finally {
    await Promise.all(engines.map((e) => e.close()));
  }
  const estimateUsd = estimateCost(req, PRICED.pricing);
  return { racers, limitUsd, estimateUsd, dearestUsd, teamSpentUsd: spent, overshootUsd: Math.max(0, spent - limitUsd), allowedOvershootUsd: racers * estimateUsd };
}
