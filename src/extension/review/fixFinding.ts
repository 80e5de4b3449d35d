import * as vscode from 'vscode';
import { buildSuggestRequest } from '../../engine/tasks/suggestCode';
import { presentError } from '../presentError';
import type { ReviewOutcome, SuggestionReviews } from './suggestionReview';

/** The `source` of the diagnostics Analyze File publishes; the quick fix is offered on these only. */
export const FINDING_SOURCE = 'LLM Router';

const FIX_FINDING_COMMAND = 'llmRouter.fixFinding';

/** Fires when a finding's fix was applied, so Analyze File can take that finding off the file. */
const fixed = new vscode.EventEmitter<{ uri: vscode.Uri; message: string }>();
export const onFindingFixed = fixed.event;

/** "Fix with LLM Router" on each finding in the Problems panel and under the squiggle, reviewed like Suggest Code. */
export function registerFixFinding(reviews: SuggestionReviews): vscode.Disposable {
  const provider: vscode.CodeActionProvider = {
    provideCodeActions: (document, _range, context) =>
      context.diagnostics
        .filter((d) => d.source === FINDING_SOURCE)
        .map((d) => {
          const action = new vscode.CodeAction('Fix with LLM Router', vscode.CodeActionKind.QuickFix);
          action.diagnostics = [d];
          action.command = { command: FIX_FINDING_COMMAND, title: 'Fix with LLM Router', arguments: [document.uri, d] };
          return action;
        }),
  };
  return vscode.Disposable.from(
    vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, provider, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
    vscode.languages.registerCodeActionsProvider({ scheme: 'untitled' }, provider, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
    vscode.commands.registerCommand(FIX_FINDING_COMMAND, (uri: vscode.Uri, finding: vscode.Diagnostic) => fixFinding(reviews, uri, finding)),
  );
}

async function fixFinding(reviews: SuggestionReviews, uri: vscode.Uri, finding: vscode.Diagnostic): Promise<ReviewOutcome | undefined> {
  try {
    const document = await vscode.workspace.openTextDocument(uri);
    // Whole lines, so the model sees complete statements and the indentation travels with the fix.
    const last = document.lineAt(finding.range.end.line);
    const range = new vscode.Range(finding.range.start.line, 0, last.lineNumber, last.text.length);
    const fileName = vscode.workspace.asRelativePath(document.uri, false);
    const lines = range.start.line === range.end.line ? `${range.start.line + 1}` : `${range.start.line + 1}-${range.end.line + 1}`;
    const request = buildSuggestRequest({
      fileName,
      languageId: document.languageId,
      text: document.getText(),
      start: document.offsetAt(range.start),
      end: document.offsetAt(range.end),
      problem: finding.message,
    });
    const outcome = await reviews.review({ document, version: document.version, range, lineIndent: '', what: `the finding at line ${lines}`, where: `${fileName}:${lines}`, request });
    if (outcome?.applied) fixed.fire({ uri: document.uri, message: finding.message });
    return outcome;
  } catch (err) {
    void presentError('Fix with LLM Router', err);
    return undefined;
  }
}
