/**
 * "No request to this provider before T", shared by all concurrent requests, so a 429/503 with Retry-After
 * holds back every caller, not just the one that saw it.
 */
export class ProviderCooldowns {
  private readonly untilById = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Remembers the later of the current and the new deadline. */
  set(id: string, untilEpochMs: number): void {
    if (!Number.isFinite(untilEpochMs)) return;
    const existing = this.untilById.get(id);
    if (existing === undefined || untilEpochMs > existing) this.untilById.set(id, untilEpochMs);
  }

  /** Convenience for a provider's Retry-After: cool down for `retryAfterMs` from now. */
  setFor(id: string, retryAfterMs: number, now = this.now()): void {
    if (Number.isFinite(retryAfterMs) && retryAfterMs > 0) this.set(id, now + retryAfterMs);
  }

  /** The deadline if it is still in the future, else undefined. */
  until(id: string, now = this.now()): number | undefined {
    const t = this.untilById.get(id);
    if (t === undefined) return undefined;
    if (t <= now) {
      this.untilById.delete(id);
      return undefined;
    }
    return t;
  }

  isCoolingDown(id: string, now = this.now()): boolean {
    return this.until(id, now) !== undefined;
  }

  /** Milliseconds left to wait, 0 when the provider may be called. */
  remainingMs(id: string, now = this.now()): number {
    const t = this.until(id, now);
    return t === undefined ? 0 : t - now;
  }

  /** Every deadline still ahead, to keep across restarts. */
  remembered(now = this.now()): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [id, until] of this.untilById) if (until > now) out[id] = until;
    return out;
  }

  clear(id?: string): void {
    if (id === undefined) this.untilById.clear();
    else this.untilById.delete(id);
  }
}
