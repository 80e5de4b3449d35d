import * as vscode from 'vscode';
import type { RouterHost } from '../routerHost';

interface SetApiKeyArgs {
  providerId?: string;
  /** For automation: stores this key without prompting. An empty string removes the stored key. */
  key?: string;
}

/** Picks a provider and stores its key in SecretStorage from a password box; an empty answer removes it. */
export function registerSetApiKey(host: RouterHost): vscode.Disposable {
  return vscode.commands.registerCommand('llmRouter.setApiKey', async (args?: SetApiKeyArgs) => {
    const providers = host.providers();
    let id = args?.providerId;
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
    const key =
      args?.key ??
      (await vscode.window.showInputBox({
        title: `API key for '${id}'`,
        prompt: 'Stored in VS Code’s secret storage, never in settings. Leave empty to remove the stored key.',
        password: true,
        ignoreFocusOut: true,
      }));
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
