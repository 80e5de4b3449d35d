import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseConfig } from '../../src/engine/config/loadConfig';
import { RouterEngine, type EngineOptions } from '../../src/engine/engine';
import type { ProviderKind } from '../../src/engine/types';
import { startEmulator, type Emulator, type EmulatorOptions } from '../emulator/server';

export interface HarnessProvider {
  id: string;
  kind?: ProviderKind;
  /** Extra provider fields (priority, weight, pricing, timeoutMs…). */
  extra?: Record<string, unknown>;
  /** Options for this provider's emulator (e.g. cachedInputTokens). */
  emulator?: Omit<EmulatorOptions, 'name'>;
}

export interface Harness {
  emulators: Record<string, Emulator>;
  engine: RouterEngine;
  stateDir: string;
  /** Builds another engine on the same state dir and emulators (a "restart" or second process). */
  newEngine(overrides?: Record<string, unknown>, opts?: Partial<EngineOptions>): RouterEngine;
  close(): Promise<void>;
}

/** Fast settings so fault tests finish in milliseconds; tests override what they examine. */
export const FAST_SETTINGS = {
  timeouts: { connectMs: 500, firstTokenMs: 1_000, totalMs: 2_000 },
  retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 50 },
  breaker: { consecutiveFailures: 3, minimumRequests: 10, halfOpenAfterMs: 200, maxHalfOpenAfterMs: 1_000 },
  routing: { requestBudgetMs: 5_000 },
};

/** Starts one emulator per provider (each named after it) and an engine routing across them. */
export async function startHarness(providers: HarnessProvider[], settings: Record<string, unknown> = {}, opts: Partial<EngineOptions> = {}): Promise<Harness> {
  const emulators: Record<string, Emulator> = {};
  for (const p of providers) emulators[p.id] = await startEmulator({ ...p.emulator, name: p.id });
  const stateDir = await mkdtemp(path.join(tmpdir(), 'llm-router-test-'));
  const engines: RouterEngine[] = [];
  const build = (overrides: Record<string, unknown> = {}, extraOpts: Partial<EngineOptions> = {}) => {
    const raw = deepMerge(deepMerge(FAST_SETTINGS, settings), overrides);
    raw.providers = providers.map((p) => ({
      id: p.id,
      kind: p.kind ?? 'openai',
      model: `${p.id}-model`,
      baseUrl: emulators[p.id].baseUrl(p.kind ?? 'openai'),
      apiKeyEnv: 'LLM_ROUTER_TEST_KEY',
      ...p.extra,
    }));
    const engine = new RouterEngine({ config: parseConfig(raw).config, stateDir, resolveKey: () => 'sk-test-key', ...opts, ...extraOpts });
    engines.push(engine);
    return engine;
  };
  const engine = build();
  return {
    emulators,
    engine,
    stateDir,
    newEngine: build,
    async close() {
      await Promise.all(engines.map((e) => e.close()));
      await Promise.all(Object.values(emulators).map((e) => e.close()));
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isObj(prev) && isObj(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
