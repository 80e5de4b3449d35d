import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Agent } from 'undici';
import { parseConfig } from '../../src/engine/config/loadConfig';
import type { RoutingStrategy } from '../../src/engine/config/schema';
import { RouterEngine } from '../../src/engine/engine';
import { AllProvidersFailedError, ProviderError } from '../../src/engine/errors';
import type { ProviderKind } from '../../src/engine/types';
import { runChaos } from '../chaos/chaosRun';
import { observeDispatches } from '../chaos/dispatchObserver';
import { startEmulator, type Emulator, type Fault } from '../emulator/server';
import { CLI_PATH, runCli } from '../support/runCli';
import { scanEmulatorRequests, scanStateDir, scanText, type Leak } from '../fuzz/secretScan';
import { envKeyFor, keySourceFor } from '../../src/engine/providers/vendorKeys';


const PROVIDERS: { id: string; kind: ProviderKind; env: string }[] = [
  { id: 'alpha', kind: 'openai', env: 'ALPHA_KEY' },
  { id: 'beta', kind: 'anthropic', env: 'BETA_KEY' },
  { id: 'gamma', kind: 'gemini', env: 'GAMMA_KEY' },
  { id: 'delta', kind: 'cohere', env: 'DELTA_KEY' },
];
const KEYS: Record<string, string> = {
  alpha: 'sk-test-SECRET-4242-alpha-7f3a9c1e5d',
  beta: 'sk-ant-test-SECRET-4242-beta-0b8d2e',
  gamma: 'AIza-test-SECRET-4242-gamma-55e19f',
  delta: 'co-test-SECRET-4242-delta-a1b2c3d4',
};
/** Each whole key, and the part they share, so a truncated key is caught too. */
const NEEDLES = [...Object.values(KEYS), 'SECRET-4242'];

/** Provider errors that put the caller's own key in the body, as a careless provider or proxy might. */
function echoingFaults(id: string): Fault[] {
  const key = KEYS[id];
  return [
    { type: 'status', status: 401, message: `Incorrect API key provided: ${key}. You can find your API key at https://example.invalid.` },
    { type: 'status', status: 403, message: `key ${key} may not use this model` },
    { type: 'status', status: 429, retryAfterMs: 20, message: `rate limit for key ${key}` },
    { type: 'status', status: 400, message: `invalid request from ${key}` },
    { type: 'streamError', message: `stream failed for ${key}` },
  ];
}

async function startEmulators(): Promise<Record<string, Emulator>> {
  const out: Record<string, Emulator> = {};
  for (const p of PROVIDERS) out[p.id] = await startEmulator({ name: p.id });
  return out;
}

function rawConfig(emulators: Record<string, Emulator>, strategy: RoutingStrategy = 'priority', extra: Record<string, unknown> = {}) {
  return {
    providers: PROVIDERS.map((p, i) => ({ id: p.id, kind: p.kind, model: `${p.id}-model`, baseUrl: emulators[p.id].baseUrl(p.kind), apiKeyEnv: p.env, priority: i + 1 })),
    routing: { strategy, requestBudgetMs: 10_000 },
    timeouts: { connectMs: 500, firstTokenMs: 2_000, totalMs: 3_000 },
    retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 30 },
    breaker: { consecutiveFailures: 50, minimumRequests: 100 },
    ...extra,
  };
}

function describeLeaks(leaks: Leak[]): string {
  return leaks.slice(0, 10).map((l) => `${l.where}: …${l.context}…`).join('\n');
}

function errorRecord(err: unknown): unknown {
  if (err instanceof AllProvidersFailedError) return { name: err.name, message: err.message, attempts: err.attempts, partialText: err.partialText, stack: err.stack };
  if (err instanceof ProviderError) return { name: err.name, message: err.message, errorClass: err.errorClass, cause: String(err.cause), stack: err.stack };
  return { name: (err as Error)?.name, message: (err as Error)?.message, stack: (err as Error)?.stack };
}


describe('secrets: a known fake key appears nowhere but in its own provider’s auth header', function () {
  this.timeout(60_000);
  const dirs: string[] = [];
  const tempDir = async () => {
    const d = await mkdtemp(path.join(tmpdir(), 'llm-router-secrets-'));
    dirs.push(d);
    return d;
  };
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('engine: every strategy, streamed and not, errors that echo the key, health, stats, events and state files', async () => {
    const emulators = await startEmulators();
    const stateDir = await tempDir();
    const outputs: string[] = [];
    const warnings: string[] = [];
    const engine = new RouterEngine({ config: parseConfig(rawConfig(emulators)).config, stateDir, resolveKey: (p) => KEYS[p.id], warn: (m) => warnings.push(m) });
    engine.onEvent((e) => outputs.push(JSON.stringify(e)));
    const record = async (label: string, run: () => Promise<unknown>) => {
      try {
        outputs.push(`${label}: ${JSON.stringify(await run())}`);
      } catch (err) {
        outputs.push(`${label}: ${JSON.stringify(errorRecord(err))}`);
      }
    };
    try {
      let n = 0;
      for (const strategy of ['priority', 'weighted', 'latency', 'cost'] as const) {
        engine.updateConfig(parseConfig(rawConfig(emulators, strategy)).config);
        for (const stream of [false, true]) {
          const deltas: string[] = [];
          await record(`${strategy} stream=${stream}`, () => engine.chat({ messages: [{ role: 'user', content: `q${n++}` }], stream }, { onText: stream ? (d) => void deltas.push(d) : undefined }));
          outputs.push(deltas.join(''));
        }
      }
      engine.updateConfig(parseConfig(rawConfig(emulators)).config);
      // Every provider in turn answers with each error that echoes its key; the request falls through to the next.
      for (const p of PROVIDERS) {
        for (const fault of echoingFaults(p.id)) {
          for (const stream of [false, true]) {
            emulators[p.id].enqueue(fault, fault);
            await record(`${p.id} ${fault.type} stream=${stream}`, () => engine.chat({ messages: [{ role: 'user', content: `e${n++}` }], stream }, { onText: stream ? () => undefined : undefined, noCache: true }));
            emulators[p.id].reset();
          }
        }
      }
      for (const p of PROVIDERS) emulators[p.id].enqueue(...echoingFaults(p.id).slice(0, 1), ...echoingFaults(p.id).slice(0, 1));
      await record('all fail', () => engine.chat({ messages: [{ role: 'user', content: 'doomed' }] }, { noCache: true }));
      emulators.alpha.enqueue(echoingFaults('alpha')[0]);
      emulators.delta.enqueue(echoingFaults('delta')[1]);
      await record('health', () => engine.health());
      await record('stats', () => engine.stats('today'));
      await record('providers', async () => engine.providers());
      for (const w of ['5m', '1h', '24h'] as const) await record(`metrics ${w}`, async () => engine.metricsSnapshot(w));
      await record('history', async () => engine.metricsHistory());
    } finally {
      await engine.close();
    }

    const leaks = [...scanText('engine results, errors, attempts and events', outputs.join('\n'), NEEDLES), ...scanText('warnings', warnings.join('\n'), NEEDLES)];
    const state = await scanStateDir(stateDir, NEEDLES);
    leaks.push(...state.leaks);
    const wire = scanEmulatorRequests(emulators, KEYS);
    leaks.push(...wire.leaks);
    await Promise.all(Object.values(emulators).map((e) => e.close()));
    assert.deepEqual(leaks, [], describeLeaks(leaks));
    // The scan is not vacuous: errors were produced, the state dir was written, and keys did travel in headers.
    assert.ok(outputs.some((o) => o.includes('"errorClass":"auth"')), 'no auth error was produced');
    assert.ok(state.files.some((f) => f.endsWith('cache.bin')) && state.files.some((f) => f.endsWith('breakers.json')), state.files.join(', '));
    assert.ok(wire.keyedRequests > 20, `only ${wire.keyedRequests} requests carried a key`);
  });

  it('chaos-lite: figures, engine warnings and the state dir of a short chaos run with known keys contain no key', async () => {
    const stateDir = await tempDir();
    const keys = { openai: KEYS.alpha, anthropic: KEYS.beta, gemini: KEYS.gamma };
    const figures = await runChaos({ requests: 60, concurrency: 12, faultRate: 0.3, seed: 5, keys, stateDir, attemptTimeoutMs: 600 });
    assert.ok(figures.faults.injected > 5);
    const leaks = [...scanText('chaos figures', JSON.stringify(figures), NEEDLES), ...(await scanStateDir(stateDir, NEEDLES)).leaks];
    assert.deepEqual(leaks, [], describeLeaks(leaks));
  });

  it('CLI: ask, analyze, health and stats, with --json and without, succeeding and failing, print no key and store none', async function () {
    if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run 'npm run build' first (npm test does).`);
    const stateDir = await tempDir();
    const work = await tempDir();
    const source = path.join(work, 'sample.ts');
    await writeFile(source, 'export const x = 1;\nconsole.log(x)\n');
    const env = Object.fromEntries(PROVIDERS.map((p) => [p.env, KEYS[p.id]]));
    const findings = JSON.stringify({ findings: [{ line: 2, severity: 'warning', message: 'a console.log is left in' }] });
    const allFail = Object.fromEntries(PROVIDERS.map((p) => [p.id, [echoingFaults(p.id)[0], echoingFaults(p.id)[0]]]));
    const scenarios: { name: string; args: string[]; faults?: Record<string, Fault[]> }[] = [
      { name: 'ask', args: ['ask', 'hello'] },
      { name: 'ask --json, first provider rejects the key', args: ['ask', '--json', '--no-cache', 'fallback'], faults: { alpha: [echoingFaults('alpha')[0]] } },
      { name: 'ask --stream, stream error', args: ['ask', '--stream', '--no-cache', 'broken'], faults: { alpha: [echoingFaults('alpha')[4]] } },
      { name: 'ask, all fail', args: ['ask', '--no-cache', 'doomed'], faults: allFail },
      { name: 'ask --json, all fail', args: ['ask', '--json', '--no-cache', 'doomed json'], faults: allFail },
      { name: 'analyze --json', args: ['analyze', '--json', '--no-cache', source], faults: { alpha: [{ type: 'ok', reply: findings }] } },
      { name: 'analyze, all fail', args: ['analyze', '--no-cache', source], faults: allFail },
      { name: 'health', args: ['health'], faults: { beta: [echoingFaults('beta')[0]] } },
      { name: 'health --json', args: ['health', '--json'], faults: { alpha: [echoingFaults('alpha')[0]], gamma: [echoingFaults('gamma')[1]] } },
      { name: 'stats', args: ['stats'] },
      { name: 'stats --json', args: ['stats', '--json', '--window', '24h'] },
    ];
    const leaks: Leak[] = [];
    const codes: Record<string, number | null> = {};
    let keyed = 0;
    // Each scenario has its own emulators, so they can run side by side without taking each other's faults.
    await Promise.all(
      scenarios.map(async (s) => {
        const emulators = await startEmulators();
        try {
          for (const [id, faults] of Object.entries(s.faults ?? {})) emulators[id].enqueue(...faults);
          const cfg = path.join(work, `${s.name.replace(/\W+/g, '-')}.json`);
          await writeFile(cfg, JSON.stringify(rawConfig(emulators, 'priority', { retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 10 } })));
          const r = await runCli([...s.args.slice(0, 1), '--config', cfg, '--state-dir', stateDir, ...s.args.slice(1)], { env });
          codes[s.name] = r.code;
          leaks.push(...scanText(`${s.name} stdout`, r.stdout, NEEDLES), ...scanText(`${s.name} stderr`, r.stderr, NEEDLES));
          const wire = scanEmulatorRequests(emulators, KEYS);
          leaks.push(...wire.leaks);
          keyed += wire.keyedRequests;
        } finally {
          await Promise.all(Object.values(emulators).map((e) => e.close()));
        }
      }),
    );
    leaks.push(...(await scanStateDir(stateDir, NEEDLES)).leaks);
    assert.deepEqual(leaks, [], describeLeaks(leaks));
    // Both outcomes were exercised: successes exit 0, failures exit 3.
    assert.equal(codes.ask, 0);
    assert.equal(codes['ask, all fail'], 3);
    assert.equal(codes['ask --json, all fail'], 3);
    assert.equal(codes['analyze --json'], 0);
    assert.ok(keyed > 10, `only ${keyed} requests carried a key`);
  });

  it('never sends a key over plain http to a non-loopback host: insecure_endpoint, and no request leaves the client', async () => {
    const emulators = await startEmulators();
    let insecureDispatches = 0;
    let loopbackDispatches = 0;
    const agent = new Agent();
    const dispatcher = observeDispatches(
      agent,
      (origin) => (origin.includes('.invalid') ? 'insecure' : 'loopback'),
      (d) => void (d.provider === 'insecure' ? insecureDispatches++ : loopbackDispatches++),
    );
    const raw = rawConfig(emulators);
    // Plain http to a name under .invalid, which can never resolve: nothing could leave the machine even by mistake.
    raw.providers[0] = { ...raw.providers[0], baseUrl: 'http://api.example.invalid/v1' };
    const engine = new RouterEngine({ config: parseConfig(raw).config, resolveKey: (p) => KEYS[p.id], dispatcher });
    try {
      const answer = await engine.chat({ messages: [{ role: 'user', content: 'over http?' }] }, { noCache: true });
      assert.equal(answer.provider, 'beta', 'falls back to the next provider');
      const first = answer.attempts[0];
      assert.equal(first.provider, 'alpha');
      assert.equal(first.errorClass, 'insecure_endpoint');
      assert.match(first.message ?? '', /refusing to send an API key over http to api\.example\.invalid; use https/);
      const probes = await engine.health();
      assert.equal(probes.find((p) => p.provider === 'alpha')?.errorClass, 'insecure_endpoint');
      // The refusal never counts against the provider as if it had failed.
      assert.equal(engine.providers().find((p) => p.id === 'alpha')?.breaker.consecutiveFailures, 0);
    } finally {
      await engine.close();
      await agent.close();
      await Promise.all(Object.values(emulators).map((e) => e.close()));
    }
    assert.equal(insecureDispatches, 0, 'a request to the insecure endpoint was dispatched');
    assert.ok(loopbackDispatches > 0, 'plain http to loopback (the emulators) must still work');
  });
});

describe('vendor key variables: each goes only to its vendor’s official host', () => {
  const VENDOR_ENV = { OPENAI_API_KEY: 'sk-openai', ANTHROPIC_API_KEY: 'sk-ant', GEMINI_API_KEY: 'gem', GOOGLE_API_KEY: 'goo', CO_API_KEY: 'co', MISTRAL_API_KEY: 'mis', GROQ_API_KEY: 'gsk', CEREBRAS_API_KEY: 'csk', OPENROUTER_API_KEY: 'or', MY_PROXY_KEY: 'proxy' };
  const provider = (kind: ProviderKind, baseUrl?: string, apiKeyEnv?: string) => parseConfig({ providers: [{ id: 'p', kind, model: 'm', baseUrl, apiKeyEnv }] }).config.providers[0];
  const keyFor = (kind: ProviderKind, baseUrl?: string, apiKeyEnv?: string) => {
    try {
      return envKeyFor(provider(kind, baseUrl, apiKeyEnv), VENDOR_ENV);
    } catch (err) {
      return err instanceof ProviderError ? `${err.errorClass}: ${err.message}` : String(err);
    }
  };

  it('sends the vendor’s usual variable to its default and official hosts', () => {
    assert.equal(keyFor('openai'), 'sk-openai');
    assert.equal(keyFor('anthropic'), 'sk-ant');
    assert.equal(keyFor('gemini'), 'gem', 'GEMINI_API_KEY comes before GOOGLE_API_KEY');
    assert.equal(envKeyFor(provider('gemini'), { GOOGLE_API_KEY: 'goo' }), 'goo');
    assert.equal(keyFor('cohere'), 'co');
    assert.equal(keyFor('cohere', 'https://api.cohere.ai'), 'co');
    assert.equal(keyFor('openai-compatible', 'https://api.mistral.ai/v1'), 'mis');
    assert.equal(keyFor('openai-compatible', 'https://api.groq.com/openai/v1'), 'gsk');
    assert.equal(keyFor('openai-compatible', 'https://api.cerebras.ai/v1'), 'csk');
    assert.equal(keyFor('openai-compatible', 'https://openrouter.ai/api/v1'), 'or');
    assert.equal(keyFor('openai', 'https://API.OPENAI.COM./v1'), 'sk-openai', 'host names compare case-insensitively, trailing dot or not');
  });

  it('withholds it from every other host — lookalikes, other ports, plain http, loopback — saying what to set', () => {
    for (const url of ['https://api.openai.com.evil.example/v1', 'https://evil-api.openai.com/v1', 'https://api.openai.com:8443/v1', 'http://127.0.0.1:8080/v1', 'https://proxy.example/v1']) {
      assert.equal(
        keyFor('openai', url),
        `missing_key: Provider 'p' uses a custom host (${new URL(url).host}); name the variable holding its key in providers[].apiKeyEnv — OPENAI_API_KEY is only sent to api.openai.com.`,
        url,
      );
    }
    assert.match(keyFor('anthropic', 'https://claude-proxy.example') ?? '', /ANTHROPIC_API_KEY is only sent to api\.anthropic\.com/);
    assert.match(keyFor('cohere', 'https://cohere.proxy.example') ?? '', /CO_API_KEY is only sent to api\.cohere\.com or api\.cohere\.ai/);
    // openai-compatible has no vendor of its own: a custom host just gets no key (it may not need one).
    assert.equal(keyFor('openai-compatible', 'https://llm.internal.example/v1'), undefined);
    assert.equal(keyFor('ollama'), undefined);
    assert.equal(keySourceFor(provider('openai', 'https://proxy.example/v1')).origin, 'none');
  });

  it('sends a variable named in apiKeyEnv to any host, and only that one', () => {
    assert.equal(keyFor('openai', 'https://proxy.example/v1', 'MY_PROXY_KEY'), 'proxy');
    assert.equal(keyFor('openai', 'http://127.0.0.1:8080/v1', 'OPENAI_API_KEY'), 'sk-openai');
    assert.equal(keyFor('openai', undefined, 'MY_PROXY_KEY'), 'proxy', 'apiKeyEnv wins on the official host too');
    assert.equal(keyFor('openai', 'https://proxy.example/v1', 'UNSET_VARIABLE'), undefined);
  });
});

