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
  at: number;
  tokens: number;
}

/** A request counted in the window; its token count is corrected once the answer's usage is known. */
export interface ClientLimitSlot {
  settle(actualTokens: number | undefined): void;
}

/**
 * The user's own per-minute limits for one provider, kept as a sliding log of what was sent: in any window of
 * `windowMs` at most `rpm` requests and `tpm` tokens leave, however the requests bunch up.
 */
export class ClientLimitWindow {
  private sent: Sent[] = [];

  constructor(
    private limits: ClientLimitConfig,
    private readonly windowMs: number,
    private readonly onFreed: () => void,
  ) {}

  reconfigure(limits: ClientLimitConfig): void {
    this.limits = limits;
  }

  /** When a request of `tokens` may leave, if not now. A request larger than `tpm` on its own waits for an empty window. */
  hold(tokens: number, now: number): ClientLimitHold | undefined {
    this.prune(now);
    const { rpm, tpm } = this.limits;
    let hold: ClientLimitHold | undefined;
    if (rpm !== undefined && this.sent.length >= rpm) hold = { until: this.sent[this.sent.length - rpm].at + this.windowMs, limitedBy: 'rpm' };
    if (tpm !== undefined && this.sent.length > 0) {
      let inWindow = this.sent.reduce((sum, s) => sum + s.tokens, 0);
      // The oldest requests leave the window first; find the one whose leaving makes room.
      for (const s of this.sent) {
        if (inWindow + tokens <= tpm) break;
        inWindow -= s.tokens;
        const until = s.at + this.windowMs;
        if (!hold || until > hold.until) hold = { until, limitedBy: 'tpm' };
      }
    }
    return hold;
  }

  take(tokens: number, now: number): ClientLimitSlot {
    const entry: Sent = { at: now, tokens };
    this.sent.push(entry);
    return {
      settle: (actual) => {
        if (actual === undefined || actual === entry.tokens) return;
        const freed = actual < entry.tokens;
        entry.tokens = actual;
        if (freed) this.onFreed();
      },
    };
  }

  /** Requests and tokens still in the window. */
  usage(now: number): { requests: number; tokens: number; oldestLeavesAt?: number } {
    this.prune(now);
    const oldest = this.sent[0];
    return { requests: this.sent.length, tokens: this.sent.reduce((sum, s) => sum + s.tokens, 0), ...(oldest ? { oldestLeavesAt: oldest.at + this.windowMs } : {}) };
  }

  private prune(now: number): void {
    let drop = 0;
    while (drop < this.sent.length && this.sent[drop].at + this.windowMs <= now) drop++;
    if (drop > 0) this.sent = this.sent.slice(drop);
  }
}
