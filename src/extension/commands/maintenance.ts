import * as vscode from 'vscode';
import type { RouterHost } from '../routerHost';

/** Reset breakers, clear the cache, show the log: small commands that act on the engine's state. */
export function registerMaintenanceCommands(host: RouterHost): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('llmRouter.resetBreakers', (providerId?: string) => {
      host.resetBreakers(typeof providerId === 'string' ? providerId : undefined);
      void vscode.window.showInformationMessage(typeof providerId === 'string' ? `LLM Router: reset the breaker of '${providerId}'.` : 'LLM Router: reset every circuit breaker.');
    }),
    vscode.commands.registerCommand('llmRouter.clearCache', async () => {
      await host.clearCache();
      void vscode.window.showInformationMessage('LLM Router: cleared the response cache.');
    }),
    vscode.commands.registerCommand('llmRouter.showLog', () => host.channel.show(true)),
  ];
}
