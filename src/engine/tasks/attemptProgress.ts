import type { AttemptEvent } from '../events';
import type { AttemptRecord } from '../types';

/**
 * Turns one request's attempt events into the line a progress message shows: the provider being waited on,
 * and what happened to the one before ("primary timed out after 5 s — trying backup").
 */
export class AttemptProgress {
  private lastFailure?: AttemptRecord;

  /** The message for this event, or undefined when it changes nothing the user needs to see. */
  next(event: AttemptEvent): string | undefined {
    if (event.type === 'attempt-finished') {
      const r = event.record;
      if (r.outcome === 'ok' || r.errorClass === 'cancelled') return undefined;
      this.lastFailure = r;
      return `${r.provider} ${whatHappened(r)}`;
    }
    const failed = this.lastFailure;
    this.lastFailure = undefined;
    if (!failed) return event.try > 1 ? `waiting for ${event.provider} (try ${event.try})…` : `waiting for ${event.provider}…`;
    const next = failed.provider === event.provider ? `trying ${event.provider} again` : `trying ${event.provider}`;
    return `${failed.provider} ${whatHappened(failed)} — ${next}`;
  }
}

function whatHappened(r: AttemptRecord): string {
  switch (r.errorClass) {
    case 'timeout':
      return r.outcome === 'skipped' ? 'skipped: no time left' : `timed out after ${duration(r.latencyMs)}`;
    case 'connection':
      return 'could not be reached';
    case 'rate_limited':
      return r.outcome === 'skipped' ? 'is asking to wait (rate limit)' : 'is rate-limited';
    case 'breaker_open':
      return 'is paused after repeated failures';
    case 'budget_exceeded':
      return 'is over budget';
    default:
      return `failed (${r.errorClass ?? r.outcome}${r.status ? ` ${r.status}` : ''})`;
  }
}

function duration(ms: number): string {
  return ms >= 1_000 ? `${Math.round(ms / 1_000)} s` : `${Math.round(ms)} ms`;
}
