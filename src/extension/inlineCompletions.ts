import * as vscode from 'vscode';
import { buildInlineRequest, cleanInlineCompletion, inlineWindow } from '../engine/tasks/inlineCompletion';
import { SUGGESTION_SCHEME } from './commands/suggestCode';
import { InlineVerdicts } from './inlineVerdicts';
import type { RouterHost } from './routerHost';

// Enough text around the cursor for inlineWindow to cut its own window at line boundaries.
const READ_BEFORE = 4_000;
const READ_AFTER = 1_000;
const SKIPPED_SCHEMES = new Set([SUGGESTION_SCHEME, 'output', 'vscode-scm']);

/** Offers inline completions while `llmRouter.inlineSuggestions.enabled` is on, following the setting live. */
export function registerInlineCompletions(host: RouterHost): vscode.Disposable {
  let registration: vscode.Disposable | undefined;
  const verdicts = new InlineVerdicts(host);
  const update = () => {
    const enabled = host.config.inlineSuggestions.enabled;
    if (enabled && !registration) {
      registration = vscode.languages.registerInlineCompletionItemProvider({ pattern: '**' }, new RouterInlineCompletions(host, verdicts));
    } else if (!enabled && registration) {
      registration.dispose();
      registration = undefined;
    }
  };
  update();
  const listener = host.onDidChangeConfig(update);
  return new vscode.Disposable(() => {
    listener.dispose();
    registration?.dispose();
    verdicts.dispose();
  });
}

class RouterInlineCompletions implements vscode.InlineCompletionItemProvider {
  constructor(
    private readonly host: RouterHost,
    private readonly verdicts: InlineVerdicts,
  ) {}

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    if (SKIPPED_SCHEMES.has(document.uri.scheme)) return undefined;
    // Typing on cancels the token; waiting first means most keystrokes never send a request.
    const debounceMs = context.triggerKind === vscode.InlineCompletionTriggerKind.Automatic ? this.host.config.inlineSuggestions.debounceMs : 0;
    if (!(await pause(debounceMs, token))) return undefined;
    const offset = document.offsetAt(position);
    const from = document.positionAt(Math.max(0, offset - READ_BEFORE));
    const around = document.getText(new vscode.Range(from, document.positionAt(offset + READ_AFTER)));
    const { prefix, suffix } = inlineWindow(around, offset - document.offsetAt(from));
    if (prefix.trim() === '') return undefined;
    const request = buildInlineRequest({ fileName: vscode.workspace.asRelativePath(document.uri, false), languageId: document.languageId, prefix, suffix });
    try {
      const result = await this.host.run(request, { token });
      if (token.isCancellationRequested) return undefined;
      const text = cleanInlineCompletion(result.text, prefix, suffix);
      return text ? [new vscode.InlineCompletionItem(text, new vscode.Range(position, position), this.verdicts.offer(result))] : undefined;
    } catch {
      // Already in the log (host.run records every failure); completions fire on every pause in typing, so never notify.
      return undefined;
    }
  }
}

/** Resolves true after `ms`, or false as soon as the token is cancelled. */
function pause(ms: number, token: vscode.CancellationToken): Promise<boolean> {
  if (token.isCancellationRequested) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (value: boolean) => {
      clearTimeout(timer);
      sub.dispose();
      resolve(value);
    };
    const timer = setTimeout(() => done(!token.isCancellationRequested), ms);
    const sub = token.onCancellationRequested(() => done(false));
  });
}
