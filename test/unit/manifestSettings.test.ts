import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { configSchema } from '../../src/engine/config/schema';

// The zod schema is the one source of each setting's default and limits; package.json's contributes.configuration
// must say the same, or the Settings UI would show one default while the router ran with another.

type JsonSchema = Record<string, unknown>;

const manifest = JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as {
  contributes: { configuration: Array<{ properties: Record<string, JsonSchema> }> };
  capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
};
const contributed: Record<string, JsonSchema> = Object.assign({}, ...manifest.contributes.configuration.map((section) => section.properties));
const fromZod = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
/**
 * The defaults the router really runs with: what the schema makes of no settings at all, and, for shared state
 * (off until its url and namespace are set, which have no default), what it makes of those two alone.
 */
const runtimeDefaults = configSchema.parse({ sharedState: { url: 'redis://127.0.0.1:6379', namespace: 'team' } }) as Record<string, unknown>;
const NO_DEFAULT = ['llmRouter.sharedState.url', 'llmRouter.sharedState.namespace'];

function valueAt(obj: Record<string, unknown>, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], obj);
}

/** Settings are flat in the manifest (`llmRouter.retry.maxAttempts`) and nested in the schema; arrays stay whole. */
function leaves(node: JsonSchema, prefix: string, out: Map<string, JsonSchema> = new Map()): Map<string, JsonSchema> {
  const props = node.properties as Record<string, JsonSchema> | undefined;
  if (node.type === 'object' && props && node.additionalProperties === undefined) {
    for (const [key, child] of Object.entries(props)) leaves(child, `${prefix}.${key}`, out);
  } else {
    out.set(prefix, node);
  }
  return out;
}

const SAFE = Number.MAX_SAFE_INTEGER;

/**
 * What both sides must agree on, in one spelling: zod writes "integer > 0" as exclusiveMinimum 0, the manifest as
 * minimum 1; zod adds ±MAX_SAFE_INTEGER bounds to every integer; a nullable setting with no default defaults to null.
 * Editor-only hints (descriptions, order, scope, snippets, additionalProperties: false) are not compared.
 */
function contract(node: JsonSchema): Record<string, unknown> {
  const variants = Array.isArray(node.anyOf) ? (node.anyOf as JsonSchema[]) : [node];
  const types = new Set<string>();
  for (const v of variants) for (const t of [v.type].flat()) if (typeof t === 'string') types.add(t);
  const merged: JsonSchema = Object.assign({}, ...variants.map(({ type: _t, ...rest }) => rest), node.anyOf ? { default: node.default } : {});
  const out: Record<string, unknown> = { type: [...types].sort() };
  let min = merged.minimum as number | undefined;
  let exclusiveMin = merged.exclusiveMinimum as number | undefined;
  if (types.has('integer') && exclusiveMin !== undefined) {
    min = Math.floor(exclusiveMin) + 1;
    exclusiveMin = undefined;
  }
  const max = merged.maximum as number | undefined;
  if (min !== undefined && min !== -SAFE) out.minimum = min;
  if (exclusiveMin !== undefined) out.exclusiveMinimum = exclusiveMin;
  if (max !== undefined && max !== SAFE) out.maximum = max;
  const fallback = types.has('null') ? null : undefined;
  out.default = merged.default === undefined ? fallback : merged.default;
  for (const key of ['exclusiveMaximum', 'enum', 'minLength', 'maxLength', 'pattern', 'required'] as const) {
    if (merged[key] !== undefined) out[key] = merged[key];
  }
  if (merged.items) out.items = contract(merged.items as JsonSchema);
  if (merged.properties) {
    out.properties = Object.fromEntries(Object.entries(merged.properties as Record<string, JsonSchema>).map(([k, v]) => [k, contract(v)]));
  }
  if (typeof merged.additionalProperties === 'object') out.additionalProperties = contract(merged.additionalProperties as JsonSchema);
  return out;
}

/** A manifest-only constraint the schema checks in code rather than in JSON Schema, with the reason it may differ. */
const EDITOR_HINTS: Record<string, (m: Record<string, unknown>) => void> = {
  // The schema's URL check is a refine (http or https, parsed by URL); the manifest's pattern is that check's editor hint.
  'llmRouter.providers': (m) => {
    const baseUrl = ((m.items as Record<string, unknown>).properties as Record<string, Record<string, unknown>>).baseUrl;
    assert.equal(baseUrl.pattern, '^https?://', 'the manifest hints the same rule the schema enforces for baseUrl');
    delete baseUrl.pattern;
  },
};

/**
 * Settings only the CLI reads: in the editor the Redis password lives in secret storage, not in an environment variable,
 * and the editor's gateway is for this machine alone, never behind a load balancer.
 */
const CLI_ONLY = ['llmRouter.sharedState.passwordEnv', 'llmRouter.gateway.allowedHosts'];

/** Settings a workspace must not set: they open a port on this machine, or send the user's state elsewhere. */
const USER_LEVEL_ONLY = ['llmRouter.gateway.', 'llmRouter.sharedState.'];

describe('settings: package.json agrees with the zod schema', () => {
  const schemaSettings = new Map([...leaves(fromZod, 'llmRouter')].filter(([key]) => !CLI_ONLY.some((prefix) => key.startsWith(prefix))));

  it('contributes exactly the settings the schema defines', () => {
    assert.deepEqual(Object.keys(contributed).sort(), [...schemaSettings.keys()].sort());
  });

  for (const [key, schemaNode] of schemaSettings) {
    it(`${key}: same type, default, limits and allowed values`, () => {
      const node = contributed[key];
      assert.ok(node, `${key} is missing from contributes.configuration`);
      const fromManifest = contract(node);
      EDITOR_HINTS[key]?.(fromManifest);
      const expected = contract(schemaNode);
      const parsed = NO_DEFAULT.includes(key) ? undefined : valueAt(runtimeDefaults, key.slice('llmRouter.'.length));
      // A setting left unset ("no limit") is null in settings.json and undefined in the parsed config.
      expected.default = parsed === undefined && (expected.type as string[]).includes('null') ? null : parsed;
      assert.deepEqual(fromManifest, expected);
    });
  }

  it('restricts in untrusted workspaces only settings that exist', () => {
    for (const key of manifest.capabilities.untrustedWorkspaces.restrictedConfigurations) assert.ok(contributed[key], key);
  });

  it('lets only user settings turn on the gateway or point shared state elsewhere: machine scope, restricted in untrusted workspaces', () => {
    const keys = Object.keys(contributed).filter((key) => USER_LEVEL_ONLY.some((prefix) => key.startsWith(prefix)));
    assert.ok(keys.length > 0);
    for (const key of keys) {
      assert.ok(['machine', 'application'].includes(contributed[key].scope as string), `${key} has scope ${String(contributed[key].scope)}`);
      assert.ok(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(key), `${key} is restricted`);
    }
  });

  it('notices drift: a changed default, limit or enum value fails the comparison', () => {
    const retry = contract(contributed['llmRouter.retry.maxAttempts']);
    for (const drifted of [{ default: 4 }, { maximum: 11 }, { minimum: 0 }, { type: 'number' }]) {
      assert.notDeepEqual(contract({ ...contributed['llmRouter.retry.maxAttempts'], ...drifted }), retry, JSON.stringify(drifted));
    }
    const strategy = contributed['llmRouter.routing.strategy'];
    assert.notDeepEqual(contract({ ...strategy, enum: (strategy.enum as string[]).slice(1) }), contract(strategy));
    const providers = structuredClone(contributed['llmRouter.providers']);
    ((providers.items as JsonSchema).properties as Record<string, JsonSchema>).kind.enum = ['openai'];
    assert.notDeepEqual(contract(providers), contract(contributed['llmRouter.providers']), 'a provider field drifts too');
  });
});
