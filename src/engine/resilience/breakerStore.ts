import * as path from 'node:path';
import { isUnreadableFileError, readFileIfExists, setAside, writeFileAtomic } from '../state/atomicFile';
import { parseBreakerJSON, type BreakerJSON, type ProviderBreaker } from './circuitBreaker';

export const BREAKER_FILE_VERSION = 1;

export interface BreakerStoreOptions {
  stateDir: string;
  /** Told once per store about an unreadable file (set aside) and once about a failed write. */
  warn?: (message: string) => void;
  /** How long `save()` waits to coalesce bursts of changes into one write. */
  debounceMs?: number;
}

/**
 * Persists every provider's breaker to `<stateDir>/breakers.json` as
 * `{ "version": 1, "providers": { "<id>": BreakerJSON } }`. Each write first re-reads the file and keeps,
 * per provider, whichever entry changed last, so processes sharing the state dir see each other's breakers.
 */
export class BreakerStore {
  readonly file: string;
  private readonly warn: (message: string) => void;
  private readonly debounceMs: number;
  private warnedCorrupt = false;
  private warnedWrite = false;
  private pending?: ProviderBreaker[];
  private timer?: NodeJS.Timeout;
  private queue: Promise<void> = Promise.resolve();

  constructor(options: BreakerStoreOptions) {
    this.file = path.join(options.stateDir, 'breakers.json');
    this.warn = options.warn ?? (() => undefined);
    this.debounceMs = options.debounceMs ?? 250;
  }

  /** Entries on disk. A corrupt file or unknown version is set aside (with one warning) and reads as empty. */
  async load(): Promise<Record<string, BreakerJSON>> {
    let buf: Buffer | undefined;
    try {
      buf = await readFileIfExists(this.file);
    } catch (err) {
      if (!isUnreadableFileError(err)) throw err;
      await this.setAsideCorrupt();
      return {};
    }
    if (buf === undefined) return {};
    let doc: unknown;
    try {
      doc = JSON.parse(buf.toString('utf8'));
    } catch {
      doc = undefined;
    }
    const providers = providersOf(doc);
    if (!providers) {
      await this.setAsideCorrupt();
      return {};
    }
    const out: Record<string, BreakerJSON> = {};
    for (const [id, entry] of Object.entries(providers)) {
      const parsed = parseBreakerJSON(entry);
      if (parsed) out[id] = parsed;
    }
    return out;
  }

  /**
   * Merges with the file: a breaker whose entry on disk is newer adopts it (listeners fire for state changes);
   * otherwise the breaker's own state is written. Providers only other processes know are kept.
   */
  sync(breakers: Iterable<ProviderBreaker>): Promise<void> {
    const list = [...breakers];
    const run = this.queue.then(() => this.syncNow(list));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Schedules a sync of these breakers after a short delay; errors are reported through `warn`. */
  save(breakers: Iterable<ProviderBreaker>): void {
    this.pending = [...breakers];
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.debounceMs);
    // A pending save must not keep a CLI process alive; callers flush() before exiting.
    this.timer.unref();
  }

  /** Writes any pending save now. Never rejects: failures go to `warn`. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const list = this.pending;
    this.pending = undefined;
    if (!list) {
      await this.queue;
      return;
    }
    try {
      await this.sync(list);
    } catch (err) {
      if (!this.warnedWrite) {
        this.warnedWrite = true;
        this.warn(`Could not save circuit breaker state to ${this.file}: ${(err as Error).message}`);
      }
    }
  }

  private async syncNow(breakers: ProviderBreaker[]): Promise<void> {
    const disk = await this.load();
    const merged: Record<string, BreakerJSON> = { ...disk };
    let changed = false;
    for (const breaker of breakers) {
      const remote = disk[breaker.provider];
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
    if (!changed) return;
    await writeFileAtomic(this.file, JSON.stringify({ version: BREAKER_FILE_VERSION, providers: merged }, null, 2));
  }

  private async setAsideCorrupt(): Promise<void> {
    let dest: string | undefined;
    try {
      dest = await setAside(this.file);
    } catch {
      // Another process may have moved it already.
    }
    if (this.warnedCorrupt) return;
    this.warnedCorrupt = true;
    this.warn(
      `Circuit breaker state in ${this.file} was unreadable${dest ? `; moved it to ${dest}` : ''} and started fresh.`,
    );
  }
}

function providersOf(doc: unknown): Record<string, unknown> | undefined {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const { version, providers } = doc as { version?: unknown; providers?: unknown };
  if (version !== BREAKER_FILE_VERSION) return undefined;
  if (!providers || typeof providers !== 'object' || Array.isArray(providers)) return undefined;
  return providers as Record<string, unknown>;
}
