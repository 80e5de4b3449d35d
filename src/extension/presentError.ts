import * as vscode from 'vscode';
import { AllProvidersFailedError, BudgetExceededError, CancelledError } from '../engine/errors';

/** Tells the user what went wrong with an AI command, which provider or setting caused it, and what to do next. */
export async function presentError(what: string, err: unknown): Promise<void> {
  if (err instanceof CancelledError) return;
  if (err instanceof BudgetExceededError) {
    const choice = await vscode.window.showWarningMessage(`LLM Router: ${what} refused. ${err.message}`, 'Open Settings');
    if (choice) await vscode.commands.executeCommand('workbench.action.openSettings', `llmRouter.budget.${err.budget}Usd`);
    return;
  }
  if (err instanceof AllProvidersFailedError) {
    const reasons = err.attempts
      .filter((a) => a.outcome !== 'ok')
      .map((a) => `${a.provider}: ${a.errorClass ?? a.outcome}${a.status ? ` (${a.status})` : ''}`);
    const unique = [...new Set(reasons)].join('; ');
    const needsKey = err.attempts.some((a) => a.errorClass === 'missing_key' || a.errorClass === 'auth');
    const actions = [needsKey ? 'Set API Key' : undefined, 'Show Log', 'Open Dashboard'].filter((a): a is string => a !== undefined);
    const headline = err.partialText ? err.message : `every provider failed — ${unique || 'no provider could be tried'}`;
    const choice = await vscode.window.showErrorMessage(`LLM Router: ${what} failed: ${headline}`, ...actions);
    if (choice === 'Set API Key') await vscode.commands.executeCommand('llmRouter.setApiKey');
    if (choice === 'Show Log') await vscode.commands.executeCommand('llmRouter.showLog');
    if (choice === 'Open Dashboard') await vscode.commands.executeCommand('llmRouter.openDashboard');
    return;
  }
  await vscode.window.showErrorMessage(`LLM Router: ${what} failed: ${err instanceof Error ? err.message : String(err)}`);
}
