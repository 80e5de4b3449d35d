import type { RateLimitSnapshot, RateLimitWindow } from '../http/rateLimitHeaders';
import { totalTokens, type RequestNeed } from './requestNeed';

/** Which announced limit holds a provider back. */
export type HeadroomLimit = 'requests' | 'tokens' | 'input_tokens' | 'output_tokens';

export interface HeadroomHold {
  until: number;
  limitedBy: HeadroomLimit;
  /** What is left of that limit, after the requests sent since the provider last said. */
  remaining: number;
}

interface Used {
  requests: number;
  input: number;
  output: number;
}

interface Announced {
  window: RateLimitWindow;
  /** When the provider said it: a team member's newer word replaces it. */
  observedAt: number;
  /** Sent since the provider announced this window, so not yet counted in it. */
  since: Used;
}

interface Scope {
  windows: Partial<Record<keyof RateLimitSnapshot, Announced>>;
  inFlight: Set<HeadroomTicket>;
}

/** One announced window as kept across restarts: what was left of it after the sends counted since, and when it was said. */
export interface RememberedHeadroom {
  scope: string;
  window: keyof RateLimitSnapshot;
  limit?: number;
  remaining: number;
  resetAt: number;
  observedAt: number;
}

/** One request on its way to a provider; it learns the headers of its own answer. */
export interface HeadroomTicket {
  readonly need: RequestNeed;
}

const WINDOWS: ReadonlyArray<{ key: keyof RateLimitSnapshot; limit: HeadroomLimit; need: (n: RequestNeed) => number; used: (u: Used) => number }> = [
  { key: 'requests', limit: 'requests', need: () => 1, used: (u) => u.requests },
  { key: 'tokens', limit: 'tokens', need: totalTokens, used: (u) => u.input + u.output },
  { key: 'inputTokens', limit: 'input_tokens', need: (n) => n.inputTokens, used: (u) => u.input },
  { key: 'outputTokens', limit: 'output_tokens', need: (n) => n.outputTokens, used: (u) => u.output },
];

/**
 * The remaining requests and tokens each provider announced in its latest answer's rate-limit headers, per scope
 * (provider and model: OpenAI, Anthropic, Groq and Cerebras limit each model apart), minus what was sent since.
 * A window whose reset has passed is full again as far as anyone can tell.
 */
export class ProviderHeadroom {
  private readonly scopes = new Map<string, Scope>();

  /** Why a request needing `need` would be refused now, and until when; undefined when it fits (or nothing is known). */
  hold(scope: string, need: RequestNeed, now: number): HeadroomHold | undefined {
    const s = this.scopes.get(scope);
    if (!s) return undefined;
    let hold: HeadroomHold | undefined;
    for (const w of WINDOWS) {
      const a = s.windows[w.key];
      const window = live(a?.window, now);
      if (!a || !window) continue;
      const remaining = Math.max(0, window.remaining - w.used(a.since));
      const needed = w.need(need);
      if (needed > 0 && remaining < needed && (!hold || window.resetAt > hold.until)) hold = { until: window.resetAt, limitedBy: w.limit, remaining };
    }
    return hold;
  }

  /** Counts a request against the scope's headroom as it is sent. */
  send(scope: string, need: RequestNeed): HeadroomTicket {
    const s = this.scopeOf(scope);
    const ticket: HeadroomTicket = { need };
    for (const a of Object.values(s.windows)) add(a.since, need);
    s.inFlight.add(ticket);
    return ticket;
  }

  /**
   * The provider's word in the headers of `ticket`'s answer replaces what was known of each window it names (others
   * keep theirs); requests still in flight count against it.
   */
  observe(scope: string, ticket: HeadroomTicket, snapshot: RateLimitSnapshot, now: number): void {
    this.record(this.scopeOf(scope), snapshot, now, now, ticket);
  }

  /**
   * What another team member heard from the provider at `observedAt`, where that is newer than what this process
   * heard: the provider had counted everything sent before then, so only requests still in flight count against it.
   */
  adopt(scope: string, snapshot: RateLimitSnapshot, observedAt: number, now: number): void {
    this.record(this.scopeOf(scope), snapshot, observedAt, now);
  }

  private record(s: Scope, snapshot: RateLimitSnapshot, observedAt: number, now: number, answered?: HeadroomTicket): void {
    const inFlight: Used = { requests: 0, input: 0, output: 0 };
    for (const other of s.inFlight) if (other !== answered) add(inFlight, other.need);
    for (const [key, window] of Object.entries(snapshot) as Array<[keyof RateLimitSnapshot, RateLimitWindow]>) {
      const known = s.windows[key];
      // This process's own answers are always the newest word; a team member's only when it was heard later.
      if (!answered && known && known.observedAt >= observedAt) continue;
      const before = live(known?.window, now);
      // Still none left: a window announced empty stays empty until the later of its resets.
      const resetAt = window.remaining === 0 && before && (window.resetAt === undefined || window.resetAt < before.resetAt) ? before.resetAt : window.resetAt;
      s.windows[key] = { window: { ...window, resetAt }, since: { ...inFlight }, observedAt };
    }
  }

  /** The request was not sent after all: it no longer counts against the scope's windows. */
  withdraw(scope: string, ticket: HeadroomTicket): void {
    const s = this.scopes.get(scope);
    if (!s?.inFlight.delete(ticket)) return;
    for (const a of Object.values(s.windows)) {
      a.since.requests = Math.max(0, a.since.requests - 1);
      a.since.input = Math.max(0, a.since.input - ticket.need.inputTokens);
      a.since.output = Math.max(0, a.since.output - ticket.need.outputTokens);
    }
  }

  finish(scope: string, ticket: HeadroomTicket): void {
    this.scopes.get(scope)?.inFlight.delete(ticket);
  }

  /** What is left in the scope's live windows, for display. */
  remaining(scope: string, now: number): Partial<Record<HeadroomLimit, { remaining: number; resetAt: number }>> {
    const s = this.scopes.get(scope);
    const out: Partial<Record<HeadroomLimit, { remaining: number; resetAt: number }>> = {};
    if (!s) return out;
    for (const w of WINDOWS) {
      const a = s.windows[w.key];
      const window = live(a?.window, now);
      if (a && window) out[w.limit] = { remaining: Math.max(0, window.remaining - w.used(a.since)), resetAt: window.resetAt };
    }
    return out;
  }

  /** Every live window, with the sends since its announcement taken off, to keep across restarts. */
  remembered(now: number): RememberedHeadroom[] {
    const out: RememberedHeadroom[] = [];
    for (const [scope, s] of this.scopes) {
      for (const w of WINDOWS) {
        const a = s.windows[w.key];
        const window = live(a?.window, now);
        if (!a || !window) continue;
        const limit = a.window.limit;
        out.push({ scope, window: w.key, ...(limit !== undefined ? { limit } : {}), remaining: Math.max(0, window.remaining - w.used(a.since)), resetAt: window.resetAt, observedAt: a.observedAt });
      }
    }
    return out;
  }

  private scopeOf(scope: string): Scope {
    let s = this.scopes.get(scope);
    if (!s) {
      s = { windows: {}, inFlight: new Set() };
      this.scopes.set(scope, s);
    }
    return s;
  }
}

/** A window that says how much is left and until when; one past its reset says nothing any more. */
function live(w: RateLimitWindow | undefined, now: number): { remaining: number; resetAt: number } | undefined {
  if (w?.remaining === undefined || w.resetAt === undefined || w.resetAt <= now) return undefined;
  return { remaining: w.remaining, resetAt: w.resetAt };
}

function add(u: Used, need: RequestNeed): void {
  u.requests += 1;
  u.input += need.inputTokens;
  u.output += need.outputTokens;
}
