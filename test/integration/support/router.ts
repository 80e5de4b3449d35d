import { isDeepStrictEqual } from 'node:util';
import * as vscode from 'vscode';
import type { LlmRouterTestExports } from '../../../src/extension/extension';
import type { LlmRouterApi } from '../../../src/extension/publicApi';
import type { RouterHost } from '../../../src/extension/routerHost';
import { waitFor } from './waitFor';

export const EXTENSION_ID = 'llm-router.llm-router';

export interface ProviderEntry {
  id: string;
  kind: 'openai' | 'openai-compatible' | 'anthropic' | 'gemini' | 'cohere' | 'ollama' | 'vscode-lm';
  model: string;
  baseUrl?: string;
  priority?: number;
  pricing?: { inputPerMillion: number; outputPerMillion: number };
  [field: string]: unknown;
}

/** The extension's test-mode exports; activates it when `onStartupFinished` has not happened yet. */
async function testExports(): Promise<LlmRouterTestExports> {
  const extension = vscode.extensions.getExtension<LlmRouterTestExports>(EXTENSION_ID);
  if (!extension) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  const exports = await extension.activate();
  if (!exports.testing) throw new Error(`extension ${EXTENSION_ID} runs outside ExtensionMode.Test, so it does not expose its host`);
  return exports;
}

/** The window's RouterHost: exported only while VS Code runs the extension's tests (ExtensionMode.Test). */
export async function routerHost(): Promise<RouterHost> {
  return (await testExports()).testing.host;
}

/** Exactly what activate() returns to other extensions in production. */
export async function productionExports(): Promise<LlmRouterApi> {
  return (await testExports()).testing.productionExports;
}

/** Stores (or, with '', removes) a provider's key in SecretStorage, as 'LLM Router: Set API Key' does with what the user types. */
export async function storeKey(providerId: string, key: string): Promise<void> {
  const host = await routerHost();
  if (key === '') await host.keys.delete(providerId);
  else {
    await host.keys.store(providerId, key);
    host.resetBreakers(providerId);
  }
}

/**
 * Small, fast resilience settings so a test never waits on production back-offs; breakers stay open
 * (halfOpenAfterMs) for longer than any test looks at them.
 */
export const FAST_SETTINGS: Record<string, unknown> = {
  'retry.maxAttempts': 2,
  'retry.baseDelayMs': 5,
  'retry.maxDelayMs': 50,
  'breaker.consecutiveFailures': 5,
  'breaker.halfOpenAfterMs': 120_000,
  'timeouts.firstTokenMs': 20_000,
  'timeouts.totalMs': 20_000,
  'routing.requestBudgetMs': 25_000,
  'routing.strategy': 'priority',
  // An alert's notification would land on other suites' screens; the alerts suite turns them on.
  'alerts.enabled': false,
};

/**
 * Writes `llmRouter.<key>` settings at user level, the way a person edits settings.json, and waits
 * until the running engine uses them (a change applies live, through onDidChangeConfiguration).
 * `undefined` removes a setting; such keys are not waited for. Each suite configures everything it
 * relies on (FAST_SETTINGS and its providers); values already in place are not written again.
 */
export async function configure(values: Record<string, unknown>, target = vscode.ConfigurationTarget.Global): Promise<void> {
  const host = await routerHost();
  const section = vscode.workspace.getConfiguration('llmRouter');
  for (const [key, value] of Object.entries(values)) {
    if (!isDeepStrictEqual(valueAt(section.inspect(key), target), value)) await section.update(key, value, target);
  }
  await waitFor(`the engine to apply ${Object.keys(values).join(', ')}`, () =>
    Object.entries(values).every(([key, value]) => value === undefined || applied(host, key, value)),
  );
}

/** The user-level values of `llmRouter.<key>` now (undefined where unset), for an after() to hand back to configure(). */
export function userValues(keys: string[]): Record<string, unknown> {
  const section = vscode.workspace.getConfiguration('llmRouter');
  return Object.fromEntries(keys.map((key) => [key, section.inspect(key)?.globalValue]));
}

function valueAt(inspected: ReturnType<vscode.WorkspaceConfiguration['inspect']>, target: vscode.ConfigurationTarget): unknown {
  if (target === vscode.ConfigurationTarget.Global) return inspected?.globalValue;
  if (target === vscode.ConfigurationTarget.Workspace) return inspected?.workspaceValue;
  return inspected?.workspaceFolderValue;
}

function applied(host: RouterHost, key: string, value: unknown): boolean {
  if (key === 'providers') {
    const entries = value as ProviderEntry[];
    const wanted = entries.map((p) => [p.id, p.baseUrl?.replace(/\/+$/, '')]);
    // An entry without baseUrl (the kind's default host, or an editor model) is compared by id only.
    const running = host.providers().map((p, i) => [p.id, entries[i]?.baseUrl === undefined ? undefined : p.baseUrl]);
    return isDeepStrictEqual(running, wanted);
  }
  const actual = key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], host.config);
  return isDeepStrictEqual(actual, value);
}

/** Every request starts from a clean slate: closed breakers, no cached answers, no old notifications. */
export async function freshState(): Promise<void> {
  const host = await routerHost();
  host.resetBreakers();
  await host.clearCache();
  await vscode.commands.executeCommand('notifications.clearAll');
}

/** A one-line request through the host, as the commands send theirs. */
export function ask(host: RouterHost, text: string, opts: Parameters<RouterHost['run']>[1] = {}) {
  return host.run({ messages: [{ role: 'user', content: text }], purpose: 'integration-test' }, { noCache: true, ...opts });
}
