import * as vscode from 'vscode';
import { registerAlerts } from './alerts/alertNotifications';
import { registerAddProvider } from './commands/addProvider';
import { registerAnalyzeFile } from './commands/analyzeFile';
import { registerCopyGatewayConnection } from './commands/copyGatewayConnection';
import { registerMaintenanceCommands } from './commands/maintenance';
import { registerSetApiKey } from './commands/setApiKey';
import { registerSetSharedStatePassword, SHARED_STATE_PASSWORD_SECRET } from './commands/setSharedStatePassword';
import { registerSuggestCode } from './commands/suggestCode';
import { registerDashboard } from './dashboard/dashboardPanel';
import { EditorGateway } from './gateway/editorGateway';
import { registerInlineCompletions } from './inlineCompletions';
import { registerChatModels } from './lm/registerChatModels';
import { registerPlayground } from './playground/simulateFailure';
import { createPublicApi, type LlmRouterApi } from './publicApi';
import { RouterHost } from './routerHost';
import { registerStatusBar } from './statusBar';

/** Only while VS Code runs the extension's own tests: the host, and the exports production would return. */
export interface LlmRouterTestExports extends LlmRouterApi {
  testing: { host: RouterHost; productionExports: LlmRouterApi; gateway: EditorGateway };
}

let activeHost: RouterHost | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<LlmRouterApi | LlmRouterTestExports> {
  const channel = vscode.window.createOutputChannel('LLM Router', { log: true });
  context.subscriptions.push(channel);
  try {
    const host = new RouterHost(context, channel, await context.secrets.get(SHARED_STATE_PASSWORD_SECRET));
    activeHost = host;
    const gateway = new EditorGateway(host, context.secrets);
    context.subscriptions.push(host, gateway, registerCopyGatewayConnection(gateway), registerSetSharedStatePassword(context.secrets), registerStatusBar(host, gateway), registerAlerts(host), registerSetApiKey(host), ...registerMaintenanceCommands(host), registerSuggestCode(host), registerAnalyzeFile(host), registerInlineCompletions(host), registerDashboard(host, context.extensionUri), registerAddProvider(host), registerPlayground(context), registerChatModels(host));
    const api = createPublicApi(host, context.subscriptions);
    return context.extensionMode === vscode.ExtensionMode.Test ? { ...api, testing: { host, productionExports: api, gateway } } : api;
  } catch (err) {
    // VS Code does not tell the user when activation throws; say it ourselves.
    const message = err instanceof Error ? err.message : String(err);
    channel.error(`Activation failed: ${message}`);
    void vscode.window.showErrorMessage(`LLM Router could not start: ${message}`, 'Show Log').then((c) => c && channel.show());
    throw err;
  }
}

/** VS Code waits for this promise (a few seconds at most) before it ends the extension host: every store is saved. */
export function deactivate(): Promise<void> | undefined {
  return activeHost?.close();
}
