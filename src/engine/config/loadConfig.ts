import type { z } from 'zod';
import { ConfigError } from '../errors';
import { configSchema, type RouterConfig } from './schema';

export interface ParsedConfig {
  config: RouterConfig;
  /** Keys that mean nothing to the router (probably typos); reported, not fatal. */
  warnings: string[];
}

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
  const result = configSchema.safeParse(nested, { reportInput: true });
  if (!result.success) throw new ConfigError(result.error.issues.map(toIssue));
  return { config: result.data, warnings: unknownKeys(nested) };
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

function toIssue(issue: z.core.$ZodIssue): { path: string; message: string } {
  return { path: formatPath(issue.path), message: describeIssue(issue) };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${article(issue.expected)} (got ${describeValue(issue.input)})`;
    case 'too_small':
      return `must be ${issue.inclusive ? 'at least' : 'greater than'} ${String(issue.minimum)}${issue.input !== undefined ? ` (got ${describeValue(issue.input)})` : ''}`;
    case 'too_big':
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${String(issue.maximum)}${issue.input !== undefined ? ` (got ${describeValue(issue.input)})` : ''}`;
    default:
      return issue.message;
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

function unknownKeys(nested: Record<string, unknown>): string[] {
  const warnings: string[] = [];
  const walk = (value: unknown, shape: Record<string, z.ZodType> | undefined, path: (string | number)[]) => {
    if (!shape || !isPlainObject(value)) return;
    for (const [k, v] of Object.entries(value)) {
      const child = shape[k];
      if (!child) {
        warnings.push(`${formatPath([...path, k])}: unknown setting, ignored`);
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
  return warnings;
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
