import { Agent, request } from 'undici';
import { sendChat } from '../src/engine/http/transport';
import { openaiAdapter } from '../src/engine/providers/openai';
import { BENCH_KEY, BENCH_MODEL, BENCH_REQUEST, benchEngine, NO_CACHE } from './engineFactory';
import { startRemoteEmulator } from './remoteEmulator';
import { median, runConcurrent } from './stats';

/**
 * Client CPU per request, layer by layer, against the emulator: a bare undici call, the same with an
 * AbortSignal and a timer, the engine's transport alone (sendChat), and the whole engine. The differences
 * show which layer adds what. `npx tsx bench/run.ts --script=layers`; env C (concurrency, default 64),
 * ROUNDS (default 3), ONLY (comma-separated layer names).
 */
const REQUESTS = 4_000;

async function main(): Promise<void> {
  const emulator = await startRemoteEmulator();
  const baseUrl = emulator.openaiBaseUrl;
  const ep = { id: 'bench', kind: 'openai' as const, baseUrl, model: BENCH_MODEL, apiKey: BENCH_KEY };
  const spec = openaiAdapter.buildRequest(BENCH_REQUEST, ep, false);
  const headers = { 'content-type': 'application/json', accept: 'application/json', ...spec.headers };
  const agent = new Agent({ keepAliveTimeout: 30_000 });
  const engine = benchEngine([{ id: 'bench', baseUrl }], NO_CACHE);
  const concurrency = Number(process.env.C ?? 64);
  const post = (signal?: AbortSignal) => request(spec.url, { method: 'POST', headers, body: JSON.stringify(spec.body), dispatcher: agent, signal });
  const layers: Record<string, () => Promise<unknown>> = {
    bare: async () => JSON.parse(await (await post()).body.text()),
    bareSignalTimer: async () => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 60_000);
      const parsed: unknown = JSON.parse(await (await post(controller.signal)).body.text());
      clearTimeout(timer);
      return parsed;
    },
    sendChat: () => sendChat(openaiAdapter, ep, BENCH_REQUEST, { dispatcher: agent, totalTimeoutMs: 120_000, firstTokenTimeoutMs: 30_000 }),
    engine: () => engine.chat(BENCH_REQUEST),
  };
  const only = process.env.ONLY?.split(',');
  const names = Object.keys(layers).filter((k) => !only || only.includes(k));
  const cpu: Record<string, number[]> = {};
  const rps: Record<string, number[]> = {};
  try {
    for (const k of names) await runConcurrent(2_000, concurrency, layers[k]);
    for (let round = 0; round < Number(process.env.ROUNDS ?? 3); round++) {
      for (const k of names) {
        const c0 = process.cpuUsage();
        const ms = await runConcurrent(REQUESTS, concurrency, layers[k]);
        const c = process.cpuUsage(c0);
        (cpu[k] ??= []).push((c.user + c.system) / REQUESTS);
        (rps[k] ??= []).push((REQUESTS * 1000) / ms);
      }
    }
    for (const k of names) console.log(`${k.padEnd(16)} ${median(cpu[k]).toFixed(1).padStart(7)} µs CPU/request  ${median(rps[k]).toFixed(0).padStart(6)} req/s`);
  } finally {
    await engine.close();
    await agent.close();
    await emulator.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
