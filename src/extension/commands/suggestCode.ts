import * as vscode from 'vscode';
import { buildSuggestRequest, smallestEnclosing } from '../../engine/tasks/suggestCode';
import { presentError } from '../presentError';
import { registerFixFinding } from '../review/fixFinding';
import { SuggestionReviews, type ReviewOutcome } from '../review/suggestionReview';
import type { RouterHost } from '../routerHost';

export { SUGGESTION_SCHEME } from '../review/suggestionReview';

export interface SuggestCodeArgs {
  /** For automation: true applies without asking, false discards without asking. */
  apply?: boolean;
}

export type SuggestCodeResult = ReviewOutcome;

interface Target {
  range: vscode.Range;
  /** Whitespace before the range on its first line, when nothing else precedes it there. */
  lineIndent: string;
  what: string;
}

const FUNCTION_KINDS = new Set([vscode.SymbolKind.Function, vscode.SymbolKind.Method, vscode.SymbolKind.Constructor]);
const SYMBOL_TIMEOUT_MS = 3_000;

/**
 * Suggests a better version of the selection (or the enclosing function, or the line) and reviews it as a diff;
 * a finding's quick fix goes through the same review.
 */
export function registerSuggestCode(host: RouterHost): vscode.Disposable {
  const reviews = new SuggestionReviews(host);
  const command = vscode.commands.registerCommand('llmRouter.suggestCode', (args?: unknown) => suggestCode(reviews, readArgs(args)));
  return vscode.Disposable.from(command, registerFixFinding(reviews), reviews);
}

// From the editor's context menu the argument is the document's URI, not our options.
function readArgs(args: unknown): SuggestCodeArgs {
  if (args && typeof args === 'object' && !(args instanceof vscode.Uri) && typeof (args as SuggestCodeArgs).apply === 'boolean') {
    return { apply: (args as SuggestCodeArgs).apply };
  }
  return {};
}

/** Resolves once the suggestion is applied or discarded (at once with `apply`). */
async function suggestCode(reviews: SuggestionReviews, args: SuggestCodeArgs): Promise<SuggestCodeResult | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showWarningMessage('LLM Router: open a file and select the code to improve, then run Suggest Code.');
    return undefined;
  }
  const document = editor.document;
  const version = document.version;
  try {
    const target = await findTarget(editor);
    if (document.getText(target.range).trim() === '') {
      void vscode.window.showWarningMessage('LLM Router: there is no code here to improve. Select some code, or put the cursor inside a function.');
      return undefined;
    }
    const fileName = vscode.workspace.asRelativePath(document.uri, false);
    const request = buildSuggestRequest({
      fileName,
      languageId: document.languageId,
      text: document.getText(),
      start: document.offsetAt(target.range.start),
      end: document.offsetAt(target.range.end),
    });
    return await reviews.review({ document, version, ...target, where: `${fileName}:${lineLabel(target.range)}`, request, decide: args.apply });
  } catch (err) {
    // Not awaited: the message waits for the user, and callers (tests included) should not.
    void presentError('Suggest Code', err);
    return undefined;
  }
}

async function findTarget(editor: vscode.TextEditor): Promise<Target> {
  const { document, selection } = editor;
  if (!selection.isEmpty) return { range: new vscode.Range(selection.start, selection.end), lineIndent: indentBefore(document, selection.start), what: 'the selection' };
  const fn = await enclosingFunction(document, selection.active);
  if (fn) {
    const range = toWholeLines(document, new vscode.Range(fn.start, fn.end));
    return { range, lineIndent: indentBefore(document, range.start), what: `'${fn.name}'` };
  }
  const line = document.lineAt(selection.active.line);
  return { range: line.range, lineIndent: '', what: `line ${line.lineNumber + 1}` };
}

interface NamedRange {
  name: string;
  start: vscode.Position;
  end: vscode.Position;
}

async function enclosingFunction(document: vscode.TextDocument, pos: vscode.Position): Promise<NamedRange | undefined> {
  const symbols = await withTimeout(
    Promise.resolve(vscode.commands.executeCommand<(vscode.DocumentSymbol | vscode.SymbolInformation)[] | undefined>('vscode.executeDocumentSymbolProvider', document.uri)),
    SYMBOL_TIMEOUT_MS,
  ).catch(() => undefined);
  const functions: NamedRange[] = [];
  const visit = (list: (vscode.DocumentSymbol | vscode.SymbolInformation)[]) => {
    for (const s of list) {
      const range = 'children' in s ? s.range : s.location.range;
      if (FUNCTION_KINDS.has(s.kind)) functions.push({ name: s.name, start: range.start, end: range.end });
      if ('children' in s && s.children) visit(s.children);
    }
  };
  visit(symbols ?? []);
  return smallestEnclosing(functions, pos);
}

/** A function that starts or ends a line is taken with its whole lines, so its indentation travels with it. */
function toWholeLines(document: vscode.TextDocument, range: vscode.Range): vscode.Range {
  const startLine = document.lineAt(range.start.line).text;
  const endLine = document.lineAt(range.end.line).text;
  const start = startLine.slice(0, range.start.character).trim() === '' ? range.start.with({ character: 0 }) : range.start;
  const end = endLine.slice(range.end.character).trim() === '' ? range.end.with({ character: endLine.length }) : range.end;
  return new vscode.Range(start, end);
}

function indentBefore(document: vscode.TextDocument, pos: vscode.Position): string {
  const before = document.lineAt(pos.line).text.slice(0, pos.character);
  return before.trim() === '' ? before : '';
}

/** 1-based lines; a range ending at the start of a line does not include that line. */
function lineLabel(range: vscode.Range): string {
  const first = range.start.line + 1;
  const last = range.end.character === 0 && range.end.line > range.start.line ? range.end.line : range.end.line + 1;
  return first === last ? `${first}` : `${first}-${last}`;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
