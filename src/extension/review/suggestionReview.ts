import * as path from 'node:path';
import * as vscode from 'vscode';
import { extractSuggestion, fitSuggestion, suggestionCacheTag } from '../../engine/tasks/suggestCode';
import { AllProvidersFailedError } from '../../engine/errors';
import type { ChatRequest, ChatResult } from '../../engine/types';
import { presentError } from '../presentError';
import { reportAttempts } from '../progressReporter';
import { closeTabsShowing, ReadOnlyDocuments } from '../readOnlyDocuments';
import type { RouterHost } from '../routerHost';

/** The scheme of the diff's two sides; `contributes.menus` shows Apply / Discard / Ask again on it. */
export const SUGGESTION_SCHEME = 'llm-router-suggestion';

export const REVIEW_COMMANDS = { apply: 'llmRouter.review.apply', discard: 'llmRouter.review.discard', askAgain: 'llmRouter.review.askAgain' } as const;

export interface ReviewTarget {
  document: vscode.TextDocument;
  /** The document version the request was built from; Apply refuses a changed document. */
  version: number;
  range: vscode.Range;
  /** Whitespace before the range on its first line, when nothing else precedes it there. */
  lineIndent: string;
  /** What is being changed, for messages: "'average'", "the selection", "the finding at line 4". */
  what: string;
  /** "src/example.ts:3-7", for titles. */
  where: string;
  request: ChatRequest;
  /** For automation: true applies as soon as the answer is complete, false discards it. */
  decide?: boolean;
}

export interface ReviewOutcome {
  applied: boolean;
  suggestion: string;
  provider: string;
}

// Long enough that a cached answer (replayed in microtasks) has finished, so the title can say it is cached.
const OPEN_AFTER_FIRST_TEXT_MS = 150;
const REDRAW_INTERVAL_MS = 100;

/**
 * Suggestions under review: each streams into the right side of a diff, and stays there with Apply / Discard /
 * Ask again in the editor title until the user decides. Closing the diff without deciding discards it.
 */
export class SuggestionReviews implements vscode.Disposable {
  private readonly documents = new ReadOnlyDocuments(SUGGESTION_SCHEME);
  private readonly open = new Map<string, Review>();
  private readonly disposables: vscode.Disposable[];
  private sequence = 0;

  constructor(private readonly host: RouterHost) {
    this.disposables = [
      this.documents,
      vscode.commands.registerCommand(REVIEW_COMMANDS.apply, (uri?: unknown) => this.find(uri)?.apply()),
      vscode.commands.registerCommand(REVIEW_COMMANDS.discard, (uri?: unknown) => this.find(uri)?.discard()),
      vscode.commands.registerCommand(REVIEW_COMMANDS.askAgain, (uri?: unknown) => this.find(uri)?.askAgain()),
      vscode.window.tabGroups.onDidChangeTabs((e) => {
        for (const tab of e.closed) {
          if (tab.input instanceof vscode.TabInputTextDiff) this.open.get(tab.input.modified.toString())?.closedByUser(tab.input.modified);
        }
      }),
    ];
  }

  /** Asks for the suggestion and resolves once the user has applied or discarded it (undefined when there was nothing to review). */
  review(target: ReviewTarget): Promise<ReviewOutcome | undefined> {
    const review = new Review(this.host, this.documents, ++this.sequence, target, {
      shown: (uri) => this.open.set(uri.toString(), review),
      hidden: (uri) => this.open.delete(uri.toString()),
    });
    return review.start();
  }

  /** The review a command is about: the side of the diff the editor title passes, else the active diff, else the only one. */
  private find(arg: unknown): Review | undefined {
    const byUri = (uri: vscode.Uri | undefined) => (uri ? this.open.get(uri.toString()) : undefined);
    const review = byUri(arg instanceof vscode.Uri ? arg : undefined) ?? byUri(activeDiffSide()) ?? (this.open.size === 1 ? [...this.open.values()][0] : undefined);
    if (!review) void vscode.window.showWarningMessage('LLM Router: there is no suggestion under review here. Run Suggest Code first.');
    return review;
  }

  dispose(): void {
    for (const review of new Set(this.open.values())) review.abandon();
    for (const d of this.disposables) d.dispose();
  }
}

function activeDiffSide(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputTextDiff ? input.modified : undefined;
}

interface Answer {
  uri: vscode.Uri;
  cancel: vscode.CancellationTokenSource;
  /** Set once the whole answer is in and worth reviewing. */
  complete?: { suggestion: string; result: ChatResult };
}

interface Visibility {
  shown(uri: vscode.Uri): void;
  hidden(uri: vscode.Uri): void;
}

class Review {
  private readonly text: string;
  private readonly from: number;
  private readonly to: number;
  private readonly name: string;
  private readonly left: vscode.Uri;
  private readonly tag: string;
  private answer: Answer | undefined;
  /** Every answer's document, so the review's end closes them all, whichever is still shown. */
  private readonly answerUris: vscode.Uri[] = [];
  private settle!: (outcome: ReviewOutcome | undefined) => void;
  private readonly outcome = new Promise<ReviewOutcome | undefined>((resolve) => (this.settle = resolve));
  private finished = false;

  constructor(
    private readonly host: RouterHost,
    private readonly documents: ReadOnlyDocuments,
    private readonly id: number,
    private readonly target: ReviewTarget,
    private readonly visibility: Visibility,
  ) {
    const { document, range } = target;
    this.text = document.getText();
    this.from = document.offsetAt(range.start);
    this.to = document.offsetAt(range.end);
    // No file extension: a language server (TypeScript checks the syntax of every scheme) would report the suggestion's problems.
    this.name = `${path.posix.basename(document.uri.path) || 'untitled'} (suggestion)`;
    this.left = documents.set(`/${id}/original/${this.name}`, this.text);
    this.tag = suggestionCacheTag(target.request);
  }

  start(): Promise<ReviewOutcome | undefined> {
    this.ask(false);
    return this.outcome;
  }

  async apply(): Promise<void> {
    const answer = this.answer;
    if (!answer?.complete) {
      void vscode.window.showInformationMessage('LLM Router: the suggestion is still arriving. Apply it once it is complete, or Discard it.');
      return;
    }
    const { document, version, range } = this.target;
    if (document.isClosed || document.version !== version) {
      void vscode.window.showWarningMessage(`LLM Router: ${this.target.where} changed since the suggestion was asked for, so it was not applied. Discard it and run Suggest Code again.`);
      return;
    }
    const edit = new vscode.WorkspaceEdit();
    edit.replace(document.uri, range, answer.complete.suggestion);
    if (!(await vscode.workspace.applyEdit(edit))) {
      void vscode.window.showWarningMessage(`LLM Router: the suggestion could not be applied to ${this.target.where}.`);
      return;
    }
    this.judge(answer.complete.result, 'applied');
    await this.finish({ applied: true, suggestion: answer.complete.suggestion, provider: answer.complete.result.provider });
  }

  /** Leaves the code as it is and drops this answer from the cache, so the next Suggest Code asks afresh. */
  async discard(): Promise<void> {
    const complete = this.answer?.complete;
    this.answer?.cancel.cancel();
    if (complete) this.judge(complete.result, 'discarded');
    try {
      await this.host.invalidateCache(this.tag);
    } finally {
      await this.finish(complete ? { applied: false, suggestion: complete.suggestion, provider: complete.result.provider } : undefined);
    }
  }

  /** The window is closing: nothing is applied, and the cache (whose host may be closed already) is left alone; a replay later says it is cached. */
  abandon(): void {
    this.answer?.cancel.cancel();
    void this.finish(undefined).catch(() => undefined);
  }

  /** A fresh answer, past the cache, in the same review; the rejected one leaves the cache. */
  async askAgain(): Promise<void> {
    const rejected = this.answer?.complete;
    this.answer?.cancel.cancel();
    if (rejected) this.judge(rejected.result, 'discarded');
    await this.host.invalidateCache(this.tag);
    this.ask(true);
  }

  /** The user's decision on a complete answer counts in its provider's quality score. */
  private judge(result: ChatResult, verdict: 'applied' | 'discarded'): void {
    this.host.recordVerdict({ provider: result.provider, model: result.model, verdict });
  }

  closedByUser(uri: vscode.Uri): void {
    if (this.finished || this.answer?.uri.toString() !== uri.toString()) return;
    this.visibility.hidden(uri);
    void this.discard();
  }

  private ask(fresh: boolean): void {
    const previous = this.answer;
    const uri = this.documents.set(`/${this.id}/answer-${this.answerUris.length + 1}/${this.name}`, this.text);
    this.answerUris.push(uri);
    const answer: Answer = { uri, cancel: new vscode.CancellationTokenSource() };
    this.answer = answer;
    void this.stream(answer, fresh, previous).then(
      (complete) => {
        if (complete && this.answer === answer && this.target.decide !== undefined) void (this.target.decide ? this.apply() : this.discard());
      },
      (err) => {
        if (this.answer !== answer) return;
        void presentError(this.isFix ? 'Fix with LLM Router' : 'Suggest Code', err);
        void this.finish(undefined);
      },
    );
  }

  private get isFix(): boolean {
    return this.target.request.purpose === 'fix';
  }

  private async stream(answer: Answer, fresh: boolean, previous: Answer | undefined): Promise<{ suggestion: string; result: ChatResult } | undefined> {
    const original = this.text.slice(this.from, this.to);
    let received = '';
    let shown: Promise<void> | undefined;
    let openTimer: NodeJS.Timeout | undefined;
    let redrawnAt = 0;
    let cached = false;
    const show = () => {
      clearTimeout(openTimer);
      shown ??= this.showDiff(answer.uri, cached, previous);
      return shown;
    };
    const redraw = () => this.documents.set(answer.uri.path, this.withSuggestion(fitSuggestion(original, extractSuggestion(received), this.target.lineIndent)));
    const progress = { location: vscode.ProgressLocation.Notification, title: `LLM Router: ${fresh ? 'asking again for' : this.isFix ? 'fixing' : 'improving'} ${this.target.what}`, cancellable: true };
    const running = vscode.window.withProgress(progress, async (report, token) => {
      token.onCancellationRequested(() => answer.cancel.cancel());
      report.report({ message: 'waiting for the first words…' });
      const brokeOff: string[] = [];
      for (;;) {
        const others = brokeOff.length === 0 ? undefined : this.host.providers().map((p) => p.id).filter((id) => !brokeOff.includes(id));
        try {
          return await this.host.run(
            { ...this.target.request, stream: true },
            {
              token: answer.cancel.token,
              noCache: fresh,
              cacheTags: [this.tag],
              ...(others ? { onlyProviders: others } : {}),
              onAttempt: reportAttempts(report),
              onText: (delta) => {
                // A delta already on its way when the answer was discarded or replaced must not redraw a closed document.
                if (this.finished || this.answer !== answer) return;
                if (received === '' && !shown) openTimer = setTimeout(show, OPEN_AFTER_FIRST_TEXT_MS);
                received += delta;
                const now = Date.now();
                if (now - redrawnAt < REDRAW_INTERVAL_MS) return;
                redrawnAt = now;
                redraw();
                report.report({ message: `${received.length} characters so far — it appears in the diff as it arrives` });
              },
            },
          );
        } catch (err) {
          // A stream that broke off after its text was shown cannot fall back inside the engine; the diff can start over
          // with the providers that did not break, rather than leave the user with a failure and half a suggestion.
          const broken = brokenOffBy(err);
          const left = broken === undefined || this.answer !== answer || this.finished ? [] : this.host.providers().filter((p) => p.id !== broken && !brokeOff.includes(p.id));
          if (broken === undefined || left.length === 0) throw err;
          brokeOff.push(broken);
          received = '';
          redraw();
          report.report({ message: `${broken} broke off its answer — starting again with ${left[0].id}` });
        }
      }
    });
    const result = await Promise.resolve(running).finally(() => clearTimeout(openTimer));
    cached = result.cached;
    if (this.answer !== answer) return undefined;
    const suggestion = fitSuggestion(original, extractSuggestion(result.text), this.target.lineIndent);
    if (suggestion.trim() === '' || suggestion === original) {
      const says = suggestion.trim() === '' ? `answered without any code for ${this.target.what}. Try again, or select a different part.` : `suggests no change to ${this.target.what}.`;
      void vscode.window.showInformationMessage(`LLM Router: ${result.provider} (${result.model}) ${says}`);
      if (result.cached) await this.host.invalidateCache(this.tag);
      await this.finish(suggestion === original ? { applied: false, suggestion, provider: result.provider } : undefined);
      return undefined;
    }
    this.documents.set(answer.uri.path, this.withSuggestion(suggestion));
    answer.complete = { suggestion, result };
    await show();
    return answer.complete;
  }

  private withSuggestion(suggestion: string): string {
    return this.text.slice(0, this.from) + suggestion + this.text.slice(this.to);
  }

  private async showDiff(uri: vscode.Uri, cached: boolean, previous: Answer | undefined): Promise<void> {
    if (this.finished) return;
    const title = `LLM Router suggestion · ${this.target.where}${cached ? ' · from cache — Ask again for a fresh answer' : ''}`;
    this.visibility.shown(uri);
    await vscode.commands.executeCommand('vscode.diff', this.left, uri, title, {
      preview: false,
      preserveFocus: this.target.decide !== undefined,
      selection: new vscode.Range(this.target.range.start, this.target.range.start),
    } satisfies vscode.TextDocumentShowOptions);
    if (previous) await this.hide(previous.uri);
  }

  private async hide(uri: vscode.Uri): Promise<void> {
    this.visibility.hidden(uri);
    await closeTabsShowing([uri]).catch(() => undefined);
    this.documents.delete(uri);
  }

  private async finish(outcome: ReviewOutcome | undefined): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.answer?.cancel.dispose();
    for (const uri of this.answerUris) await this.hide(uri);
    this.documents.delete(this.left);
    this.settle(outcome);
  }
}

/** The provider whose stream broke off after its text reached the editor, when that is why the request failed. */
function brokenOffBy(err: unknown): string | undefined {
  if (!(err instanceof AllProvidersFailedError) || err.partialText === undefined || err.partialText === '') return undefined;
  return [...err.attempts].reverse().find((a) => a.outcome === 'error')?.provider;
}
