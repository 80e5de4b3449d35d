import type { ErrorClass } from '../errors';

/** What each failure costs the key that met it; the provider's own Retry-After wins where it gave one. */
const KEY_COOLDOWN_MS: Partial<Record<ErrorClass, number>> = {
  rate_limited: 60_000,
  // A quota or a refused key does not come back in seconds; an hour, then it is tried again.
  quota_exceeded: 3_600_000,
  auth: 3_600_000,
};

/** A key's state, shown as `key 2 of 3` only: never the key, nor anything derived from it. */
export interface KeyStatus {
  label: string;
  active: boolean;
  coolingDownUntil?: number;
  reason?: ErrorClass;
}

/** A provider's key cooldowns as kept across restarts: per key slot, until when and why. */
export interface RememberedKeys {
  active: number;
  until: number[];
  reasons: Array<ErrorClass | null>;
}

interface Ring {
  active: number;
  until: number[];
  reasons: Array<ErrorClass | undefined>;
}

/**
 * The keys of each provider: requests use the active key until it meets a rate limit, its quota or a 401; then it
 * cools down on its own and the next key serves. Breakers stay per provider.
 */
export class ProviderKeyRings {
  private readonly rings = new Map<string, Ring>();

  constructor(private readonly now: () => number) {}

  /** The index of the key to use now, or the moment the first one comes back when every key is cooling down. */
  pick(provider: string, count: number, now = this.now()): { index: number } | { until: number } {
    const ring = this.ring(provider, count);
    for (let step = 0; step < count; step++) {
      const i = (ring.active + step) % count;
      if (ring.until[i] <= now) {
        ring.active = i;
        return { index: i };
      }
    }
    return { until: Math.min(...ring.until) };
  }

  /** The active key's index, for scoping its rate-limit headroom. */
  active(provider: string): number {
    return this.rings.get(provider)?.active ?? 0;
  }

  /** Cools the key down when the failure is its own; true when another key can serve at once. */
  keyFailed(provider: string, index: number, count: number, errorClass: ErrorClass, retryAfterMs: number | undefined, now = this.now()): boolean {
    const base = KEY_COOLDOWN_MS[errorClass];
    if (count < 2 || base === undefined) return false;
    const ring = this.ring(provider, count);
    ring.until[index] = now + (errorClass === 'rate_limited' && retryAfterMs !== undefined ? retryAfterMs : base);
    ring.reasons[index] = errorClass;
    return ring.until.some((t) => t <= now);
  }

  /** When every key is cooling down, the moment the first comes back. */
  allCoolingUntil(provider: string, now = this.now()): number | undefined {
    const ring = this.rings.get(provider);
    if (!ring || ring.until.some((t) => t <= now)) return undefined;
    return Math.min(...ring.until);
  }

  /** Each key's state once the provider was used with several; undefined before, or with one key. */
  status(provider: string, now = this.now()): KeyStatus[] | undefined {
    const ring = this.rings.get(provider);
    if (!ring || ring.until.length < 2) return undefined;
    const count = ring.until.length;
    return ring.until.map((until, i) => ({
      label: `key ${i + 1} of ${count}`,
      active: i === ring.active,
      ...(until > now ? { coolingDownUntil: until, ...(ring.reasons[i] ? { reason: ring.reasons[i] } : {}) } : {}),
    }));
  }

  /** The rings with a key still cooling down, to keep across restarts. */
  remembered(now = this.now()): Record<string, RememberedKeys> {
    const out: Record<string, RememberedKeys> = {};
    for (const [provider, ring] of this.rings) {
      if (ring.until.some((t) => t > now)) out[provider] = { active: ring.active, until: [...ring.until], reasons: ring.reasons.map((r) => r ?? null) };
    }
    return out;
  }

  /** Takes in cooldowns kept from an earlier run; a ring already known keeps the later deadline of each key. */
  recall(remembered: Record<string, RememberedKeys>): void {
    for (const [provider, keys] of Object.entries(remembered)) {
      const known = this.rings.has(provider);
      const ring = this.ring(provider, keys.until.length);
      if (!known && keys.active < keys.until.length) ring.active = keys.active;
      keys.until.forEach((until, i) => {
        if (until <= ring.until[i]) return;
        ring.until[i] = until;
        ring.reasons[i] = keys.reasons[i] ?? undefined;
      });
    }
  }

  /** Forgets the provider's key cooldowns (its keys were reset or replaced). */
  forget(provider: string): void {
    this.rings.delete(provider);
  }

  private ring(provider: string, count: number): Ring {
    let ring = this.rings.get(provider);
    if (!ring || ring.until.length !== count) {
      ring = { active: 0, until: new Array<number>(count).fill(0), reasons: new Array<ErrorClass | undefined>(count).fill(undefined) };
      this.rings.set(provider, ring);
    }
    return ring;
  }
}
