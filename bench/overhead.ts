import { Agent, request } from 'undici';
import { openaiAdapter } from '../src/engine/providers/openai';
import type { ChatRequest } from '../src/engine/types';
import { BENCH_KEY, BENCH_MODEL, BENCH_REQUEST, BENCH_TOOL_REQUEST, benchEngine, NO_CACHE } from './engineFactory';
import { median, quantile, round, runConcurrent } from './stats';

export interface OverheadOptions {
  baseUrl: string;
  latencyPairs: number;
  warmup: number;
  throughputRequests: number;
  throughputRounds: number;
  concurrencies: number[];
}

export interface LatencyFigures {
  pairs: number;
  engineP50Ms: number;
  engineP99Ms: number;
  bareP50Ms: number;
  bareP99Ms: number;
  addedP50Ms: number;
  addedP99Ms: number;
}

export interface ThroughputFigures {
  concurrency: number;
  requestsPerRound: number;
  rounds: number;
  engineRps: number;
  bareRps: number;
  /** Median over rounds of engine req/s ÷ bare req/s, each round's two runs being back to back. */
  ratio: number;
  /** bare CPU/request ÷ engine CPU/request: the throughput ratio when the client's CPU is the limit, and far less load-sensitive. */
  cpuRatio: number;
  /** Client-process CPU time per request (user + system), median over rounds. */
  engineCpuUsPerRequest: number;
  bareCpuUsPerRequest: number;
}

export interface OverheadFigures {
  latency: LatencyFigures;
  /** The same pairs for a request offering two tools, answered with a tool call. */
  toolLatency: LatencyFigures;
  throughput: ThroughputFigures[];
}

/** A hand-written minimal client: the same URL, headers and JSON body the engine sends, nothing else. */
function bareClient(baseUrl: string, req: ChatRequest = BENCH_REQUEST): { send: () => Promise<unknown>; close: () => Promise<void> } {
  const ep = { id: 'bench', kind: 'openai' as const, baseUrl, model: BENCH_MODEL, apiKey: BENCH_KEY };
  const spec = openaiAdapter.buildRequest(req, ep, false);
  const headers = { 'content-type': 'application/json', accept: 'application/json', ...spec.headers };
  const agent = new Agent({ keepAliveTimeout: 30_000 });
  return {
    async send() {
      const res = await request(spec.url, { method: 'POST', headers, body: JSON.stringify(spec.body), dispatcher: agent });
      const parsed = JSON.parse(await res.body.text()) as { choices?: unknown };
      if (res.statusCode !== 200 || !Array.isArray(parsed.choices)) throw new Error(`bare client got HTTP ${res.statusCode}`);
      return parsed;
    },
    close: () => agent.close(),
  };
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/**
 * A fresh engine for each phase keeps every engine younger than the breaker's 60 s sampling window, whose
 * per-outcome samples would otherwise add their own cost (measured separately, see breakerWindow.ts).
 */
async function withEngine<T>(baseUrl: string, warmup: number, fn: (send: () => Promise<unknown>) => Promise<T>, req: ChatRequest = BENCH_REQUEST): Promise<T> {
  const engine = benchEngine([{ id: 'bench', baseUrl }], NO_CACHE);
  const wantsCall = req.tools !== undefined;
  const send = async () => {
    const r = await engine.chat(req);
    if (r.cached || (wantsCall ? r.toolCalls.length === 0 : r.text === '')) throw new Error(`engine answer was cached or had no ${wantsCall ? 'tool call' : 'text'}`);
    return r;
  };
  try {
    for (let i = 0; i < warmup; i++) await send();
    return await fn(send);
  } finally {
    await engine.close();
  }
}

/** Engine vs bare client on the same request, pair by pair, with a fresh engine and the bare client warmed up. */
async function measureLatency(opts: OverheadOptions, req: ChatRequest): Promise<LatencyFigures> {
  const bare = bareClient(opts.baseUrl, req);
  try {
    for (let i = 0; i < opts.warmup; i++) await bare.send();
    return await withEngine(
      opts.baseUrl,
      opts.warmup,
      async (viaEngine) => {
        const eng = new Float64Array(opts.latencyPairs);
        const raw = new Float64Array(opts.latencyPairs);
        const timed = async (fn: () => Promise<unknown>): Promise<number> => {
          const t0 = process.hrtime.bigint();
          await fn();
          return Number(process.hrtime.bigint() - t0) / 1e6;
        };
        for (let i = 0; i < opts.latencyPairs; i++) {
          // Alternating which goes first cancels any bias from going first or second in a pair.
          if (i % 2 === 0) {
            eng[i] = await timed(viaEngine);
            raw[i] = await timed(bare.send);
          } else {
            raw[i] = await timed(bare.send);
            eng[i] = await timed(viaEngine);
          }
        }
        return {
          pairs: opts.latencyPairs,
          engineP50Ms: quantile(eng, 0.5),
          engineP99Ms: quantile(eng, 0.99),
          bareP50Ms: quantile(raw, 0.5),
          bareP99Ms: quantile(raw, 0.99),
          addedP50Ms: quantile(eng, 0.5) - quantile(raw, 0.5),
          addedP99Ms: quantile(eng, 0.99) - quantile(raw, 0.99),
        };
      },
      req,
    );
  } finally {
    await bare.close();
  }
}

export async function measureOverhead(opts: OverheadOptions): Promise<OverheadFigures> {
  const latency = await measureLatency(opts, BENCH_REQUEST);
  const toolLatency = await measureLatency(opts, BENCH_TOOL_REQUEST);
  const bare = bareClient(opts.baseUrl);
  try {
    for (let i = 0; i < opts.warmup; i++) await bare.send();
    const throughput: ThroughputFigures[] = [];
    for (const c of opts.concurrencies) {
      throughput.push(
        await withEngine(opts.baseUrl, c * 4, async (viaEngine) => {
          const runs = { engine: [] as number[], bare: [] as number[], engineCpu: [] as number[], bareCpu: [] as number[] };
          const one = async (which: 'engine' | 'bare'): Promise<void> => {
            const cpu0 = cpuMicros();
            const ms = await runConcurrent(opts.throughputRequests, c, which === 'engine' ? viaEngine : bare.send);
            const cpu = (cpuMicros() - cpu0) / opts.throughputRequests;
            runs[which].push((opts.throughputRequests * 1000) / ms);
            runs[which === 'engine' ? 'engineCpu' : 'bareCpu'].push(cpu);
          };
          // Opens the connections this concurrency needs, as the engine's warm-up did for it.
          await runConcurrent(c * 4, c, bare.send);
          for (let r = 0; r < opts.throughputRounds; r++) {
            if (r % 2 === 0) {
              await one('engine');
              await one('bare');
            } else {
              await one('bare');
              await one('engine');
            }
          }
          const engineCpu = median(runs.engineCpu);
          const bareCpu = median(runs.bareCpu);
          return {
            concurrency: c,
            requestsPerRound: opts.throughputRequests,
            rounds: opts.throughputRounds,
            engineRps: round(median(runs.engine), 0),
            bareRps: round(median(runs.bare), 0),
            ratio: round(median(runs.engine.map((e, i) => e / runs.bare[i])), 3),
            cpuRatio: round(bareCpu / engineCpu, 3),
            engineCpuUsPerRequest: round(engineCpu, 1),
            bareCpuUsPerRequest: round(bareCpu, 1),
          };
        }),
      );
    }
    return { latency, toolLatency, throughput };
  } finally {
    await bare.close();
  }
}
