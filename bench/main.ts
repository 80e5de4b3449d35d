import { writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { measureBreakerWindow } from './breakerWindow';
import { measureCacheHit } from './cacheHit';
import { measureCacheLoad } from './cacheLoad';
import { editorBenchUnavailable, measureEditor } from './editor';
import { measureFailover } from './failover';
import { measureMemory } from './memory';
import { measureOverhead } from './overhead';
import { startRemoteEmulator } from './remoteEmulator';
import { atLeast, atMost, info, renderTable, type Figure } from './report';
import { measureSharedState } from './sharedState';
import { round } from './stats';

const SECTIONS = ['overhead', 'cacheHit', 'cacheLoad', 'failover', 'memory', 'breaker', 'sharedState', 'editor'] as const;
type Section = (typeof SECTIONS)[number];

/**
 * `--only=overhead,memory` runs a subset; `--quick` shrinks every count (for trying the harness, not for figures);
 * `--out=<file>` is where the JSON goes (bench/results.json by default).
 */
function parseArgs(argv: string[]): { only: Set<Section>; quick: boolean; out: string } {
  const value = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const onlyArg = value('only');
  const only = new Set<Section>(onlyArg ? (onlyArg.split(',') as Section[]) : SECTIONS);
  for (const s of only) if (!SECTIONS.includes(s)) throw new Error(`unknown section '${s}' (known: ${SECTIONS.join(', ')})`);
  return { only, quick: argv.includes('--quick'), out: path.resolve(value('out') ?? path.join('bench', 'results.json')) };
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAvgAtStart: os.loadavg().map((l) => round(l, 2)),
  };
}

/** Flat heap: at most 1.2× or +5 MB between the first and the last reading. */
function flat(name: string, m: { ratio: number; growthMB: number }): Figure {
  return { section: 'memory', name, measured: m.ratio, unit: '×', target: '≤ 1.2× or ≤ +5 MB', targetUnit: false, pass: m.ratio <= 1.2 || m.growthMB <= 5 };
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

async function main(): Promise<void> {
  const { only, quick, out } = parseArgs(process.argv.slice(2));
  const scale = (n: number) => (quick ? Math.max(1, Math.round(n / 20)) : n);
  const started = performance.now();
  const env = machine();
  log(`${env.cpu}, ${env.cores} cores, node ${env.node}, load ${env.loadAvgAtStart.join(' ')}`);
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  const emulator = await startRemoteEmulator();
  try {
    if (only.has('overhead')) {
      log('engine overhead vs a bare undici client…');
      const o = await measureOverhead({
        baseUrl: emulator.openaiBaseUrl,
        warmup: scale(2_000),
        latencyPairs: scale(10_000),
        throughputRequests: scale(3_000),
        throughputRounds: 5,
        concurrencies: [1, 64],
      });
      details.overhead = o;
      const l = o.latency;
      figures.push(
        info('overhead', 'bare undici p50 (c=1)', l.bareP50Ms, 'ms'),
        info('overhead', 'engine p50 (c=1)', l.engineP50Ms, 'ms'),
        atMost('overhead', 'added latency p50', l.addedP50Ms, 'ms', 0.1),
        atMost('overhead', 'added latency p99', l.addedP99Ms, 'ms', 0.5),
        info('overhead', 'engine p50 with tools (c=1)', o.toolLatency.engineP50Ms, 'ms'),
        atMost('overhead', 'added latency p50 with tools (answer: a tool call)', o.toolLatency.addedP50Ms, 'ms', 0.1),
        atMost('overhead', 'added latency p99 with tools', o.toolLatency.addedP99Ms, 'ms', 0.5),
      );
      for (const t of o.throughput) {
        const name = `throughput engine/bare (c=${t.concurrency})`;
        figures.push(t.concurrency === 64 ? atLeast('overhead', name, t.ratio, '×', 0.9) : info('overhead', name, t.ratio, '×'));
        figures.push(
          info('overhead', `client CPU per request (c=${t.concurrency})`, t.engineCpuUsPerRequest, `µs engine (bare ${t.bareCpuUsPerRequest})`),
          info('overhead', `CPU ratio bare/engine (c=${t.concurrency})`, t.cpuRatio, '×'),
        );
      }
    }
    if (only.has('cacheHit')) {
      log('cache hit latency…');
      const c = await measureCacheHit(emulator.openaiBaseUrl, scale(20_000), scale(2_000));
      details.cacheHit = c;
      figures.push(
        info('cache hit', 'engine.chat hit p50', c.engineP50Ms, 'ms'),
        atMost('cache hit', 'engine.chat hit p99', c.engineP99Ms, 'ms', 0.05),
        info('cache hit', 'cacheKey + get p50', c.rawP50Ms, 'ms'),
        atMost('cache hit', 'cacheKey + get p99', c.rawP99Ms, 'ms', 0.05),
      );
    }
    if (only.has('cacheLoad')) {
      log('persisted cache load…');
      const c = await measureCacheLoad(quick ? 1_000 : 10_000, 5);
      details.cacheLoad = c;
      figures.push(
        atMost('cache load', `load ${c.entries} entries (median of ${c.loads})`, c.loadMs, 'ms', 150),
        info('cache load', 'fastest of the loads', Math.min(...c.loadMsAll), 'ms'),
        info('cache load', 'CPU time per load (all threads)', c.loadCpuMs, 'ms'),
        info('cache load', 'decodeCacheFile alone (decompress + parse)', c.decodeMs, 'ms'),
        info('cache load', `disk bytes (${c.codec})`, c.diskBytes / 1024, 'KiB'),
        info('cache load', 'raw JSON bytes', c.rawJsonBytes / 1024, 'KiB'),
        info('cache load', 'raw / disk', c.compressionRatio, '×'),
      );
    }
    if (only.has('failover')) {
      log('failover cost (refused primary)…');
      const f = await measureFailover(emulator.openaiBaseUrl, scale(2_000), scale(200));
      details.failover = f;
      figures.push(
        atMost('failover', 'added latency p50 (refused → healthy)', f.addedP50Ms, 'ms', 5),
        info('failover', 'added latency p99', f.addedP99Ms, 'ms'),
        info('failover', 'requests that tried the refused one', f.refusedTried, `of ${f.pairs}`),
      );
    }
    if (only.has('memory')) {
      log('memory over 100,000 requests…');
      const checkpoints = [1_000, 50_000, 100_000].map(scale);
      const m = await measureMemory(emulator.openaiBaseUrl, checkpoints, 32);
      // The same run with a 1 s breaker sampling window tells the breaker's per-outcome samples apart from everything else.
      log('memory again with breaker.samplingWindowMs = 1000…');
      const short = await measureMemory(emulator.openaiBaseUrl, checkpoints, 32, { breaker: { samplingWindowMs: 1_000 } });
      details.memory = { defaultConfig: m, shortBreakerWindow: short };
      const [first, mid, last] = m.readings;
      figures.push(
        info('memory', `heapUsed after ${first.afterRequests}`, first.heapUsedMB, 'MB'),
        info('memory', `heapUsed after ${mid.afterRequests}`, mid.heapUsedMB, 'MB'),
        info('memory', `heapUsed after ${last.afterRequests}`, last.heapUsedMB, 'MB'),
        flat(`growth ${first.afterRequests} → ${last.afterRequests}`, m),
        flat('same, breaker window 1 s (diagnostic)', short),
      );
    }
    if (only.has('breaker')) {
      log('circuit breaker with a full 60 s sampling window…');
      const rows = [100, 1_000].map((rate) => measureBreakerWindow(rate, scale(2_000)));
      details.breakerWindow = rows;
      for (const b of rows) {
        figures.push(
          info('breaker', `per success, window full at ${b.ratePerSecond} req/s (${b.windowSamples} samples)`, b.successUs, 'µs'),
          info('breaker', `per failure, window full at ${b.ratePerSecond} req/s`, b.failureUs, 'µs'),
        );
      }
    }
    if (only.has('sharedState')) {
      log('shared state through a loopback redis-server…');
      const s = await measureSharedState(emulator.openaiBaseUrl, scale(2_000), scale(200));
      details.sharedState = s;
      figures.push(
        info('shared state', 'engine p50, local state only', s.localP50Ms, 'ms'),
        atMost('shared state', 'added p50 per request (team budget + breakers)', s.addedP50Ms, 'ms', 0.3),
        atMost('shared state', 'added p50 per request (team budget + breakers + metrics)', s.addedWithMetricsP50Ms, 'ms', 0.3),
        info('shared state', 'cache hit through Redis p50', s.redisHitP50Ms, 'ms'),
        atMost('shared state', 'cache hit through Redis p99', s.redisHitP99Ms, 'ms', 0.5),
        info('shared state', `team spend, ${s.racers} racers on a $${s.limitUsd} budget`, s.teamSpentUsd, 'USD'),
        atMost('shared state', `overshoot (≤ in-flight estimates: ${s.racers} × $${s.estimateUsd})`, s.overshootUsd, 'USD', s.allowedOvershootUsd),
      );
    }
    if (only.has('editor')) {
      const unavailable = editorBenchUnavailable();
      if (unavailable) {
        log(`editor section skipped: ${unavailable}`);
      } else {
        log('activation and extension host memory in real VS Code (code-server)…');
        const requests = scale(1_000);
        const e = await measureEditor({ repoRoot: process.cwd(), emulatorOrigin: emulator.origin, requests, timeoutMs: 240_000 });
        details.editor = e;
        const mb = (n: number) => round(n, 1);
        figures.push(
          atMost('editor', 'activation (VS Code: code loading + activate())', e.activationMs, 'ms', 20),
          info('editor', 'extension host heap after activation', mb(e.afterActivation.heapUsedMB), 'MB'),
          ...(e.beforeActivation ? [info('editor', 'heap added by activation (engine bundle loaded)', mb(e.afterActivation.heapUsedMB - e.beforeActivation.heapUsedMB), 'MB')] : []),
          info('editor', `heap added by ${requests} requests (after the first)`, mb(e.afterRequests.heapUsedMB - e.afterFirstRequest.heapUsedMB), 'MB'),
          info('editor', `RSS added by the first request + ${requests} more`, mb(e.afterRequests.rssMB - e.afterActivation.rssMB), 'MB'),
          info('editor', 'request through the extension host (mean)', round(e.requestsMs / requests, 2), 'ms'),
        );
      }
    }
  } finally {
    await emulator.close();
  }

  const result = {
    machine: { ...env, loadAvgAtEnd: os.loadavg().map((l) => round(l, 2)) },
    quick,
    /** 'bundle' = esbuild bundle like the shipped build; 'tsx' = run from TypeScript sources (slower: tsx keeps names). */
    code: __filename.endsWith('.js') ? 'bundle' : 'tsx',
    finishedAt: new Date().toISOString(),
    durationSeconds: round((performance.now() - started) / 1000, 1),
    figures,
    details,
  };
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`\nLLM Router benchmark — ${env.cpu}, ${env.cores} cores, node ${env.node}, code: ${result.code}\n`);
  process.stdout.write(`load average ${env.loadAvgAtStart.join(' ')} → ${result.machine.loadAvgAtEnd.join(' ')}, ${result.durationSeconds} s${quick ? ' (QUICK: counts shrunk, figures not meaningful)' : ''}\n\n`);
  process.stdout.write(`${renderTable(figures)}\n\nwritten to ${path.relative(process.cwd(), out)}\n`);
  const missed = figures.filter((f) => f.pass === false).length;
  if (missed > 0) process.stdout.write(`${missed} target(s) missed (reported, not a failure).\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`benchmark crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
