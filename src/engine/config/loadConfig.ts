import type { z } from 'zod';
import { ConfigError } from '../errors';
import { configSchema, type RouterConfig } from './schema';

export interface ParsedConfig {
  config: RouterConfig;
  /** Keys outside a provider that mean nothing to the router (probably typos); reported, not fatal. */
  warnings: string[];
}

/** Fields where a user may have put a key by mistake: a problem there never shows the value. */
const SECRET_PATH = /key|token|secret|password|auth|headers/i;
/** Where people put a key by mistake; the config never reads one. */
export const PLAIN_KEY_FIELDS = ['apiKey', 'api_key', 'key', 'token'];

const SETTINGS_PREFIX = 'llmRouter.';

/**
 * Accepts the settings' shape with or without the `llmRouter.` prefix, nested or with dotted keys
 * (`"routing.strategy": "cost"`), as settings.json allows both.
 */
export function parseConfig(raw: unknown): ParsedConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError([{ path: '', message: 'the configuration must be a JSON object' }]);
  }
  const nested = expandDottedKeys(raw as Record<string, unknown>);
  const providers = Array.isArray(nested.providers) ? (nested.providers as unknown[]) : [];
  const result = configSchema.safeParse(nested, { reportInput: true });
  const { warnings, providerIssues } = unknownKeys(nested, providers);
  // A misspelt field first: it usually explains the other problems (a 'baseURL' leaves baseUrl missing).
  const issues = [...providerIssues, ...(result.success ? [] : result.error.issues.map((i) => toIssue(i, providers)))];
  if (!result.success || issues.length > 0) throw new ConfigError(issues);
  return { config: result.data, warnings };
}

/**
 * `providers['groq'].baseUrl`: a provider is named by its id; by its 0-based index only when it has no valid,
 * unique id (the id itself is what is wrong, or two providers share it).
 */
function formatPath(path: readonly PropertyKey[], providers: readonly unknown[] = []): string {
  let out = '';
  path.forEach((seg, i) => {
    if (typeof seg === 'number') {
      const id = i === 1 && path[0] === 'providers' ? providerId(providers, seg) : undefined;
      out += id === undefined ? `[${seg}]` : `['${id}']`;
    } else out += out === '' ? String(seg) : `.${String(seg)}`;
  });
  return out;
}

function providerId(providers: readonly unknown[], index: number): string | undefined {
  const idOf = (p: unknown) => (isPlainObject(p) && typeof p.id === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(p.id) ? p.id : undefined);
  const id = idOf(providers[index]);
  return id !== undefined && providers.filter((p) => idOf(p) === id).length === 1 ? id : undefined;
}

function toIssue(issue: z.core.$ZodIssue, providers: readonly unknown[]): { path: string; message: string } {
  const secret = issue.path.some((seg) => typeof seg === 'string' && SECRET_PATH.test(seg));
  return { path: formatPath(issue.path, providers), message: describeIssue(issue, secret) };
}

function describeIssue(issue: z.core.$ZodIssue, secret: boolean): string {
  const got = (v: unknown) => (v === undefined ? '' : ` (got ${secret ? 'a value that is not shown' : describeValue(v)})`);
  switch (issue.code) {
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}${got(issue.input)}`;
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${article(issue.expected)}${got(issue.input)}`;
    case 'too_small':
      return `must be ${issue.inclusive ? 'at least' : 'greater than'} ${String(issue.minimum)}${got(issue.input)}`;
    case 'too_big':
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${String(issue.maximum)}${got(issue.input)}`;
    default:
      // A refinement of the whole config reports the whole config as its input: not worth echoing.
      return `${issue.message}${isPlainObject(issue.input) ? '' : got(issue.input)}`;
  }
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number' && Number.isNaN(v)) return 'NaN';
  if (typeof v === 'string') return `"${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  return typeof v === 'object' ? 'an object' : String(v);
}

function expandDottedKeys(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, value] of Object.entries(raw)) {
    const key = rawKey.startsWith(SETTINGS_PREFIX) ? rawKey.slice(SETTINGS_PREFIX.length) : rawKey;
    const parts = key.split('.');
    let target = out;
    for (const part of parts.slice(0, -1)) {
      const existing = target[part];
      if (existing === null || typeof existing !== 'object' || Array.isArray(existing)) target[part] = {};
      target = target[part] as Record<string, unknown>;
    }
    const last = parts[parts.length - 1];
    const existing = target[last];
    if (isPlainObject(existing) && isPlainObject(value)) target[last] = { ...existing, ...value };
    else target[last] = value;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Unknown keys: a warning elsewhere, an error in a provider (a misspelt baseUrl would send its key to the default host). */
function unknownKeys(nested: Record<string, unknown>, providers: readonly unknown[]): { warnings: string[]; providerIssues: { path: string; message: string }[] } {
  const warnings: string[] = [];
  const providerIssues: { path: string; message: string }[] = [];
  const walk = (value: unknown, shape: Record<string, z.ZodType> | undefined, path: (string | number)[]) => {
    if (!shape || !isPlainObject(value)) return;
    for (const [k, v] of Object.entries(value)) {
      const child = shape[k];
      if (!child) {
        if (path[0] === 'providers') providerIssues.push({ path: formatPath([...path, k], providers), message: unknownProviderField(k, Object.keys(shape), providers, path[1] as number) });
        else warnings.push(`${formatPath([...path, k])}: unknown setting, ignored${didYouMean(k, Object.keys(shape))}`);
        continue;
      }
      if (k === 'providers' && Array.isArray(v)) {
        v.forEach((p, i) => walk(p, objectShape(providerShape()), ['providers', i]));
      } else if (k !== 'headers') {
        walk(v, objectShape(child), [...path, k]);
      }
    }
  };
  walk(nested, objectShape(configSchema), []);
  return { warnings, providerIssues };
}

function unknownProviderField(field: string, known: string[], providers: readonly unknown[], index: number): string {
  const id = providerId(providers, index);
  const which = id === undefined ? `providers[${index}]` : `provider '${id}'`;
  if (PLAIN_KEY_FIELDS.includes(field)) return `unknown field '${field}' in ${which} — a key is never read from the configuration; put it in an environment variable and name that in apiKeyEnv`;
  const hint = didYouMean(field, known);
  return `unknown field '${field}' in ${which}${hint || ` — remove it (known fields: ${known.join(', ')})`}`;
}

/** ` — did you mean 'baseUrl'?` for a near miss (other case, or one or two letters off), else ''. */
function didYouMean(word: string, candidates: readonly string[]): string {
  const lower = word.toLowerCase();
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = c.toLowerCase() === lower ? 0 : editDistance(lower, c.toLowerCase());
    if (!best || d < best.d) best = { c, d };
  }
  return best && best.d <= Math.min(2, Math.floor(best.c.length / 3)) ? ` — did you mean '${best.c}'?` : '';
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

function providerShape(): z.ZodType {
  return (objectShape(configSchema)?.providers as unknown as { unwrap(): { element: z.ZodType } }).unwrap().element;
}

/** Looks through zod wrappers (default, prefault, pipe, refinements) to an object's shape. */
function objectShape(t: z.ZodType | undefined): Record<string, z.ZodType> | undefined {
  let cur: unknown = t;
  for (let i = 0; i < 8 && cur; i++) {
    const def = (cur as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return undefined;
    if (def.type === 'object') return def.shape as Record<string, z.ZodType>;
    cur = def.innerType ?? def.in ?? def.schema;
  }
  return undefined;
}
