import { isDeepStrictEqual } from 'node:util';
import * as vscode from 'vscode';
import type { LlmRouterApi } from '../../../src/extension/extension';
import type { RouterHost } from '../../../src/extension/routerHost';
import { waitFor } from './waitFor';

export const EXTENSION_ID = 'llm-router.llm-router';

export interface ProviderEntry {
  id: string;
  kind: 'openai' | 'openai-compatible' | 'anthropic' | 'gemini' | 'cohere' | 'ollama';
  model: string;
  baseUrl?: string;
  priority?: number;
  pricing?: { inputPerMillion: number; outputPerMillion: number };
  [field: string]: unknown;
}

/** The extension's exports; activates it when `onStartupFinished` has not happened yet. */
export async function routerHost(): Promise<RouterHost> {
  const extension = vscode.extensions.getExtension<LlmRouterApi>(EXTENSION_ID);
  if (!extension) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  return (await extension.activate()).host;
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

function valueAt(inspected: ReturnType<vscode.WorkspaceConfiguration['inspect']>, target: vscode.ConfigurationTarget): unknown {
  if (target === vscode.ConfigurationTarget.Global) return inspected?.globalValue;
  if (target === vscode.ConfigurationTarget.Workspace) return inspected?.workspaceValue;
  return inspected?.workspaceFolderValue;
}

function applied(host: RouterHost, key: string, value: unknown): boolean {
  if (key === 'providers') {
    const wanted = (value as ProviderEntry[]).map((p) => [p.id, p.baseUrl?.replace(/\/+$/, '')]);
    const running = host.providers().map((p) => [p.id, p.baseUrl]);
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
