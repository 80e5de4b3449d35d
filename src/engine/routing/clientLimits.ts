/** `limits.rpm` / `limits.tpm` of one provider. */
export interface ClientLimitConfig {
  rpm?: number;
  tpm?: number;
}

export interface ClientLimitHold {
  until: number;
  limitedBy: 'rpm' | 'tpm';
}

interface Sent {
  /** Unique across processes, so a log kept across restarts counts each request once. */
  id?: string;
  /** When it counts from: its answer's first byte (the provider had it by then); until then, undefined. */
  at?: number;
  tokens: number;
}

/** A request counted in the window; it learns when the provider answered and what the answer used. */
export interface ClientLimitSlot {
  /** The request was not sent after all (the team had no slot): it leaves the window as if never counted. */
  withdraw(): void;
  /** The answer's headers arrived: the provider received the request no later than now. */
  answered(now: number): void;
  /** The request is over; `actualTokens` (the answer's usage) replaces the estimate. Tells waiters when room freed up. */
  finish(now: number, actualTokens: number | undefined): void;
}

/**
 * The user's own per-minute limits for one provider, kept as a sliding log of what was sent: in any window of
 * `windowMs` at most `rpm` requests and `tpm` tokens reach the provider, however the requests bunch up. A request
 * counts from its answer, not from its sending, so a slow connection cannot make two windows' requests arrive in one.
 */
export class ClientLimitWindow {
  private sent: Sent[] = [];
  /** The team's store refused a slot until then: other members took the minute's last ones. */
  private teamFull?: { until: number; limitedBy: 'rpm' | 'tpm' };

  constructor(
    private limits: ClientLimitConfig,
    private readonly windowMs: number,
    private readonly onFreed: () => void,
  ) {}

  reconfigure(limits: ClientLimitConfig): void {
    this.limits = limits;
  }

  /** The team's store said no slot is free before `until`; this window holds requests back until then too. */
  teamRefused(until: number, limitedBy: 'rpm' | 'tpm'): void {
    if (!this.teamFull || until > this.teamFull.until) this.teamFull = { until, limitedBy };
  }

  /**
   * When a request of `tokens` may leave, if not now. A request larger than `tpm` on its own waits for an empty window.
   * One still unanswered holds its place a full window from now at least; its answer tells waiters sooner.
   */
  hold(tokens: number, now: number): ClientLimitHold | undefined {
    const all = this.inWindow(now);
    const { rpm, tpm } = this.limits;
    const leaves = (s: Sent) => (s.at ?? now) + this.windowMs;
    let hold: ClientLimitHold | undefined = this.teamFull && this.teamFull.until > now ? { ...this.teamFull } : undefined;
    if (rpm !== undefined && all.length >= rpm) {
      // The rpm-th latest to leave must leave first.
      const times = all.map(leaves).sort((a, b) => a - b);
      const until = times[times.length - rpm];
      if (!hold || until > hold.until) hold = { until, limitedBy: 'rpm' };
    }
    if (tpm !== undefined && all.length > 0) {
      let inWindow = all.reduce((sum, s) => sum + s.tokens, 0);
      // The oldest requests leave the window first; find the one whose leaving makes room.
      for (const s of [...all].sort((a, b) => leaves(a) - leaves(b))) {
        if (inWindow + tokens <= tpm) break;
        inWindow -= s.tokens;
        const until = leaves(s);
        if (!hold || until > hold.until) hold = { until, limitedBy: 'tpm' };
      }
    }
    return hold;
  }

  take(tokens: number, id?: string): ClientLimitSlot {
    const entry: Sent = { id, tokens };
    this.sent.push(entry);
    return {
      withdraw: () => {
        this.sent = this.sent.filter((s) => s !== entry);
      },
      answered: (now) => {
        entry.at ??= now;
      },
      finish: (now, actual) => {
        const wasOpen = entry.at === undefined;
        entry.at ??= now;
        const fewer = actual !== undefined && actual < entry.tokens;
        if (actual !== undefined) entry.tokens = actual;
        if (wasOpen || fewer) this.onFreed();
      },
    };
  }

  /** Requests and tokens still in the window. */
  usage(now: number): { requests: number; tokens: number; oldestLeavesAt?: number; teamFull?: ClientLimitHold } {
    const all = this.inWindow(now);
    const leaving = all.map((s) => (s.at ?? now) + this.windowMs);
    const teamFull = this.teamFull && this.teamFull.until > now ? { teamFull: { ...this.teamFull } } : {};
    return { requests: all.length, tokens: all.reduce((sum, s) => sum + s.tokens, 0), ...(leaving.length > 0 ? { oldestLeavesAt: Math.min(...leaving) } : {}), ...teamFull };
  }

  /** This process's requests in the window (one still unanswered counts from now), to keep across restarts. */
  remembered(now: number): Array<{ id: string; at: number; tokens: number }> {
    this.inWindow(now);
    return this.sent.flatMap((s) => (s.id === undefined ? [] : [{ id: s.id, at: s.at ?? now, tokens: s.tokens }]));
  }

  /** Requests an earlier run sent inside the window; one already known is not counted twice. */
  recall(sent: ReadonlyArray<{ id: string; at: number; tokens: number }>): void {
    const known = new Set(this.sent.map((s) => s.id));
    for (const s of sent) if (!known.has(s.id)) this.sent.push({ id: s.id, at: s.at, tokens: s.tokens });
  }

  /** This process's requests still in the window; a team's are counted by its store (see teamRefused). */
  private inWindow(now: number): Sent[] {
    this.sent = this.sent.filter((s) => s.at === undefined || s.at + this.windowMs > now);
    return this.sent;
  }
}
