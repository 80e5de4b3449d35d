import * as vscode from 'vscode';
import type { ChatResult } from '../engine/types';
import type { RouterHost } from './routerHost';

/** Run by VS Code when the user accepts one of the router's inline completions (the item's `command`). */
export const INLINE_ACCEPTED_COMMAND = 'llmRouter.inlineCompletion.accepted';

/**
 * Tells the engine which inline completions the user took. An item carries a command VS Code runs on accept;
 * one still unaccepted when the next completion is offered was passed over.
 */
export class InlineVerdicts implements vscode.Disposable {
  private offeredLast?: { id: number; provider: string; model: string };
  private sequence = 0;
  private readonly command: vscode.Disposable;

  constructor(private readonly host: Pick<RouterHost, 'recordVerdict'>) {
    this.command = vscode.commands.registerCommand(INLINE_ACCEPTED_COMMAND, (id: unknown) => this.accepted(id));
  }

  /** The command to put on the item offered for `result`; the completion offered before it counts as passed over. */
  offer(result: ChatResult): vscode.Command {
    this.passOver();
    const id = ++this.sequence;
    this.offeredLast = { id, provider: result.provider, model: result.model };
    return { command: INLINE_ACCEPTED_COMMAND, title: 'Inline completion accepted', arguments: [id] };
  }

  dispose(): void {
    this.command.dispose();
  }

  private accepted(id: unknown): void {
    const offered = this.offeredLast;
    if (!offered || offered.id !== id) return;
    this.offeredLast = undefined;
    this.host.recordVerdict({ provider: offered.provider, model: offered.model, verdict: 'accepted' });
  }

  private passOver(): void {
    const offered = this.offeredLast;
    this.offeredLast = undefined;
    if (offered) this.host.recordVerdict({ provider: offered.provider, model: offered.model, verdict: 'ignored' });
  }
}
