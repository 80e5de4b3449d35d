import * as path from 'node:path';
import * as vscode from 'vscode';
import { buildSuggestRequest, extractSuggestion, fitSuggestion, smallestEnclosing } from '../../engine/tasks/suggestCode';
import type { ChatResult } from '../../engine/types';
import { presentError } from '../presentError';
import { reportAttempts } from '../progressReporter';
import { closeTabsShowing, ReadOnlyDocuments } from '../readOnlyDocuments';
import type { RouterHost } from '../routerHost';

export const SUGGESTION_SCHEME = 'llm-router-suggestion';

export interface SuggestCodeArgs {
  /** For automation: true applies without asking, false discards without asking. */
  apply?: boolean;
}

export interface SuggestCodeResult {
  applied: boolean;
  suggestion: string;
  provider: string;
}

interface Target {
  range: vscode.Range;
  /** Whitespace before the range on its first line, when nothing else precedes it there. */
  lineIndent: string;
  what: string;
}

const FUNCTION_KINDS = new Set([vscode.SymbolKind.Function, vscode.SymbolKind.Method, vscode.SymbolKind.Constructor]);
const SYMBOL_TIMEOUT_MS = 3_000;
const PROGRESS_INTERVAL_MS = 100;

/** Suggests a better version of the selection (or the enclosing function, or the line), shows it as a diff, and applies it on request. */
export function registerSuggestCode(host: RouterHost): vscode.Disposable {
  const documents = new ReadOnlyDocuments(SUGGESTION_SCHEME);
  let sequence = 0;
  const command = vscode.commands.registerCommand('llmRouter.suggestCode', (args?: unknown) => suggestCode(host, documents, ++sequence, readArgs(args)));
  return vscode.Disposable.from(command, documents);
}

// From the editor's context menu the argument is the document's URI, not our options.
function readArgs(args: unknown): SuggestCodeArgs {
  if (args && typeof args === 'object' && !(args instanceof vscode.Uri) && typeof (args as SuggestCodeArgs).apply === 'boolean') {
    return { apply: (args as SuggestCodeArgs).apply };
  }
  return {};
}

async function suggestCode(host: RouterHost, documents: ReadOnlyDocuments, id: number, args: SuggestCodeArgs): Promise<SuggestCodeResult | undefined> {
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
    const text = document.getText();
    const start = document.offsetAt(target.range.start);
    const end = document.offsetAt(target.range.end);
    const fileName = vscode.workspace.asRelativePath(document.uri, false);
    const request = { ...buildSuggestRequest({ fileName, languageId: document.languageId, text, start, end }), stream: true };
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `LLM Router: improving ${target.what}`, cancellable: true },
      (progress, token) => runStreaming(host, request, progress, token),
    );
    const original = text.slice(start, end);
    const suggestion = fitSuggestion(original, extractSuggestion(result.text), target.lineIndent);
    if (suggestion.trim() === '') {
      void vscode.window.showWarningMessage(`LLM Router: ${result.provider} (${result.model}) answered without any code. Try again, or select a different part.`);
      return undefined;
    }
    if (suggestion === original) {
      void vscode.window.showInformationMessage(`LLM Router: ${result.provider} suggests no change to ${target.what}.`);
      return { applied: false, suggestion, provider: result.provider };
    }
    const where = `${fileName}:${lineLabel(target.range)}`;
    const suggested = text.slice(0, start) + suggestion + text.slice(end);
    const applied = await review(documents, id, { document, version, target, original: text, suggested, suggestion, where, provider: result.provider, apply: args.apply });
    return { applied, suggestion, provider: result.provider };
  } catch (err) {
    // Not awaited: the message waits for the user, and callers (tests included) should not.
    void presentError('Suggest Code', err);
    return undefined;
  }
}

function runStreaming(
  host: RouterHost,
  request: Parameters<RouterHost['run']>[0],
  progress: vscode.Progress<{ message?: string }>,
  token: vscode.CancellationToken,
): Promise<ChatResult> {
  let received = 0;
  let reportedAt = 0;
  progress.report({ message: 'waiting for the answer…' });
  return host.run(request, {
    token,
    onAttempt: reportAttempts(progress),
    onText: (delta) => {
      received += delta.length;
      const now = Date.now();
      if (now - reportedAt < PROGRESS_INTERVAL_MS) return;
      reportedAt = now;
      progress.report({ message: `${received} characters received` });
    },
  });
}

interface Review {
  document: vscode.TextDocument;
  version: number;
  target: Target;
  /** The whole document as it was sent, and as it would be with the suggestion. */
  original: string;
  suggested: string;
  suggestion: string;
  where: string;
  provider: string;
  apply?: boolean;
}

/** Shows the diff, asks, and applies only onto the unchanged document; always closes the diff. */
async function review(documents: ReadOnlyDocuments, id: number, r: Review): Promise<boolean> {
  const name = path.posix.basename(r.document.uri.path) || 'untitled';
  const left = documents.set(`/${id}/original/${name}`, r.original);
  const right = documents.set(`/${id}/suggestion/${name}`, r.suggested);
  try {
    const automated = r.apply !== undefined;
    await vscode.commands.executeCommand('vscode.diff', left, right, `LLM Router: suggestion for ${r.where}`, {
      preview: true,
      preserveFocus: automated,
      selection: new vscode.Range(r.target.range.start, r.target.range.start),
    } satisfies vscode.TextDocumentShowOptions);
    const choice = automated
      ? r.apply
        ? 'Apply'
        : 'Discard'
      : await vscode.window.showInformationMessage(`LLM Router: apply ${r.provider}'s suggestion to ${r.where}?`, 'Apply', 'Discard');
    if (choice !== 'Apply') return false;
    if (r.document.isClosed || r.document.version !== r.version) {
      void vscode.window.showWarningMessage(`LLM Router: ${r.where} changed while the suggestion was being prepared, so it was not applied. Run Suggest Code again.`);
      return false;
    }
    const edit = new vscode.WorkspaceEdit();
    edit.replace(r.document.uri, r.target.range, r.suggestion);
    const applied = await vscode.workspace.applyEdit(edit);
    if (!applied) void vscode.window.showWarningMessage(`LLM Router: the suggestion could not be applied to ${r.where}.`);
    return applied;
  } finally {
    await closeTabsShowing([left, right]).catch(() => undefined);
    documents.delete(left);
    documents.delete(right);
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
