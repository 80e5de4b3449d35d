import { DebouncedSave, SerialQueue } from '../state/backgroundSave';
import type { StateDocument, StateStore } from '../state/stateStore';
import { parseBreakerJSON, type BreakerJSON, type ProviderBreaker } from './circuitBreaker';

const BREAKER_FILE_NAME = 'breakers.json';
const BREAKER_FILE_VERSION = 1;

type BreakerEntries = Record<string, BreakerJSON>;

/** `{ "version": 1, "providers": { "<id>": BreakerJSON } }`; a single invalid provider entry is dropped. */
const breakersDocument: StateDocument<BreakerEntries> = {
  name: BREAKER_FILE_NAME,
  label: 'circuit breaker state',
  decode(bytes) {
    let doc: unknown;
    try {
      doc = JSON.parse(bytes.toString('utf8'));
    } catch {
      return { ok: false, reason: 'not valid JSON' };
    }
    const { version, providers } = (doc ?? {}) as { version?: unknown; providers?: unknown };
    if (version !== BREAKER_FILE_VERSION) return { ok: false, reason: `unsupported version ${JSON.stringify(version)}` };
    if (!providers || typeof providers !== 'object' || Array.isArray(providers)) return { ok: false, reason: 'no providers object' };
    const data: BreakerEntries = {};
    for (const [id, entry] of Object.entries(providers)) {
      const parsed = parseBreakerJSON(entry);
      if (parsed) data[id] = parsed;
    }
    return { ok: true, data };
  },
  encode: (providers) => JSON.stringify({ version: BREAKER_FILE_VERSION, providers }, null, 2),
  empty: () => ({}),
};

export interface BreakerStoreOptions {
  store: StateStore;
  /** How long `save()` waits to coalesce bursts of changes into one write. */
  debounceMs?: number;
}

/**
 * Persists every provider's breaker as the `breakers.json` document. Each save merges with what is stored,
 * keeping per provider whichever entry changed last, so processes sharing a store see each other's breakers.
 */
export class BreakerStore {
  private readonly store: StateStore;
  private pending?: ProviderBreaker[];
  private readonly queue = new SerialQueue();
  private readonly background: DebouncedSave;

  constructor(options: BreakerStoreOptions) {
    this.store = options.store;
    this.background = new DebouncedSave(() => this.flush(), options.debounceMs ?? 250);
  }

  /** Entries as stored. An unusable document is set aside (with one warning) and reads as empty. */
  load(): Promise<BreakerEntries> {
    return this.store.read(breakersDocument);
  }

  /**
   * Merges with the store: a breaker whose stored entry is newer adopts it (listeners fire for state changes);
   * otherwise the breaker's own state is written. Providers only other processes know are kept.
   */
  sync(breakers: Iterable<ProviderBreaker>): Promise<void> {
    const list = [...breakers];
    return this.queue.run(async () => {
      await this.store.update(breakersDocument, (stored) => mergeBreakers(stored, list));
    });
  }

  /** Adopts the stored entries that are newer than these breakers, writing nothing (a read of other processes' news). */
  async refresh(breakers: Iterable<ProviderBreaker>): Promise<void> {
    mergeBreakers(await this.store.read(breakersDocument), [...breakers]);
  }

  /** Schedules a sync of these breakers after a short delay. */
  save(breakers: Iterable<ProviderBreaker>): void {
    this.pending = [...breakers];
    this.background.schedule();
  }

  /** Writes these breakers at once, without waiting for a burst to end: a breaker changed state, and others act on that. */
  saveNow(breakers: Iterable<ProviderBreaker>): void {
    this.pending = [...breakers];
    void this.flush();
  }

  /** Writes any pending save now. Never rejects: the store has warned about a failure. */
  async flush(): Promise<void> {
    this.background.cancel();
    const list = this.pending;
    this.pending = undefined;
    if (!list) return this.queue.run(async () => undefined);
    await this.sync(list).catch(() => {
      this.pending ??= list;
    });
  }
}

/** The stored entries with these breakers' newer states; undefined when nothing changed. */
function mergeBreakers(stored: BreakerEntries, breakers: ProviderBreaker[]): BreakerEntries | undefined {
  const merged: BreakerEntries = { ...stored };
  let changed = false;
  for (const breaker of breakers) {
    const remote = stored[breaker.provider];
    if (remote && remote.updatedAt > breaker.lastUpdatedAt) {
      breaker.applyJSON(remote);
      continue;
    }
    const local = breaker.toJSON();
    if (!remote && local.updatedAt === 0) continue;
    if (!remote || JSON.stringify(remote) !== JSON.stringify(local)) {
      merged[breaker.provider] = local;
      changed = true;
    }
  }
  return changed ? merged : undefined;
}
