import { z } from 'zod';
import { ERROR_CLASSES, type ErrorClass } from '../errors';
import type { ProviderCooldowns } from '../resilience/cooldown';
import type { ProviderKeyRings, RememberedKeys } from '../resilience/keyRing';
import { DebouncedSave, SerialQueue } from '../state/backgroundSave';
import { decodeVersionedJson, type StateDocument, type StateStore } from '../state/stateStore';
import type { RememberedPacing, RequestPacing } from './pacing';
import type { RememberedHeadroom } from './providerHeadroom';

const RATE_LIMITS_FILE_NAME = 'rate-limits.json';
const RATE_LIMITS_FILE_VERSION = 1;

/** Everything the router learnt about when it may send again; each entry ends by itself when its time is up. */
export interface RememberedRateLimits extends RememberedPacing {
  /** Retry-After deadlines per provider; left out while a team shares them (sharedState "breakers"). */
  retryAfter: Record<string, number>;
  keys: Record<string, RememberedKeys>;
}

const rateLimitsSchema = z.object({
  version: z.literal(RATE_LIMITS_FILE_VERSION),
  retryAfter: z.record(z.string(), z.number()),
  headroom: z.array(
    z.object({
      scope: z.string(),
      window: z.enum(['requests', 'tokens', 'inputTokens', 'outputTokens']),
      limit: z.number().optional(),
      remaining: z.number().nonnegative(),
      resetAt: z.number(),
      observedAt: z.number(),
    }),
  ),
  sent: z.record(z.string(), z.array(z.object({ id: z.string().min(1), at: z.number(), tokens: z.number().nonnegative() }))),
  keys: z.record(z.string(), z.object({ active: z.number().int().nonnegative(), until: z.array(z.number()), reasons: z.array(z.enum(Object.keys(ERROR_CLASSES) as [ErrorClass, ...ErrorClass[]]).nullable()) })),
});

/** `{ "version": 1, "retryAfter", "headroom", "sent", "keys" }`: the rate-limit state a restart must not forget. */
const rateLimitsDocument: StateDocument<RememberedRateLimits> = {
  name: RATE_LIMITS_FILE_NAME,
  label: 'rate-limit state',
  decode(bytes) {
    const decoded = decodeVersionedJson(bytes, RATE_LIMITS_FILE_VERSION, rateLimitsSchema);
    if (!decoded.ok) return decoded;
    const { retryAfter, headroom, sent, keys } = decoded.data;
    return { ok: true, data: { retryAfter, headroom, sent, keys } };
  },
  encode: (kept) => JSON.stringify({ version: RATE_LIMITS_FILE_VERSION, ...kept }, null, 2),
  empty: () => ({ retryAfter: {}, headroom: [], sent: {}, keys: {} }),
};

export interface RateLimitStoreOptions {
  store: StateStore;
  pacing: RequestPacing;
  /** Undefined while a team shares Retry-After waits: its store keeps them. */
  cooldowns?: ProviderCooldowns;
  keyRings: ProviderKeyRings;
  /** The `limits.rpm`/`limits.tpm` window, past which a kept request no longer counts. */
  windowMs: number;
  now: () => number;
  debounceMs?: number;
}

/**
 * Keeps Retry-After waits, announced headroom, the requests counted against `limits.rpm`/`limits.tpm` and key
 * cooldowns in the `rate-limits.json` document, so a new process (each CLI run, a reloaded window) does not send
 * what the last one knew would be refused. Saves merge with what other processes stored.
 */
export class RateLimitStore {
  private readonly queue = new SerialQueue();
  private readonly background: DebouncedSave;
  private dirty = false;
  /** Providers whose waits were reset here: the stored ones go too, not just this process's. */
  private readonly forgotten = new Set<string>();

  constructor(private readonly options: RateLimitStoreOptions) {
    this.background = new DebouncedSave(() => this.flush(), options.debounceMs ?? 250);
  }

  /** Takes in what earlier runs kept. An unusable document is set aside (with one warning) and reads as empty. */
  async load(): Promise<void> {
    const kept = await this.options.store.read(rateLimitsDocument);
    const now = this.options.now();
    for (const [id, until] of Object.entries(kept.retryAfter)) this.options.cooldowns?.set(id, until);
    this.options.keyRings.recall(kept.keys);
    this.options.pacing.recall(kept, now);
  }

  /** Schedules a save after a short delay (requests came and went). */
  save(): void {
    this.dirty = true;
    this.background.schedule();
  }

  /** Drops the provider's Retry-After wait and key cooldowns from the store as well (its breaker was reset). */
  forget(provider: string): void {
    this.forgotten.add(provider);
    this.save();
  }

  /** Writes a pending save now. Never rejects: the store has warned, and the next save tries again. */
  async flush(): Promise<void> {
    this.background.cancel();
    if (!this.dirty) return this.queue.run(async () => undefined);
    this.dirty = false;
    const forgotten = [...this.forgotten];
    await this.queue
      .run(async () => {
        await this.options.store.update(rateLimitsDocument, (stored) => {
          const kept = withoutWaits(stored, forgotten);
          const merged = merge(kept, this.remembered(), this.options.now(), this.options.windowMs);
          return JSON.stringify(merged) === JSON.stringify(stored) ? undefined : merged;
        });
        for (const id of forgotten) this.forgotten.delete(id);
      })
      .catch(() => {
        this.dirty = true;
      });
  }

  private remembered(): RememberedRateLimits {
    const now = this.options.now();
    return { retryAfter: this.options.cooldowns?.remembered(now) ?? {}, keys: this.options.keyRings.remembered(now), ...this.options.pacing.remembered(now) };
  }
}

function withoutWaits(stored: RememberedRateLimits, providers: readonly string[]): RememberedRateLimits {
  if (providers.length === 0) return stored;
  const retryAfter = { ...stored.retryAfter };
  const keys = { ...stored.keys };
  for (const id of providers) {
    delete retryAfter[id];
    delete keys[id];
  }
  return { ...stored, retryAfter, keys };
}

/** What is stored, with this process's news: later deadlines and newer headroom win, requests are counted once by id, and whatever has run out is dropped. */
function merge(stored: RememberedRateLimits, mine: RememberedRateLimits, now: number, windowMs: number): RememberedRateLimits {
  const retryAfter: Record<string, number> = {};
  for (const source of [stored.retryAfter, mine.retryAfter]) {
    for (const [id, until] of Object.entries(source)) if (until > now && until > (retryAfter[id] ?? 0)) retryAfter[id] = until;
  }

  const headroom = new Map<string, RememberedHeadroom>();
  for (const h of [...stored.headroom, ...mine.headroom]) {
    if (h.resetAt <= now) continue;
    const key = `${h.scope}\u0000${h.window}`;
    const known = headroom.get(key);
    if (!known || h.observedAt >= known.observedAt) headroom.set(key, h);
  }

  const sent: RememberedRateLimits['sent'] = {};
  for (const source of [stored.sent, mine.sent]) {
    for (const [id, log] of Object.entries(source)) {
      const byId = new Map((sent[id] ?? []).map((s) => [s.id, s]));
      for (const s of log) if (s.at + windowMs > now) byId.set(s.id, s);
      if (byId.size > 0) sent[id] = [...byId.values()];
    }
  }

  const keys: Record<string, RememberedKeys> = {};
  for (const [id, ring] of Object.entries(stored.keys)) if (ring.until.some((t) => t > now)) keys[id] = ring;
  for (const [id, ring] of Object.entries(mine.keys)) {
    const other = keys[id];
    if (!other || other.until.length !== ring.until.length) {
      keys[id] = ring;
      continue;
    }
    const later = ring.until.map((t, i) => (t >= other.until[i] ? i : -1));
    keys[id] = {
      active: ring.active,
      until: ring.until.map((t, i) => (later[i] >= 0 ? t : other.until[i])),
      reasons: ring.reasons.map((r, i) => (later[i] >= 0 ? r : other.reasons[i])),
    };
  }

  return { retryAfter, headroom: [...headroom.values()], sent, keys };
}
