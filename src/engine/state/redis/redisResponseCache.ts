import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { isCachedResponse, type CachedResponse } from '../../cache/cacheFile';
import type { SharedCache } from '../../cache/sharedCache';
import type { SharedStateClient } from './sharedStateClient';

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

/**
 * Below this, an entry is inflated on the spot: a trip through the thread pool costs more than inflating a typical
 * answer, and its queueing is what made cache hits slow at the tail.
 */
const INLINE_GUNZIP_BYTES = 64 * 1024;

function unzip(bytes: Buffer): Buffer | Promise<Buffer> {
  return bytes.length <= INLINE_GUNZIP_BYTES ? zlib.gunzipSync(bytes) : gunzip(bytes);
}

/** The largest compressed entry shared; a bigger answer stays in the member's own cache. */
const MAX_SHARED_ENTRY_BYTES = 1024 * 1024;

/** Answers as gzip-compressed JSON under `llmr:<namespace>:cache:<cache key>`, each expiring with its entry. */
export class RedisResponseCache implements SharedCache {
  private readonly writing = new Set<Promise<unknown>>();

  constructor(
    private readonly client: SharedStateClient,
    private readonly maxEntryBytes: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string): Promise<CachedResponse | undefined> {
    const bytes = await this.client.call((redis) => redis.getBuffer(this.keyOf(key)));
    if (!bytes) return undefined;
    try {
      // Another member's bytes are outside input: an entry without the shape of an answer is ignored.
      const entry: unknown = JSON.parse((await unzip(bytes)).toString('utf8'));
      return isCachedResponse(entry) && entry.expiresAt > this.now() ? entry : undefined;
    } catch {
      return undefined;
    }
  }

  set(key: string, value: CachedResponse): void {
    const ttlMs = Math.floor(value.expiresAt - this.now());
    if (ttlMs <= 0) return;
    const write = gzip(JSON.stringify(value))
      .then((bytes) => {
        if (bytes.length > Math.min(this.maxEntryBytes(), MAX_SHARED_ENTRY_BYTES)) return;
        return this.client.call((redis) => redis.set(this.keyOf(key), bytes, 'PX', ttlMs));
      })
      .catch(() => undefined)
      .finally(() => this.writing.delete(write));
    this.writing.add(write);
  }

  /** Waits for the answers still being shared, so a short CLI run does not drop them on exit. */
  async close(): Promise<void> {
    await Promise.all(this.writing);
  }

  private keyOf(key: string): string {
    return this.client.key('cache', key);
  }
}
