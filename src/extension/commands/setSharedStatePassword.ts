import * as vscode from 'vscode';

export const SHARED_STATE_PASSWORD_SECRET = 'llmRouter.sharedState.password';
export const SET_SHARED_STATE_PASSWORD_TITLE = 'LLM Router: Set Shared State Password';

/**
 * Stores the Redis/Valkey password of `llmRouter.sharedState.url` in secret storage (an empty answer removes it);
 * the router of every window picks it up from there. Nothing passed as an argument is stored.
 */
export function registerSetSharedStatePassword(secrets: vscode.SecretStorage): vscode.Disposable {
  return vscode.commands.registerCommand('llmRouter.setSharedStatePassword', async () => {
    const password = await vscode.window.showInputBox({
      title: SET_SHARED_STATE_PASSWORD_TITLE,
      prompt: 'The password of the Redis or Valkey server in llmRouter.sharedState.url. Stored in VS Code’s secret storage, never in settings. Leave empty to remove it.',
      password: true,
      ignoreFocusOut: true,
    });
    if (password === undefined) return false;
    if (password === '') {
      await secrets.delete(SHARED_STATE_PASSWORD_SECRET);
      void vscode.window.showInformationMessage('LLM Router: removed the shared state password.');
    } else {
      await secrets.store(SHARED_STATE_PASSWORD_SECRET, password);
      void vscode.window.showInformationMessage('LLM Router: stored the shared state password.');
    }
    return true;
  });
}
