import { AllProvidersFailedError, BudgetExceededError, CancelledError } from '../../src/engine/errors';
import type { ChatResult } from '../../src/engine/types';
import { expectedReply } from './chaosFleet';

export type OutcomeKind =
  | 'answered'
  | 'failed'
  /** A stream failed after text had reached the caller: reported as incomplete, with the partial text. */
  | 'broken-after-text'
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
}

/** Sorts one request's end into its kind and checks what the router claimed against what the provider sent. */
export function judgeOutcome(
  prompt: string,
  settled: { ok: true; value: ChatResult } | { ok: false; error: unknown } | { hung: true },
  deltas: string[] | undefined,
  callerCancelled: boolean,
  providers: string[],
): Judged {
  if ('hung' in settled) return { kind: 'hung', problem: 'no answer and no error before the watchdog' };
  if (settled.ok) {
    const r = settled.value;
    const want = expectedReply(r.provider, prompt);
    if (r.text !== want) return { kind: 'answered', problem: `reported complete but the text differs from ${r.provider}'s full reply (${r.text.length}/${want.length} chars)` };
    if (deltas && deltas.join('') !== r.text) return { kind: 'answered', problem: 'streamed deltas do not add up to the returned text' };
    return { kind: 'answered' };
  }
  const err = settled.error;
  if (err instanceof CancelledError) {
    return callerCancelled ? { kind: 'cancelled' } : { kind: 'cancelled', problem: 'CancelledError although the caller did not cancel' };
  }
  if (err instanceof AllProvidersFailedError) {
    if (err.partialText === undefined || err.partialText === '') {
      const detail = err.attempts.map((a) => `${a.provider}:${a.errorClass ?? a.outcome}${a.errorClass === 'breaker_open' ? ` (${a.message})` : ''}`).join(' ') || err.message.slice(0, 120);
      return { kind: 'failed', detail };
    }
    const prefixOfSome = providers.some((p) => expectedReply(p, prompt).startsWith(err.partialText as string));
    if (!prefixOfSome) return { kind: 'broken-after-text', problem: 'partialText is not a prefix of any provider reply' };
    return { kind: 'broken-after-text' };
  }
  if (err instanceof BudgetExceededError) return { kind: 'budget' };
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return { kind: 'untyped-error', problem: `untyped error ${what.slice(0, 200)}` };
}
