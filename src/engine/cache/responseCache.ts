import { LRUCache } from 'lru-cache';
import type { StateDocument, StateStore } from '../state/stateStore';
import { type CacheEntry, type CachedResponse, cacheDocument, entrySize, mergeEntries } from './cacheFile';

export { CACHE_FILE_NAME, type CachedResponse, type CacheEntry } from './cacheFile';
export { cacheKey, type CacheKeyInput } from './cacheKey';

export interface ResponseCacheConfig {
  enabled: boolean;
  ttlSeconds: number;
  maxBytes: number;
}

export const DEFAULT_CACHE_CONFIG: ResponseCacheConfig = { enabled: true, ttlSeconds: 86_400, maxBytes: 50 * 1024 * 1024 };

export interface ResponseCacheOptions {
  config: ResponseCacheConfig;
  /** Where `cache.bin` lives; without it the cache lives in memory only. */
  store?: StateStore;
  /** Wall clock in epoch ms; injectable for tests. */
  now?: () => number;
  /** Delay between the first unsaved change and the automatic save. */
  flushDelayMs?: number;
}

/** What the caller stores; the cache adds createdAt, expiresAt and tags. */
export type CacheableResponse = Pick<CachedResponse, 'text' | 'toolCalls' | 'provider' | 'model' | 'usage' | 'finishReason' | 'costUsd'>;

export interface CacheSetOptions {
  /** Overrides config.ttlSeconds for this entry; 0 or less stores nothing. */
  ttlSeconds?: number;
  tags?: string[];
}

export interface CacheStats {
  hits: number;
  misses: number;
  hitRate: number;
  evictions: number;
  entries: number;
  memoryBytes: number;
  /** Size of cache.bin after the last load or save. */
  diskBytes: number;
}

const FILE_TAG_PREFIX = 'file:';

/**
 * Tag for an answer derived from a file's content. Editing the file changes the hash, so the next
 * invalidateFile(path, newHash) drops every answer about older contents.
 */
export function fileTag(filePath: string, contentHashHex: string): string {
  if (!/^[0-9a-f]+$/i.test(contentHashHex)) throw new TypeError('contentHashHex must be a hex string');
  return `${FILE_TAG_PREFIX}${contentHashHex.toLowerCase()}:${filePath}`;
}

function parseFileTag(tag: string): { filePath: string; hash: string } | undefined {
  if (!tag.startsWith(FILE_TAG_PREFIX)) return undefined;
  const sep = tag.indexOf(':', FILE_TAG_PREFIX.length);
  if (sep < 0) return undefined;
  return { hash: tag.slice(FILE_TAG_PREFIX.length, sep), filePath: tag.slice(sep + 1) };
}

interface FileInvalidation {
  keepHash?: string;
  at: number;
}

/**
 * Response cache bounded by bytes, with per-entry TTL and tags, persisted as the `cache.bin` document.
 * Nothing touches the disk until the first operation (or an explicit ready()), so startup never waits on it.
 */
export class ResponseCache {
  private config: ResponseCacheConfig;
  private readonly store?: StateStore;
  private readonly document: StateDocument<CacheEntry[]> = cacheDocument((bytes) => {
    this.diskBytes = bytes;
  });
  private readonly now: () => number;
  private readonly flushDelayMs: number;
  private lru: LRUCache<string, CachedResponse>;
  private readonly keysByTag = new Map<string, Set<string>>();
  private readonly hashesByFile = new Map<string, Set<string>>();

  private loading?: Promise<void>;
  private loaded = false;
  private countEvictions = true;
  private hits = 0;
  private misses = 0;
  private evictions = 0;
  private diskBytes = 0;

  private dirty = false;
  private timer?: NodeJS.Timeout;
  private saving: Promise<void> = Promise.resolve();
  private closed = false;

  // Invalidations not yet applied to the file; they filter what a merge brings back from disk.
  private clearedAt?: number;
  private readonly invalidatedTags = new Map<string, number>();
  private readonly invalidatedFiles = new Map<string, FileInvalidation>();

  constructor(opts: ResponseCacheOptions) {
    this.config = opts.config;
    this.store = opts.store;
    this.now = opts.now ?? Date.now;
    this.flushDelayMs = opts.flushDelayMs ?? 500;
    this.lru = this.createLru();
  }

  /** Applies changed settings live; a smaller maxBytes evicts the least recently used entries. */
  configure(config: ResponseCacheConfig): void {
    const resized = config.maxBytes !== this.config.maxBytes;
    this.config = config;
    if (!resized) return;
    const old = this.lru;
    this.lru = this.createLru();
    // rentries() walks least recently used first, so re-inserting keeps the recency order.
    for (const [key, value] of old.rentries() as Iterable<[string, CachedResponse]>) this.lru.set(key, value);
  }

  private createLru(): LRUCache<string, CachedResponse> {
    return new LRUCache<string, CachedResponse>({
      maxSize: Math.max(1, this.config.maxBytes),
      sizeCalculation: (value, key) => entrySize(key, value),
      dispose: (value, key, reason) => {
        if (reason === 'evict' && this.countEvictions) this.evictions++;
        this.unindex(key, value);
      },
    });
  }

  get enabled(): boolean {
    return this.config.enabled;
  }

  /** Loads the persisted file once; later calls return the same promise. Never rejects. */
  ready(): Promise<void> {
    if (!this.loading) {
      // The store has warned about a failure; the cache then starts empty.
      this.loading = this.load().catch(() => undefined);
    }
    return this.loading;
  }

  /** The cached answer for a key computed with cacheKey(), or undefined. Treat the result as read-only. */
  async get(key: string): Promise<Readonly<CachedResponse> | undefined> {
    if (!this.config.enabled) return undefined;
    if (!this.loaded) await this.ready();
    const value = this.lru.get(key);
    if (value === undefined) {
      this.misses++;
      return undefined;
    }
    if (value.expiresAt <= this.now()) {
      this.lru.delete(key);
      this.misses++;
      return undefined;
    }
    this.hits++;
    return value;
  }

  /** Stores an answer; returns what was stored, or undefined when disabled, TTL ≤ 0, or larger than maxBytes. */
  async set(key: string, response: CacheableResponse, opts: CacheSetOptions = {}): Promise<CachedResponse | undefined> {
    if (!this.config.enabled) return undefined;
    if (!this.loaded) await this.ready();
    const ttlSeconds = opts.ttlSeconds ?? this.config.ttlSeconds;
    if (!(ttlSeconds > 0)) return undefined;
    const createdAt = this.now();
    const value: CachedResponse = {
      text: response.text,
      ...(response.toolCalls && response.toolCalls.length > 0 ? { toolCalls: structuredClone(response.toolCalls) } : {}),
      provider: response.provider,
      model: response.model,
      usage: { ...response.usage },
      finishReason: response.finishReason,
      costUsd: response.costUsd,
      createdAt,
      expiresAt: createdAt + ttlSeconds * 1000,
      tags: opts.tags ? [...new Set(opts.tags)] : [],
    };
    this.lru.set(key, value);
    // lru-cache silently refuses an entry larger than maxSize.
    if (this.lru.peek(key) !== value) return undefined;
    this.index(key, value);
    this.markDirty();
    return value;
  }

  /** Removes every entry carrying the tag; returns how many. */
  async invalidate(tag: string): Promise<number> {
    if (!this.config.enabled) return 0;
    if (!this.loaded) await this.ready();
    this.invalidatedTags.set(tag, this.now());
    const removed = this.dropTag(tag);
    this.markDirty();
    return removed;
  }

  /**
   * Drops answers about `filePath` computed from contents other than `currentHashHex`
   * (all of them when it is omitted, e.g. the file was deleted); returns how many.
   */
  async invalidateFile(filePath: string, currentHashHex?: string): Promise<number> {
    if (!this.config.enabled) return 0;
    if (!this.loaded) await this.ready();
    const keepHash = currentHashHex?.toLowerCase();
    this.invalidatedFiles.set(filePath, { keepHash, at: this.now() });
    let removed = 0;
    for (const hash of [...(this.hashesByFile.get(filePath) ?? [])]) {
      if (hash !== keepHash) removed += this.dropTag(fileTag(filePath, hash));
    }
    this.markDirty();
    return removed;
  }

  /** Empties memory and deletes the file. */
  async clear(): Promise<void> {
    if (!this.loaded) await this.ready();
    this.cancelTimer();
    await this.saving;
    this.countEvictions = false;
    this.lru.clear();
    this.countEvictions = true;
    this.clearedAt = this.now();
    this.invalidatedTags.clear();
    this.invalidatedFiles.clear();
    this.dirty = false;
    if (this.store) await this.store.remove(this.document).catch(() => undefined);
    this.diskBytes = 0;
  }

  stats(): CacheStats {
    const lookups = this.hits + this.misses;
    return {
      hits: this.hits,
      misses: this.misses,
      hitRate: lookups === 0 ? 0 : this.hits / lookups,
      evictions: this.evictions,
      entries: this.lru.size,
      memoryBytes: this.lru.calculatedSize,
      diskBytes: this.diskBytes,
    };
  }

  /** Saves unsaved changes now, merged with whatever another process wrote meanwhile. Never rejects. */
  flush(): Promise<void> {
    this.cancelTimer();
    const run = this.saving.then(() => this.save());
    this.saving = run;
    return run;
  }

  /** Final save; no automatic saves are scheduled afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.loading || this.dirty) await this.flush();
  }

  private async load(): Promise<void> {
    try {
      if (!this.config.enabled || !this.store) return;
      const entries = await this.store.read(this.document);
      const now = this.now();
      // Loaded oldest first, so if the budget shrank the oldest fall out, and those are not evictions by use.
      this.countEvictions = false;
      for (const e of entries) {
        if (e.expiresAt <= now) continue;
        const value: CachedResponse = {
          text: e.text,
          ...(e.toolCalls ? { toolCalls: e.toolCalls } : {}),
          provider: e.provider,
          model: e.model,
          usage: e.usage,
          finishReason: e.finishReason,
          costUsd: e.costUsd,
          createdAt: e.createdAt,
          expiresAt: e.expiresAt,
          tags: e.tags,
        };
        this.lru.set(e.key, value);
        if (this.lru.peek(e.key) === value) this.index(e.key, value);
      }
    } finally {
      this.countEvictions = true;
      this.loaded = true;
    }
  }

  private async save(): Promise<void> {
    if (!this.config.enabled || !this.store) {
      this.dirty = false;
      return;
    }
    await this.ready();
    if (!this.dirty) return;
    this.dirty = false;
    const startedAt = this.now();
    const local = this.snapshot(startedAt);
    try {
      await this.store.update(this.document, (stored) =>
        mergeEntries(local, stored, { now: startedAt, maxBytes: this.config.maxBytes, dropFromDisk: (e) => this.invalidatedSince(e) }),
      );
      this.forgetInvalidationsBefore(startedAt);
    } catch {
      // The store has warned; the next change saves again.
      this.dirty = true;
    }
  }

  private snapshot(now: number): CacheEntry[] {
    const out: CacheEntry[] = [];
    for (const [key, v] of this.lru.entries()) {
      if (v.expiresAt > now) out.push({ key, ...v });
    }
    return out;
  }

  /** Whether a disk entry predates an invalidation this process has not yet written out. */
  private invalidatedSince(e: CacheEntry): boolean {
    if (this.clearedAt !== undefined && e.createdAt <= this.clearedAt) return true;
    for (const tag of e.tags) {
      const at = this.invalidatedTags.get(tag);
      if (at !== undefined && e.createdAt <= at) return true;
      const ft = this.invalidatedFiles.size > 0 ? parseFileTag(tag) : undefined;
      if (ft) {
        const inv = this.invalidatedFiles.get(ft.filePath);
        if (inv && ft.hash !== inv.keepHash && e.createdAt <= inv.at) return true;
      }
    }
    return false;
  }

  /** Strictly before: an invalidation in the same millisecond may have come after the snapshot was taken. */
  private forgetInvalidationsBefore(t: number): void {
    if (this.clearedAt !== undefined && this.clearedAt < t) this.clearedAt = undefined;
    for (const [tag, at] of this.invalidatedTags) if (at < t) this.invalidatedTags.delete(tag);
    for (const [file, inv] of this.invalidatedFiles) if (inv.at < t) this.invalidatedFiles.delete(file);
  }

  private markDirty(): void {
    this.dirty = true;
    if (this.closed || this.timer || !this.store) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.flushDelayMs);
    this.timer.unref();
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private dropTag(tag: string): number {
    const keys = this.keysByTag.get(tag);
    if (!keys) return 0;
    let removed = 0;
    for (const key of [...keys]) if (this.lru.delete(key)) removed++;
    return removed;
  }

  private index(key: string, value: CachedResponse): void {
    for (const tag of value.tags) {
      let keys = this.keysByTag.get(tag);
      if (!keys) this.keysByTag.set(tag, (keys = new Set()));
      keys.add(key);
      const ft = parseFileTag(tag);
      if (ft) {
        let hashes = this.hashesByFile.get(ft.filePath);
        if (!hashes) this.hashesByFile.set(ft.filePath, (hashes = new Set()));
        hashes.add(ft.hash);
      }
    }
  }

  private unindex(key: string, value: CachedResponse): void {
    for (const tag of value.tags) {
      const keys = this.keysByTag.get(tag);
      if (!keys) continue;
      keys.delete(key);
      if (keys.size > 0) continue;
      this.keysByTag.delete(tag);
      const ft = parseFileTag(tag);
      const hashes = ft && this.hashesByFile.get(ft.filePath);
      if (ft && hashes) {
        hashes.delete(ft.hash);
        if (hashes.size === 0) this.hashesByFile.delete(ft.filePath);
      }
    }
  }
}
