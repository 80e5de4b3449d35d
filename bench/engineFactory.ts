import { parseConfig } from '../src/engine/config/loadConfig';
import { RouterEngine } from '../src/engine/engine';
import type { ChatRequest } from '../src/engine/types';

export const BENCH_KEY = 'sk-bench-not-a-real-key';
export const BENCH_MODEL = 'bench-model';

/** A small, typical non-streamed request. */
export const BENCH_REQUEST: ChatRequest = {
  system: 'You are a concise assistant.',
  messages: [{ role: 'user', content: 'Explain in one sentence what a circuit breaker does in an HTTP client.' }],
  maxTokens: 64,
  temperature: 0.2,
};

/** The same request offering two tools; the benchmark emulator answers it with one call to the first (see emulatorProcess.ts). */
export const BENCH_TOOL_REQUEST: ChatRequest = {
  ...BENCH_REQUEST,
  messages: [{ role: 'user', content: 'What is the weather in Zürich for the next three days? Use the tools.' }],
  tools: [
    {
      name: 'get_weather',
      description: 'Current weather and a forecast for a place.',
      parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' }, units: { type: 'string', enum: ['metric', 'imperial'] } }, required: ['city'] },
    },
    {
      name: 'search_docs',
      description: 'Full-text search in the project documentation.',
      parameters: { type: 'object', properties: { query: { type: 'string' }, limit: { type: 'integer' } }, required: ['query'] },
    },
  ],
};

export interface BenchProvider {
  id: string;
  baseUrl: string;
}

/** An engine over openai-kind providers (priority order as given); settings are merged over the defaults. */
export function benchEngine(providers: BenchProvider[], settings: Record<string, unknown> = {}, stateDir?: string): RouterEngine {
  const raw = {
    ...settings,
    providers: providers.map((p, i) => ({ id: p.id, kind: 'openai', model: BENCH_MODEL, baseUrl: p.baseUrl, priority: i })),
  };
  return new RouterEngine({ config: parseConfig(raw).config, stateDir, resolveKey: () => BENCH_KEY });
}

export const NO_CACHE = { cache: { enabled: false } };
