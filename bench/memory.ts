import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BENCH_REQUEST, benchEngine, NO_CACHE } from './engineFactory';
import { round, runConcurrent } from './stats';

export interface HeapReading {
  afterRequests: number;
  heapUsedMB: number;
  oldSpaceMB: number;
  codeSpaceMB: number;
}

export interface MemoryFigures {
  concurrency: number;
  settings: Record<string, unknown>;
  readings: HeapReading[];
  /** heapUsed after the last checkpoint ÷ after the first. */
  ratio: number;
  growthMB: number;
  seconds: number;
}

/** A full, synchronous GC; exposed at runtime so the benchmark needs no special node flags. */
export function gcFunction(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

const MB = 1024 * 1024;

async function settledHeap(gc: () => void, afterRequests: number): Promise<HeapReading> {
  // Let pending timers and sockets settle, then collect twice (the second pass catches what finalisers freed).
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc();
  gc();
  const space = (name: string) => (getHeapSpaceStatistics().find((s) => s.space_name === name)?.space_used_size ?? 0) / MB;
  return { afterRequests, heapUsedMB: round(process.memoryUsage().heapUsed / MB, 2), oldSpaceMB: round(space('old_space'), 2), codeSpaceMB: round(space('code_space'), 2) };
}

/** heapUsed after each checkpoint (cumulative request counts, ascending) of requests through one engine. */
export async function measureMemory(baseUrl: string, checkpoints: number[], concurrency: number, settings: Record<string, unknown> = {}): Promise<MemoryFigures> {
  const gc = gcFunction();
  const engine = benchEngine([{ id: 'bench', baseUrl }], { ...NO_CACHE, ...settings });
  const send = async () => {
    const r = await engine.chat(BENCH_REQUEST);
    if (r.text === '') throw new Error('empty answer');
  };
  const t0 = performance.now();
  const readings: HeapReading[] = [];
  try {
    let done = 0;
    for (const target of checkpoints) {
      await runConcurrent(target - done, concurrency, send);
      done = target;
      readings.push(await settledHeap(gc, done));
    }
  } finally {
    await engine.close();
  }
  const first = readings[0];
  const last = readings[readings.length - 1];
  return {
    concurrency,
    settings,
    readings,
    ratio: round(last.heapUsedMB / first.heapUsedMB, 3),
    growthMB: round(last.heapUsedMB - first.heapUsedMB, 2),
    seconds: round((performance.now() - t0) / 1000, 1),
  };
}
