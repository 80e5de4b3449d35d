import type { CachedResponse } from './cacheFile';

/** A response cache other processes (a team) read and fill too; consulted after the local cache misses. */
export interface SharedCache {
  /** The entry under `key`, or undefined when there is none or the shared store is unavailable. */
  get(key: string): Promise<CachedResponse | undefined>;
  /** Shares an answer until its expiry; never waits on or fails the request. */
  set(key: string, value: CachedResponse): void;
}
