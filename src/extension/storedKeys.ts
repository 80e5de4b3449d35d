import { createHash } from 'node:crypto';

/** The part of VS Code's SecretStorage the key list needs. */
export interface SecretSlots {
  get(name: string): PromiseLike<string | undefined>;
  store(name: string, value: string): PromiseLike<void>;
  delete(name: string): PromiseLike<void>;
}

export const SECRET_PREFIX = 'llmRouter.apiKey.';
export const secretName = (providerId: string): string => `${SECRET_PREFIX}${providerId}`;

/**
 * One provider's keys in one secret: a single key is stored as itself (the format every earlier version wrote
 * and reads), several as a JSON array of strings. A value that is not such an array is one key, so nothing stored is lost.
 */
export function parseStoredKeys(value: string | undefined): string[] {
  if (value === undefined || value === '') return [];
  if (value.startsWith('[')) {
    try {
      const list: unknown = JSON.parse(value);
      if (Array.isArray(list) && list.length > 0 && list.every((k) => typeof k === 'string' && k !== '')) return list as string[];
    } catch {
      // Not a list this extension wrote: the whole value is the key.
    }
  }
  return [value];
}

/** The secret's value for a list of keys; undefined when the list is empty (the secret is deleted). */
export function serializeKeys(keys: readonly string[]): string | undefined {
  if (keys.length === 0) return undefined;
  return keys.length === 1 ? keys[0] : JSON.stringify(keys);
}

/** How a key is named to the user: its place, as the engine's `key 2 of 3`. */
export const keyLabel = (index: number, count: number): string => `key ${index + 1} of ${count}`;

/** Six hex digits of the key's SHA-256: enough to tell two stored keys apart, nothing of the key itself. */
export function keyFingerprint(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 6);
}

export type AddOutcome = { added: true; count: number } | { added: false; duplicateOf: number };

/** Reads and changes each provider's list of keys in SecretStorage. */
export class StoredKeys {
  constructor(private readonly secrets: SecretSlots) {}

  async list(providerId: string): Promise<string[]> {
    return parseStoredKeys(await this.secrets.get(secretName(providerId)));
  }

  async replace(providerId: string, keys: readonly string[]): Promise<void> {
    const value = serializeKeys(keys);
    if (value === undefined) await this.secrets.delete(secretName(providerId));
    else await this.secrets.store(secretName(providerId), value);
  }

  /** Appends a key after the stored ones; a key already stored is not added twice. */
  async add(providerId: string, key: string): Promise<AddOutcome> {
    const keys = await this.list(providerId);
    const at = keys.indexOf(key);
    if (at >= 0) return { added: false, duplicateOf: at };
    await this.replace(providerId, [...keys, key]);
    return { added: true, count: keys.length + 1 };
  }

  /** Removes the key at `index` (0-based); false when there is none there. */
  async remove(providerId: string, index: number): Promise<boolean> {
    const keys = await this.list(providerId);
    if (index < 0 || index >= keys.length) return false;
    await this.replace(providerId, keys.filter((_, i) => i !== index));
    return true;
  }
}
