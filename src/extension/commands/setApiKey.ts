import * as vscode from 'vscode';
import type { RouterHost } from '../routerHost';

/**
 * Picks a provider and stores the key the user types into a password box; an empty answer removes it.
 * Any extension or `command:` link can run this command, so an argument may only preselect the provider:
 * a key passed as an argument is ignored, never stored.
 */
export function registerSetApiKey(host: RouterHost): vscode.Disposable {
  return vscode.commands.registerCommand('llmRouter.setApiKey', async (args?: unknown) => {
    const providers = host.providers();
    let id = preselectedProvider(args);
    if (!id) {
      const items = await Promise.all(
        providers.map(async (p) => ({ label: p.id, description: `${p.kind} · ${p.model}`, detail: (await host.keys.has(p.id)) ? 'A key is stored' : 'No key stored', id: p.id })),
      );
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
    const key = await vscode.window.showInputBox({
      title: `API key for '${id}'`,
      prompt: 'Stored in VS Code’s secret storage, never in settings. Leave empty to remove the stored key.',
      password: true,
      ignoreFocusOut: true,
    });
    if (key === undefined) return false;
    if (key.trim() === '') {
      await host.keys.delete(id);
      void vscode.window.showInformationMessage(`LLM Router: removed the stored key for '${id}'.`);
    } else {
      await host.keys.store(id, key.trim());
      host.resetBreakers(id);
      void vscode.window.showInformationMessage(`LLM Router: stored the key for '${id}'.`);
    }
    return true;
  });
}

/** The provider id from `{ providerId }`; nothing else in an argument is read. */
function preselectedProvider(args: unknown): string | undefined {
  const id = (args as { providerId?: unknown } | undefined)?.providerId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}
