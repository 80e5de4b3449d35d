import * as vscode from 'vscode';
import { usesKey } from '../dashboard/toProtocol';
import type { RouterHost } from '../routerHost';

type Choice = { label: string; description?: string; action: 'replace' } | { label: string; description?: string; action: 'add' } | { label: string; description?: string; action: 'remove'; index: number };

/**
 * Picks a provider and stores the key the user types into a password box: the first one, a replacement for
 * every stored key, or one more; a stored key can be removed by its place (`key 2 of 3`).
 * Any extension or `command:` link can run this command, so an argument may only preselect the provider:
 * a key passed as an argument is ignored, never stored.
 */
export function registerSetApiKey(host: RouterHost): vscode.Disposable {
  return vscode.commands.registerCommand('llmRouter.setApiKey', async (args?: unknown) => {
    const providers = host.providers();
    let id = preselectedProvider(args);
    if (!id) {
      const listed = await Promise.all(
        providers.map(async (p) => ({ label: p.id, description: `${p.kind} · ${p.model}`, detail: await keyText(host, p), id: p.id, sent: usesKey(p.kind, p.baseUrl) })),
      );
      // Providers that are sent a key first; a local server's entry says it takes none, as the dashboard's missing Set key does.
      const items = [...listed.filter((i) => i.sent), ...listed.filter((i) => !i.sent)];
      if (items.length === 0) {
        void vscode.window.showWarningMessage('LLM Router: configure a provider in llmRouter.providers first.');
        return false;
      }
      id = (await vscode.window.showQuickPick(items, { title: 'LLM Router: Set API Key', placeHolder: 'Which provider is the key for?' }))?.id;
      if (!id) return false;
    }
    if (!providers.some((p) => p.id === id)) {
      void vscode.window.showErrorMessage(`LLM Router: there is no provider '${id}' in llmRouter.providers.`);
      return false;
    }
    const stored = await host.keys.describe(id);
    if (stored.length === 0) return replaceKeys(host, id, 0);
    const choice = await vscode.window.showQuickPick(choicesFor(stored), {
      title: `LLM Router: API keys for '${id}' (${storedText(stored.length)})`,
      placeHolder: 'The router uses the keys in order; a key that is rate-limited or refused cools down and the next one serves.',
    });
    if (!choice) return false;
    if (choice.action === 'replace') return replaceKeys(host, id, stored.length);
    if (choice.action === 'add') return addKey(host, id, stored.length);
    await host.keys.remove(id, choice.index);
    void vscode.window.showInformationMessage(`LLM Router: removed ${stored[choice.index].label} for '${id}'; ${stored.length - 1} left.`);
    return true;
  });
}

function choicesFor(stored: { label: string; fingerprint: string }[]): Choice[] {
  const several = stored.length > 1;
  return [
    { label: several ? 'Replace the keys' : 'Replace the key', description: several ? `one key instead of all ${stored.length}` : undefined, action: 'replace' },
    { label: 'Add another key', description: `becomes key ${stored.length + 1} of ${stored.length + 1}`, action: 'add' },
    ...stored.map((k, index): Choice => ({ label: several ? `Remove ${k.label}` : 'Remove the key', description: `sha256 ${k.fingerprint}…`, action: 'remove', index })),
  ];
}

/** Stores the typed key as the provider's only key; an empty answer removes every stored key. */
async function replaceKeys(host: RouterHost, id: string, count: number): Promise<boolean> {
  const key = await askForKey(`API key for '${id}'`, `Stored in VS Code’s secret storage, never in settings. Leave empty to remove the stored ${count > 1 ? 'keys' : 'key'}.`);
  if (key === undefined) return false;
  if (key === '') {
    await host.keys.delete(id);
    void vscode.window.showInformationMessage(`LLM Router: removed the stored ${count > 1 ? 'keys' : 'key'} for '${id}'.`);
    return true;
  }
  await host.keys.store(id, key);
  host.resetBreakers(id);
  void vscode.window.showInformationMessage(`LLM Router: stored the key for '${id}'.`);
  return true;
}

async function addKey(host: RouterHost, id: string, count: number): Promise<boolean> {
  const key = await askForKey(`Another API key for '${id}' (key ${count + 1} of ${count + 1})`, 'Stored in VS Code’s secret storage, never in settings. Used when the keys before it are rate-limited or refused.');
  if (!key) return false;
  const outcome = await host.keys.add(id, key);
  if (!outcome.added) {
    void vscode.window.showWarningMessage(`LLM Router: that key is already stored for '${id}' as key ${outcome.duplicateOf + 1} of ${count}; nothing changed.`);
    return false;
  }
  host.resetBreakers(id);
  void vscode.window.showInformationMessage(`LLM Router: added key ${outcome.count} of ${outcome.count} for '${id}'.`);
  return true;
}

/** The trimmed key the user typed, '' for an empty answer, undefined when the box was closed. */
async function askForKey(title: string, prompt: string): Promise<string | undefined> {
  const key = await vscode.window.showInputBox({ title, prompt, password: true, ignoreFocusOut: true });
  return key?.trim();
}

/** What the provider is sent now: its stored keys, else the variable its apiKeyEnv names when that is set. */
async function keyText(host: RouterHost, p: { id: string; kind: Parameters<typeof usesKey>[0]; baseUrl: string }): Promise<string> {
  const count = await host.keys.count(p.id);
  if (count > 0) return storedText(count);
  if (!usesKey(p.kind, p.baseUrl)) return 'No key stored · usually needs none: a local server';
  const names = host.config.providers.find((c) => c.id === p.id)?.apiKeyEnv;
  const set = (Array.isArray(names) ? names : names ? [names] : []).filter((n) => (process.env[n] ?? '') !== '');
  return set.length > 0 ? `No key stored · uses ${set.join(', ')} from the environment` : storedText(0);
}

function storedText(count: number): string {
  return count === 0 ? 'No key stored' : count === 1 ? 'A key is stored' : `${count} keys stored`;
}

/** The provider id from `{ providerId }`; nothing else in an argument is read. */
function preselectedProvider(args: unknown): string | undefined {
  const id = (args as { providerId?: unknown } | undefined)?.providerId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}
