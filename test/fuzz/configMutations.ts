import type { Rng } from './fuzzKit';

export type Path = (string | number)[];

/** A valid config with three providers; every mutation breaks exactly one field of a deep copy of it. */
export function validConfig(): Record<string, unknown> {
  return {
    providers: [
      { id: 'openai', kind: 'openai', model: 'gpt-4o-mini', apiKeyEnv: 'OPENAI_API_KEY', priority: 1, weight: 2 },
      { id: 'claude', kind: 'anthropic', model: 'claude-sonnet-4-5', baseUrl: 'https://api.anthropic.com', pricing: { inputPerMillion: 3, outputPerMillion: 15 } },
      { id: 'groq', kind: 'openai-compatible', model: 'llama', baseUrl: 'https://api.groq.com/openai/v1', weight: 1, timeoutMs: 5000, headers: { 'X-Title': 'router' } },
    ],
    routing: { strategy: 'weighted', requestBudgetMs: 60_000, hedging: { enabled: true, minDelayMs: 200 } },
    timeouts: { connectMs: 2_000, firstTokenMs: 10_000, totalMs: 30_000 },
    retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 4_000 },
    breaker: { consecutiveFailures: 5, failureRateThreshold: 0.5, minimumRequests: 10, samplingWindowMs: 60_000, halfOpenAfterMs: 5_000, maxHalfOpenAfterMs: 60_000 },
    cache: { enabled: true, ttlSeconds: 3_600, maxBytes: 1_000_000 },
    budget: { dailyUsd: 5, monthlyUsd: 50, warnAtPercent: 80 },
    limits: { maxResponseBytes: 1_000_000 },
  };
}

const P = (i: number, field: string): Path => ['providers', i, field];

/** Fields and values that are wrong for them: wrong types, out of range, NaN/Infinity, unknown enum members, bad URLs. */
export const FIELD_BREAKS: { path: (i: number) => Path; values: unknown[]; jsonSafe?: boolean }[] = [
  { path: (i) => P(i, 'id'), values: [123, '', 'has space', 'x'.repeat(65), null, ['a'], {}, '-leading-dash'] },
  { path: (i) => P(i, 'kind'), values: ['openia', 'OpenAI', '', 7, null, ['openai'], 'azure'] },
  { path: (i) => P(i, 'baseUrl'), values: ['not a url', 'ftp://files.example.com', 'localhost:11434', '', 5, 'http//missing-colon', 'javascript:alert(1)', 'file:///etc/passwd'] },
  { path: (i) => P(i, 'model'), values: ['', 5, null, {}, []] },
  { path: (i) => P(i, 'apiKeyEnv'), values: ['1BAD', 'has-dash', '', 5, 'sk-looks-like-a-key'] },
  { path: (i) => P(i, 'priority'), values: [1.5, 'high', NaN, null, Infinity] },
  { path: (i) => P(i, 'weight'), values: [0, -1, NaN, Infinity, -Infinity, '1', null, true] },
  { path: (i) => P(i, 'timeoutMs'), values: [0, -100, 1.5, NaN, Infinity, '100'] },
  { path: (i) => P(i, 'pricing'), values: ['cheap', 5, [], null] },
  // Only provider 1 has pricing: a lone inputPerMillion elsewhere would also (rightly) lack outputPerMillion.
  { path: () => [...P(1, 'pricing'), 'inputPerMillion'], values: [-1, 'free', NaN] },
  { path: (i) => P(i, 'contextWindow'), values: [0, -1, 2.5, '128k'] },
  { path: (i) => P(i, 'headers'), values: ['x', [], 5] },
  { path: (i) => [...P(i, 'headers'), 'X-Bad'], values: [5, null, true, {}] },
  { path: (i) => P(i, 'enabled'), values: ['yes', 1, null] },
  { path: () => ['routing', 'strategy'], values: ['fastest', 1, null, 'Priority'] },
  { path: () => ['routing', 'requestBudgetMs'], values: [0, -1, NaN, 'x', 1.5] },
  { path: () => ['routing', 'hedging', 'enabled'], values: ['true', 1] },
  { path: () => ['routing', 'hedging', 'minDelayMs'], values: [0, -5, Infinity] },
  { path: () => ['timeouts', 'connectMs'], values: [-1, 0, 0.5, NaN, Infinity, '5'] },
  { path: () => ['timeouts', 'firstTokenMs'], values: [-1, 0, 'soon'] },
  { path: () => ['timeouts', 'totalMs'], values: [-30_000, 0, NaN] },
  { path: () => ['retry', 'maxAttempts'], values: [0, 11, 2.5, -1, '3'] },
  { path: () => ['retry', 'baseDelayMs'], values: [-1, 'x', NaN] },
  { path: () => ['breaker', 'consecutiveFailures'], values: [0, -1, 2.5] },
  { path: () => ['breaker', 'failureRateThreshold'], values: [0, 1.5, -0.1, NaN, '50%'] },
  { path: () => ['breaker', 'minimumRequests'], values: [0, -1] },
  { path: () => ['breaker', 'samplingWindowMs'], values: [0, -60_000] },
  { path: () => ['cache', 'enabled'], values: ['no', 0] },
  { path: () => ['cache', 'ttlSeconds'], values: [0, -1, 1.5] },
  { path: () => ['cache', 'maxBytes'], values: [0, '50MB'] },
  { path: () => ['budget', 'dailyUsd'], values: [-1, 'ten', NaN, Infinity] },
  { path: () => ['budget', 'monthlyUsd'], values: [-5, {}] },
  { path: () => ['budget', 'warnAtPercent'], values: [0, 101, -1] },
  { path: () => ['limits', 'maxResponseBytes'], values: [0, -1, 1.5, 'big'] },
];

/** Structural breaks: a section of the wrong shape, a required field missing, cross-field rules. */
export const STRUCTURE_BREAKS: { name: string; apply: (cfg: Record<string, unknown>, i: number) => Path }[] = [
  { name: 'routing is a string', apply: (c) => ((c.routing = 'priority'), ['routing']) },
  { name: 'timeouts is a number', apply: (c) => ((c.timeouts = 5), ['timeouts']) },
  { name: 'retry is an array', apply: (c) => ((c.retry = []), ['retry']) },
  { name: 'breaker is null', apply: (c) => ((c.breaker = null), ['breaker']) },
  { name: 'hedging is a boolean', apply: (c) => ((c.routing as Record<string, unknown>).hedging = true, ['routing', 'hedging']) },
  { name: 'providers is an object', apply: (c) => ((c.providers = { openai: { kind: 'openai' } }), ['providers']) },
  { name: 'a provider is a string', apply: (c, i) => (((c.providers as unknown[])[i] = 'openai'), ['providers', i]) },
  { name: 'a provider is null', apply: (c, i) => (((c.providers as unknown[])[i] = null), ['providers', i]) },
  { name: 'id missing', apply: (c, i) => (delete provider(c, i).id, P(i, 'id')) },
  { name: 'kind missing', apply: (c, i) => (delete provider(c, i).kind, P(i, 'kind')) },
  { name: 'model missing', apply: (c, i) => (delete provider(c, i).model, P(i, 'model')) },
  {
    name: 'duplicate id',
    apply: (c, i) => {
      const j = i === 0 ? 1 : 0;
      provider(c, Math.max(i, j)).id = provider(c, Math.min(i, j)).id;
      return P(Math.max(i, j), 'id');
    },
  },
  {
    name: 'openai-compatible without baseUrl',
    apply: (c, i) => {
      provider(c, i).kind = 'openai-compatible';
      delete provider(c, i).baseUrl;
      return P(i, 'baseUrl');
    },
  },
  { name: 'maxDelayMs below baseDelayMs', apply: (c) => (Object.assign(c.retry as object, { baseDelayMs: 500, maxDelayMs: 100 }), ['retry', 'maxDelayMs']) },
  { name: 'maxHalfOpenAfterMs below halfOpenAfterMs', apply: (c) => (Object.assign(c.breaker as object, { halfOpenAfterMs: 9_000, maxHalfOpenAfterMs: 1_000 }), ['breaker', 'maxHalfOpenAfterMs']) },
];

function provider(cfg: Record<string, unknown>, i: number): Record<string, unknown> {
  return (cfg.providers as Record<string, unknown>[])[i];
}

export function setAt(obj: Record<string, unknown>, path: Path, value: unknown): void {
  let target = obj as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) {
    if (target[seg] === null || typeof target[seg] !== 'object') target[seg] = {};
    target = target[seg] as Record<string | number, unknown>;
  }
  target[path[path.length - 1]] = value;
}

/** Same spelling as the engine's ConfigError paths: `providers[2].weight`. */
export function pathText(path: Path): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out;
}

/** Whether an issue path names the broken field or something inside it. */
export function isAtOrUnder(issuePath: string, broken: string): boolean {
  return issuePath === broken || issuePath.startsWith(`${broken}.`) || issuePath.startsWith(`${broken}[`);
}

export function randomProviderIndex(rng: Rng): number {
  return rng.int(3);
}
