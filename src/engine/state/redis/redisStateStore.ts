import type Redis from 'ioredis';
import type { Decoded, StateDocument, StateStore } from '../stateStore';
import type { SharedStateClient } from './sharedStateClient';

/** An optimistic update lost to another member's this many times in a row is given up (and retried on the next save). */
const MAX_UPDATE_ATTEMPTS = 10;

export class SharedStateUnavailableError extends Error {}

// KEYS: the document. ARGV: the version read ('' = missing), the new bytes. Writes only if nobody wrote in between.
const SET_IF_VERSION_LUA = `
local v = redis.call('HGET', KEYS[1], 'v')
if (v or '') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', tostring((tonumber(v) or 0) + 1), 'data', ARGV[2])
return 1
`;

interface DocumentScripts {
  llmrSetIfVersion(key: string, version: string, data: Buffer): Promise<number>;
}

/**
 * State documents as hashes in the team's Redis, `llmr:<namespace>:doc:<name>` (a version and the bytes). An
 * update writes only if the version is still the one it read, so no other member's write lands in between. Unavailable Redis throws (the client has warned).
 */
export class RedisStateStore implements StateStore {
  constructor(private readonly client: SharedStateClient) {
    client.redis.defineCommand('llmrSetIfVersion', { numberOfKeys: 1, lua: SET_IF_VERSION_LUA });
  }

  get location(): string {
    return `${this.client.location} (sharedState)`;
  }

  async read<T>(doc: StateDocument<T>): Promise<T> {
    const [, data] = await this.must(() => this.client.call((redis) => redis.hmgetBuffer(this.keyOf(doc), 'v', 'data')));
    return this.decode(doc, data);
  }

  async update<T>(doc: StateDocument<T>, merge: (current: T) => T | undefined | Promise<T | undefined>): Promise<T> {
    const key = this.keyOf(doc);
    for (let attempt = 1; attempt <= MAX_UPDATE_ATTEMPTS; attempt++) {
      const [version, data] = await this.must(() => this.client.call((redis) => redis.hmgetBuffer(key, 'v', 'data')));
      const current = await this.decode(doc, data);
      const next = await merge(current);
      if (next === undefined) return current;
      const encoded = Buffer.from(await doc.encode(next));
      const stored = await this.must(() => this.client.call((redis) => this.scripts(redis).llmrSetIfVersion(key, version?.toString() ?? '', encoded)));
      if (stored === 1) return next;
      // A short random pause, so members that collided do not collide again in lockstep.
      await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
    }
    throw new Error(`the ${doc.label} in ${this.location} kept changing under this update; it is retried on the next save`);
  }

  async remove(doc: StateDocument<unknown>): Promise<void> {
    await this.must(() => this.client.call((redis) => redis.del(this.keyOf(doc))));
  }

  private scripts(redis: Redis): DocumentScripts {
    return redis as unknown as DocumentScripts;
  }

  private keyOf(doc: StateDocument<unknown>): string {
    return this.client.key('doc', doc.name);
  }

  /** An unusable document (another version's, say) reads as empty and is replaced by the next update. */
  private async decode<T>(doc: StateDocument<T>, bytes: Buffer | null): Promise<T> {
    if (bytes === null) return doc.empty();
    const r: Decoded<T> = await doc.decode(bytes);
    return r.ok ? r.data : doc.empty();
  }

  private async must<T>(fn: () => Promise<T | undefined>): Promise<T> {
    const value = await fn();
    if (value === undefined) throw new SharedStateUnavailableError(`the shared state at ${this.client.location} is unavailable`);
    return value;
  }
}
