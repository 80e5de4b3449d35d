import { isDeepStrictEqual } from 'node:util';
import { AllProvidersFailedError, BudgetExceededError, CancelledError } from '../../src/engine/errors';
import type { ChatResult, ToolCall } from '../../src/engine/types';
import { expectedReply, expectedToolCalls, expectedToolText } from './chaosFleet';

export type OutcomeKind =
  | 'answered'
  | 'failed'
  /** A stream failed after text had reached the caller: reported as incomplete, with the partial text. */
  | 'broken-after-text'
  /** A stream failed after a complete tool call (and no text) had reached the caller: reported as incomplete. */
  | 'broken-after-tool-call'
  | 'cancelled'
  | 'budget'
  | 'untyped-error'
  | 'hung';

export interface Judged {
  kind: OutcomeKind;
  /** Something that must never happen (wrong text reported complete, an unplanned cancellation, …). */
  problem?: string;
  /** For failures: each attempt as provider:errorClass, to explain a failure in a healthy phase. */
  detail?: string;
  /** Tool calls handed to onToolCall whose name or arguments are not exactly a call some provider's full answer makes. */
  badCalls?: number;
}

/** What the caller saw while the request ran: streamed text (when it listened) and tool calls handed over one by one. */
export interface Seen {
  deltas?: string[];
  calls?: ToolCall[];
}

/** The full answer text a provider gives to a prompt: the text before its tool calls, or the whole reply. */
function wantedText(provider: string, prompt: string): string {
  return expectedToolCalls(provider, prompt).length > 0 ? expectedToolText(provider, prompt) : expectedReply(provider, prompt);
}

const sameCall = (got: Pick<ToolCall, 'name' | 'arguments'>, want: Pick<ToolCall, 'name' | 'arguments'>) =>
  got.name === want.name && isDeepStrictEqual(got.arguments, want.arguments);

/** A call is whole when it equals, name and every argument, a call of some provider's full answer. */
function countBadCalls(calls: ToolCall[], prompt: string, providers: string[]): number {
  const whole = providers.flatMap((p) => expectedToolCalls(p, prompt));
  return calls.filter((c) => !whole.some((w) => sameCall(c, w))).length;
}

/** Why a result's tool calls are not the provider's full answer, or undefined when they are. */
function toolCallMismatch(r: ChatResult, prompt: string, seenCalls: ToolCall[] | undefined): string | undefined {
  const want = expectedToolCalls(r.provider, prompt);
  if (r.toolCalls.length !== want.length || !r.toolCalls.every((c, i) => sameCall(c, want[i]))) {
    return `reported complete with ${r.toolCalls.length} tool call(s) that differ from ${r.provider}'s ${want.length}`;
  }
  if (want.length > 0 && r.finishReason !== 'tool_calls') return `tool-call answer with finishReason '${r.finishReason}'`;
  const ids = r.toolCalls.map((c) => c.id);
  if (ids.some((id) => typeof id !== 'string' || id === '') || new Set(ids).size !== ids.length) return 'tool call ids missing or not unique';
  if (seenCalls && !isDeepStrictEqual(seenCalls, r.toolCalls)) return 'tool calls handed to onToolCall differ from the returned ones';
  return undefined;
}

/** Sorts one request's end into its kind and checks what the router claimed against what the provider sent. */
export function judgeOutcome(
  prompt: string,
  settled: { ok: true; value: ChatResult } | { ok: false; error: unknown } | { hung: true },
  seen: Seen,
  callerCancelled: boolean,
  providers: string[],
): Judged {
  const badCalls = countBadCalls(seen.calls ?? [], prompt, providers);
  const judged = judgeEnd(prompt, settled, seen, callerCancelled, providers);
  if (badCalls === 0) return judged;
  return { ...judged, badCalls, problem: judged.problem ?? `${badCalls} tool call(s) handed over with incomplete or wrong arguments` };
}

function judgeEnd(prompt: string, settled: Parameters<typeof judgeOutcome>[1], seen: Seen, callerCancelled: boolean, providers: string[]): Judged {
  if ('hung' in settled) return { kind: 'hung', problem: 'no answer and no error before the watchdog' };
  if (settled.ok) {
    const r = settled.value;
    const want = wantedText(r.provider, prompt);
    if (r.text !== want) return { kind: 'answered', problem: `reported complete but the text differs from ${r.provider}'s full reply (${r.text.length}/${want.length} chars)` };
    const mismatch = toolCallMismatch(r, prompt, seen.calls);
    if (mismatch) return { kind: 'answered', problem: mismatch };
    if (seen.deltas && seen.deltas.join('') !== r.text) return { kind: 'answered', problem: 'streamed deltas do not add up to the returned text' };
    return { kind: 'answered' };
  }
  const err = settled.error;
  if (err instanceof CancelledError) {
    return callerCancelled ? { kind: 'cancelled' } : { kind: 'cancelled', problem: 'CancelledError although the caller did not cancel' };
  }
  if (err instanceof AllProvidersFailedError) {
    if (err.partialText === undefined || err.partialText === '') {
      if ((seen.calls?.length ?? 0) > 0) {
        if (!/incomplete/.test(err.message)) return { kind: 'broken-after-tool-call', problem: 'failed after a tool call was handed over without saying the answer is incomplete' };
        return { kind: 'broken-after-tool-call' };
      }
      const detail = err.attempts.map((a) => `${a.provider}:${a.errorClass ?? a.outcome}${a.errorClass === 'breaker_open' ? ` (${a.message})` : ''}`).join(' ') || err.message.slice(0, 120);
      return { kind: 'failed', detail };
    }
    const prefixOfSome = providers.some((p) => wantedText(p, prompt).startsWith(err.partialText as string));
    if (!prefixOfSome) return { kind: 'broken-after-text', problem: 'partialText is not a prefix of any provider reply' };
    return { kind: 'broken-after-text' };
  }
  if (err instanceof BudgetExceededError) return { kind: 'budget' };
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return { kind: 'untyped-error', problem: `untyped error ${what.slice(0, 200)}` };
}
