import type * as vscode from 'vscode';
import { AllProvidersFailedError, BudgetExceededError, CancelledError } from '../engine/errors';
import { adviseAttempts } from '../engine/failureAdvice';
import type { AttemptRecord, ChatRequest, ChatResult } from '../engine/types';
import { messageText } from '../engine/chatContent';
import { failureFacts } from './failureFacts';

let sequence = 0;

/** One line per request: id, purpose, provider, attempts, latency, cost. Prompts only when the user opted in. */
export class RequestLog {
  constructor(
    private readonly channel: vscode.LogOutputChannel,
    private readonly includePrompts: () => boolean,
  ) {}

  nextId(): number {
    return ++sequence;
  }

  succeeded(id: number, req: ChatRequest, r: ChatResult): void {
    const cost = r.costUsd === null ? 'cost unknown' : `$${r.costUsd.toFixed(6)}`;
    this.channel.info(`#${id} ${req.purpose ?? 'request'} → ${r.provider} (${r.model}) ok ${Math.round(r.latencyMs)} ms ${cost}${r.cached ? ' cached' : ''} · ${tokens(r)} · attempts: ${attempts(r.attempts)}`);
    this.prompt(id, req);
  }

  failed(id: number, req: ChatRequest, err: unknown, latencyMs: number): void {
    if (err instanceof CancelledError) {
      this.channel.info(`#${id} ${req.purpose ?? 'request'} cancelled after ${Math.round(latencyMs)} ms`);
    } else if (err instanceof AllProvidersFailedError) {
      this.channel.error(`#${id} ${req.purpose ?? 'request'} failed after ${Math.round(latencyMs)} ms · attempts: ${attempts(err.attempts)}${err.partialText ? ` · stream broke after ${err.partialText.length} characters` : ''}`);
      for (const line of adviseAttempts(failureFacts(err.attempts)).lines) this.channel.error(`#${id}   ${line}`);
    } else if (err instanceof BudgetExceededError) {
      this.channel.warn(`#${id} ${req.purpose ?? 'request'} refused: ${err.message}`);
    } else {
      this.channel.error(`#${id} ${req.purpose ?? 'request'} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.prompt(id, req);
  }

  private prompt(id: number, req: ChatRequest): void {
    if (!this.includePrompts()) return;
    const text = [req.system ? `system: ${req.system}` : '', ...req.messages.map((m) => `${m.role}: ${messageText(m)}`)].filter(Boolean).join('\n');
    this.channel.debug(`#${id} prompt:\n${text}`);
  }
}

function attempts(list: AttemptRecord[]): string {
  return list.map((a) => `${a.provider}:${a.outcome === 'ok' ? 'ok' : `${a.errorClass ?? a.outcome}${a.status ? `(${a.status})` : ''}`}${a.key ? ` [${a.key}]` : ''}`).join(' → ') || 'none';
}

function tokens(r: ChatResult): string {
  return `${r.usage.inputTokens} in${r.usage.cachedInputTokens ? ` (${r.usage.cachedInputTokens} cached)` : ''} / ${r.usage.outputTokens} out`;
}
