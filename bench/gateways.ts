import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Agent, request } from 'undici';
import { direct, llmRouterServe, passThrough, portkey, startUpstream, type Target } from './gatewaysTargets';
import { quantile, round, runConcurrent } from './stats';

/**
 * `npm run bench:gateways`: the same non-streamed chat completion sent to one loopback upstream directly,
 * through `llm-router serve`, through Portkey's gateway and through a bare Node pass-through (the floor for
 * any extra Node hop), in one run. Sequential latency is measured in
 * interleaved rounds (each target in turn) so machine load hits all three alike; throughput at concurrency 64
 * in alternating rounds. Bounded by counts; loopback only. `--quick` divides the counts by 10.
 */
const QUICK = process.argv.includes('--quick');
const scale = (n: number) => (QUICK ? Math.ceil(n / 10) : n);
const WARMUP = scale(1_000);
const LATENCY_SAMPLES = scale(5_000);
const THROUGHPUT_REQUESTS = scale(2_000);
const THROUGHPUT_ROUNDS = QUICK ? 1 : 3;
const CONCURRENCY = 64;

interface Client {
  target: Target;
  send(): Promise<void>;
  close(): Promise<void>;
}

function client(target: Target): Client {
  const agent = new Agent({ keepAliveTimeout: 60_000, connections: CONCURRENCY });
  const body = JSON.stringify({ model: target.model, messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 16 });
  const headers = { 'content-type': 'application/json', ...target.headers };
  return {
    target,
    async send() {
      const res = await request(target.url, { method: 'POST', headers, body, dispatcher: agent });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`${target.name}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
      const parsed = JSON.parse(text) as { choices?: { message?: { content?: string } }[] };
      if (!parsed.choices?.[0]?.message?.content) throw new Error(`${target.name}: no answer text in ${text.slice(0, 300)}`);
    },
    close: () => agent.close(),
  };
}

async function timeOne(c: Client): Promise<number> {
  const t0 = process.hrtime.bigint();
  await c.send();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

interface Row {
  name: string;
  p50Ms: number;
  p99Ms: number;
  seqRps: number;
  c64Rps: number;
  /** The gateway process's CPU time per request at c=64 (Linux only). */
  cpuUsPerRequest?: number;
}

/** user + system CPU ms of a process, from /proc (undefined elsewhere). */
function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

async function measure(clients: Client[]): Promise<Row[]> {
  for (const c of clients) for (let i = 0; i < WARMUP; i++) await c.send();
  const samples = clients.map(() => [] as number[]);
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    // Rotate who goes first so no target always follows the same one.
    for (let k = 0; k < clients.length; k++) {
      const j = (i + k) % clients.length;
      samples[j].push(await timeOne(clients[j]));
    }
  }
  const rps = clients.map(() => [] as number[]);
  const cpu = clients.map(() => [] as number[]);
  for (let r = 0; r < THROUGHPUT_ROUNDS; r++) {
    const order = r % 2 === 0 ? clients.map((_, j) => j) : clients.map((_, j) => clients.length - 1 - j);
    for (const j of order) {
      const cpu0 = processCpuMs(clients[j].target.pid);
      const ms = await runConcurrent(THROUGHPUT_REQUESTS, CONCURRENCY, () => clients[j].send());
      const cpu1 = processCpuMs(clients[j].target.pid);
      rps[j].push((THROUGHPUT_REQUESTS / ms) * 1000);
      if (cpu0 !== undefined && cpu1 !== undefined) cpu[j].push(((cpu1 - cpu0) * 1000) / THROUGHPUT_REQUESTS);
    }
  }
  return clients.map((c, j) => {
    const sum = samples[j].reduce((a, b) => a + b, 0);
    return { name: c.target.name, p50Ms: quantile(samples[j], 0.5), p99Ms: quantile(samples[j], 0.99), seqRps: (samples[j].length / sum) * 1000, c64Rps: quantile(rps[j], 0.5), cpuUsPerRequest: cpu[j].length > 0 ? quantile(cpu[j], 0.5) : undefined };
  });
}

function table(rows: Row[]): string {
  const base = rows[0];
  const head = ['target', 'p50 ms', 'p99 ms', 'added p50 ms', 'added p99 ms', 'seq req/s', 'seq ×direct', 'c=64 req/s', 'c=64 ×direct', 'gateway CPU µs/req'];
  const lines = rows.map((r) => [
    r.name,
    round(r.p50Ms, 3),
    round(r.p99Ms, 3),
    r === base ? '—' : round(r.p50Ms - base.p50Ms, 3),
    r === base ? '—' : round(r.p99Ms - base.p99Ms, 3),
    Math.round(r.seqRps),
    r === base ? '—' : round(r.seqRps / base.seqRps, 3),
    Math.round(r.c64Rps),
    r === base ? '—' : round(r.c64Rps / base.c64Rps, 3),
    r.cpuUsPerRequest === undefined ? '—' : Math.round(r.cpuUsPerRequest),
  ]);
  return [head, head.map(() => '---'), ...lines].map((l) => `| ${l.join(' | ')} |`).join('\n');
}

function verdict(rows: Row[]): string[] {
  const [d, ours] = rows;
  const pk = rows.find((r) => r.name.startsWith('portkey'));
  const addedP50 = ours.p50Ms - d.p50Ms;
  const addedP99 = ours.p99Ms - d.p99Ms;
  const ratio = ours.c64Rps / d.c64Rps;
  const check = (ok: boolean, what: string) => `${ok ? 'met   ' : 'MISSED'} ${what}`;
  const out = [
    check(addedP50 <= 0.2, `added p50 ≤ 0.2 ms (measured ${round(addedP50, 3)} ms)`),
    check(addedP99 <= 1, `added p99 ≤ 1 ms (measured ${round(addedP99, 3)} ms)`),
    check(ratio >= 0.9, `throughput ≥ 0.9× direct at c=64 (measured ${round(ratio, 3)}×)`),
  ];
  if (pk) {
    const ahead = ours.p50Ms < pk.p50Ms && ours.p99Ms < pk.p99Ms && ours.seqRps > pk.seqRps && ours.c64Rps > pk.c64Rps;
    out.push(check(ahead, 'ahead of Portkey on p50, p99, sequential and c=64 throughput'));
  }
  return out;
}

async function main(): Promise<void> {
  const log = (m: string) => process.stderr.write(`bench:gateways: ${m}\n`);
  const started = Date.now();
  const load0 = loadavg()[0];
  const upstream = await startUpstream();
  const targets: Target[] = [direct(upstream.origin)];
  try {
    targets.push(await llmRouterServe(upstream.origin));
    if (!process.argv.includes('--no-portkey')) targets.push(await portkey(upstream.origin, log));
    targets.push(await passThrough(upstream.origin));
    const clients = targets.map(client);
    log(`${WARMUP} warm-up and ${LATENCY_SAMPLES} timed sequential requests per target, then ${THROUGHPUT_ROUNDS} rounds of ${THROUGHPUT_REQUESTS} at c=${CONCURRENCY}`);
    const rows = await measure(clients);
    await Promise.all(clients.map((c) => c.close()));
    process.stdout.write(`\n${table(rows)}\n\n${verdict(rows).join('\n')}\n`);
    process.stdout.write(`\nNode ${process.version}, load average ${round(load0, 2)} → ${round(loadavg()[0], 2)}, ${round((Date.now() - started) / 1000, 1)} s\n`);
  } finally {
    for (const t of targets) await t.stop();
    await upstream.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:gateways failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
