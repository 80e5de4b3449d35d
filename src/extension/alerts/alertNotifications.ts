import * as vscode from 'vscode';
import type { Alert } from '../../engine/alerts/alertTypes';
import type { RouterHost } from '../routerHost';

const SNOOZE_MS = 60 * 60 * 1000;
const OPEN_DASHBOARD = 'Open Dashboard';
const ISOLATE_PROVIDER = 'Isolate Provider';
const SNOOZE = 'Snooze 1 h';

/**
 * Alerts in VS Code: one notification when a condition starts (the engine raises each once until it clears), a log
 * line when it starts and clears, and the window's focus passed to the engine so background probes wait while idle.
 */
export function registerAlerts(host: RouterHost): vscode.Disposable {
  const snoozedUntil = new Map<string, number>();
  const tellFocus = (state: vscode.WindowState) => host.setWindowActive(state.focused && state.active);
  tellFocus(vscode.window.state);
  const windowSub = vscode.window.onDidChangeWindowState(tellFocus);

  const notify = async (alert: Alert) => {
    if ((snoozedUntil.get(alert.id) ?? 0) > Date.now()) return;
    const actions = alert.provider ? [OPEN_DASHBOARD, ISOLATE_PROVIDER, SNOOZE] : [OPEN_DASHBOARD, SNOOZE];
    const show = alert.kind === 'budget-exhausted' || alert.kind === 'breaker-open' ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    const choice = await show(`LLM Router: ${alert.message}`, ...actions);
    if (choice === OPEN_DASHBOARD) await vscode.commands.executeCommand('llmRouter.openDashboard');
    if (choice === ISOLATE_PROVIDER && alert.provider) {
      host.isolate(alert.provider);
      host.channel.info(`Alert: isolated provider '${alert.provider}'; it gets no requests until restored (dashboard or Reset Circuit Breakers).`);
    }
    if (choice === SNOOZE) {
      snoozedUntil.set(alert.id, Date.now() + SNOOZE_MS);
      host.channel.info(`Alert ${alert.id} snoozed for 1 h.`);
    }
  };

  const unsubscribe = host.onEvent((e) => {
    if (e.type !== 'alert') return;
    if (e.change === 'cleared') {
      host.channel.info(`Alert cleared (${e.alert.id}): ${e.alert.message}`);
      return;
    }
    host.channel.warn(`Alert (${e.alert.id}): ${e.alert.message}`);
    notify(e.alert).catch((err: unknown) => host.channel.error(`Showing an alert failed: ${(err as Error).message}`));
  });
  return new vscode.Disposable(() => {
    unsubscribe();
    windowSub.dispose();
  });
}
