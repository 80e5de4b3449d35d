import * as vscode from 'vscode';
import { parseConfig, PLAIN_KEY_FIELDS } from '../engine/config/loadConfig';
import { configSchema, type ProviderConfig, type RouterConfig } from '../engine/config/schema';
import { ConfigError } from '../engine/errors';

export const SECTION = 'llmRouter';
const TOP_LEVEL_KEYS = Object.keys(configSchema.shape);

/** Used until the user configures a provider, so the commands can explain how. */
export const DEFAULT_PROVIDER: ProviderConfig = { id: 'ollama', kind: 'ollama', model: 'llama3.2', baseUrl: 'http://localhost:11434' };

export type SettingsResult =
  | { ok: true; config: RouterConfig; usingDefaultProvider: boolean; warnings: string[]; plainKeyProviders: string[] }
  | { ok: false; issues: { path: string; message: string }[] };

/** Reads `llmRouter.*` as the engine's config; VS Code has already applied workspace trust to the values. */
export function readSettings(): SettingsResult {
  const section = vscode.workspace.getConfiguration(SECTION);
  const raw: Record<string, unknown> = {};
  for (const key of TOP_LEVEL_KEYS) {
    const value = section.get(key);
    if (value !== undefined) raw[key] = value;
  }
  // VS Code fills each contributed field with its default, so shared state that is off arrives as { url: '', … }.
  if (isObject(raw.sharedState) && !raw.sharedState.url) delete raw.sharedState;
  const providers = Array.isArray(raw.providers) ? (raw.providers as unknown[]) : [];
  const plainKeyProviders = providers.flatMap((p) => (isObject(p) && hasPlainKey(p) ? [String(p.id ?? '?')] : []));
  const usingDefaultProvider = providers.length === 0;
  if (usingDefaultProvider) raw.providers = [DEFAULT_PROVIDER];
  else raw.providers = providers.map((p) => (isObject(p) ? withoutPlainKeys(p) : p));
  try {
    const { config, warnings } = parseConfig(raw);
    return { ok: true, config, usingDefaultProvider, warnings: warnings.map((w) => `llmRouter.${w}`), plainKeyProviders };
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, issues: err.issues.map((i) => ({ path: `llmRouter.${i.path}`, message: i.message })) };
    throw err;
  }
}

function hasPlainKey(p: Record<string, unknown>): boolean {
  return PLAIN_KEY_FIELDS.some((f) => typeof p[f] === 'string' && (p[f] as string) !== '');
}

/** A key typed into settings is reported, never used or echoed, and not mistaken for an unknown-setting typo. */
function withoutPlainKeys(p: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...p };
  for (const f of PLAIN_KEY_FIELDS) delete copy[f];
  return copy;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Where a provider's definition comes from: the user's own settings, or a workspace's. */
export function providerOrigin(id: string): 'user' | 'workspace' | 'default' {
  const inspected = vscode.workspace.getConfiguration(SECTION).inspect<unknown[]>('providers');
  const has = (list: unknown[] | undefined) => Array.isArray(list) && list.some((p) => isObject(p) && p.id === id);
  if (has(inspected?.workspaceFolderValue) || has(inspected?.workspaceValue)) return 'workspace';
  if (has(inspected?.globalValue)) return 'user';
  return 'default';
}

/** The baseUrl the user's own settings give this provider id, if any. */
export function userBaseUrl(id: string): string | undefined {
  const inspected = vscode.workspace.getConfiguration(SECTION).inspect<unknown[]>('providers');
  const entry = inspected?.globalValue?.find((p) => isObject(p) && p.id === id) as Record<string, unknown> | undefined;
  return typeof entry?.baseUrl === 'string' ? entry.baseUrl.replace(/\/+$/, '') : undefined;
}
