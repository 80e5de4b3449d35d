import { closedPortUrl } from '../test/emulator/server';
import { BENCH_REQUEST, benchEngine, NO_CACHE } from './engineFactory';
import { quantile } from './stats';

export interface FailoverFigures {
  pairs: number;
  withRefusedP50Ms: number;
  healthyOnlyP50Ms: number;
  addedP50Ms: number;
  addedP99Ms: number;
  /** Requests in which the refused provider was really tried first (should equal pairs). */
  refusedTried: number;
}

// Far above anything the run can reach, so the breaker never opens and every request tries the refused provider.
const NEVER_OPEN = { ...NO_CACHE, breaker: { consecutiveFailures: 1_000_000_000, minimumRequests: 1_000_000_000 } };

export async function measureFailover(healthyBaseUrl: string, pairs: number, warmup: number): Promise<FailoverFigures> {
  const refused = `${await closedPortUrl()}/v1`;
  const failing = benchEngine([{ id: 'refused', baseUrl: refused }, { id: 'healthy', baseUrl: healthyBaseUrl }], NEVER_OPEN);
  const direct = benchEngine([{ id: 'healthy', baseUrl: healthyBaseUrl }], NEVER_OPEN);
  const withRefused = new Float64Array(pairs);
  const healthyOnly = new Float64Array(pairs);
  let refusedTried = 0;
  const viaFailing = async (): Promise<number> => {
    const t0 = process.hrtime.bigint();
    const r = await failing.chat(BENCH_REQUEST);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.provider !== 'healthy') throw new Error(`expected the healthy provider to answer, got ${r.provider}`);
    const first = r.attempts[0];
    if (first?.provider === 'refused' && first.outcome === 'error' && first.errorClass === 'connection') refusedTried++;
    return ms;
  };
  const viaDirect = async (): Promise<number> => {
    const t0 = process.hrtime.bigint();
    await direct.chat(BENCH_REQUEST);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  try {
    for (let i = 0; i < warmup; i++) {
      await viaFailing();
      await viaDirect();
    }
    refusedTried = 0;
    for (let i = 0; i < pairs; i++) {
      if (i % 2 === 0) {
        withRefused[i] = await viaFailing();
        healthyOnly[i] = await viaDirect();
      } else {
        healthyOnly[i] = await viaDirect();
        withRefused[i] = await viaFailing();
      }
    }
  } finally {
    await failing.close();
    await direct.close();
  }
  return {
    pairs,
    withRefusedP50Ms: quantile(withRefused, 0.5),
    healthyOnlyP50Ms: quantile(healthyOnly, 0.5),
    addedP50Ms: quantile(withRefused, 0.5) - quantile(healthyOnly, 0.5),
    addedP99Ms: quantile(withRefused, 0.99) - quantile(healthyOnly, 0.99),
    refusedTried,
  };
}
