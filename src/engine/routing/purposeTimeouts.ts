import type { RouterConfig } from '../config/schema';
import type { ChatRequest } from '../types';

/** Purposes where a person waits for the answer: the editor's own actions (Suggest Code, a finding's quick fix, Analyze File, inline). */
const INTERACTIVE_PURPOSES: ReadonlySet<string> = new Set(['suggest', 'fix', 'analyze', 'inline']);

export interface AttemptTiming {
  firstTokenMs: number;
  /** Streams on the wire even when the caller wants one answer, so a hung provider is caught by the first-token timeout. */
  streamOnWire: boolean;
  /** A timed-out provider is not tried again while another one can answer. */
  moveOnAfterTimeout: boolean;
}

/** How long one attempt may wait for its first token, by why the request was made. */
export function attemptTiming(cfg: RouterConfig, req: ChatRequest): AttemptTiming {
  const interactive = req.purpose !== undefined && INTERACTIVE_PURPOSES.has(req.purpose);
  if (!interactive) return { firstTokenMs: cfg.timeouts.firstTokenMs, streamOnWire: false, moveOnAfterTimeout: false };
  return { firstTokenMs: cfg.timeouts.interactiveFirstTokenMs, streamOnWire: true, moveOnAfterTimeout: true };
}
