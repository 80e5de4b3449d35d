import * as vscode from 'vscode';
import { registerAddProvider } from './commands/addProvider';
import { registerAnalyzeFile } from './commands/analyzeFile';
import { registerMaintenanceCommands } from './commands/maintenance';
import { registerSetApiKey } from './commands/setApiKey';
import { registerSuggestCode } from './commands/suggestCode';
import { registerDashboard } from './dashboard/dashboardPanel';
import { registerInlineCompletions } from './inlineCompletions';
import { registerPlayground } from './playground/simulateFailure';
import { RouterHost } from './routerHost';
import { registerStatusBar } from './statusBar';

/** What the extension exports: used by its integration tests and by other extensions. */
export interface LlmRouterApi {
  host: RouterHost;
}

export function activate(context: vscode.ExtensionContext): LlmRouterApi {
  const channel = vscode.window.createOutputChannel('LLM Router', { log: true });
  context.subscriptions.push(channel);
  try {
    const host = new RouterHost(context, channel);
    context.subscriptions.push(host, registerStatusBar(host), registerSetApiKey(host), ...registerMaintenanceCommands(host), registerSuggestCode(host), registerAnalyzeFile(host), registerInlineCompletions(host), registerDashboard(host, context.extensionUri), registerAddProvider(host), registerPlayground(context));
    return { host };
  } catch (err) {
    // VS Code does not tell the user when activation throws; say it ourselves.
    const message = err instanceof Error ? err.message : String(err);
    channel.error(`Activation failed: ${message}`);
    void vscode.window.showErrorMessage(`LLM Router could not start: ${message}`, 'Show Log').then((c) => c && channel.show());
    throw err;
  }
}

export function deactivate(): void {
  // Disposables registered on the context (the engine host among them) persist state on dispose.
}
