import * as vscode from 'vscode';
import { AllProvidersFailedError, BudgetExceededError, CancelledError } from '../engine/errors';
import { ACTION_LABEL, adviseAttempts, type FailureAction } from '../engine/failureAdvice';
import { failureFacts } from './failureFacts';

/** Runs the command behind a button of an error message. */
async function runFailureAction(action: FailureAction, setting?: string): Promise<void> {
  switch (action) {
    case 'addProvider':
      return void (await vscode.commands.executeCommand('llmRouter.addProvider'));
    case 'setApiKey':
      return void (await vscode.commands.executeCommand('llmRouter.setApiKey'));
    case 'openSettings':
      return void (await vscode.commands.executeCommand('workbench.action.openSettings', setting ?? 'llmRouter'));
    case 'showLog':
      return void (await vscode.commands.executeCommand('llmRouter.showLog'));
  }
}

/** Tells the user what went wrong with an AI command, which provider or setting caused it, and what to do next. */
export async function presentError(what: string, err: unknown): Promise<void> {
  if (err instanceof CancelledError) return;
  if (err instanceof BudgetExceededError) {
    const choice = await vscode.window.showWarningMessage(`LLM Router: ${what} refused. ${err.message}`, ACTION_LABEL.openSettings);
    if (choice) await runFailureAction('openSettings', `llmRouter.budget.${err.budget}Usd`);
    return;
  }
  if (err instanceof AllProvidersFailedError) {
    const { lines, actions, setting } = adviseAttempts(failureFacts(err.attempts));
    // An answer that broke off after it started streaming is not tried elsewhere; nothing used it, so asking again is the way on.
    const why = err.partialText ? `${err.message} Nothing was changed; run ${what} again.` : lines.length === 0 ? err.message : lines.map((l) => `${l}.`).join(' ');
    const offered = actions.length > 0 ? actions : (['addProvider', 'showLog'] as FailureAction[]);
    const choice = await vscode.window.showErrorMessage(`LLM Router: ${what} failed. ${why}`, ...offered.map((a) => ACTION_LABEL[a]));
    const picked = offered.find((a) => ACTION_LABEL[a] === choice);
    if (picked) await runFailureAction(picked, setting);
    return;
  }
  const choice = await vscode.window.showErrorMessage(`LLM Router: ${what} failed: ${err instanceof Error ? err.message : String(err)}`, ACTION_LABEL.showLog);
  if (choice) await runFailureAction('showLog');
}
