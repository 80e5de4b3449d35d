import * as vscode from 'vscode';
import type { ProviderConfig } from '../engine/config/schema';
import { ProviderError } from '../engine/errors';
import { envKeysFor } from '../engine/providers/vendorKeys';
import type { EndpointApproval } from './endpointApproval';
import { keyFingerprint, keyLabel, SECRET_PREFIX, StoredKeys, type AddOutcome } from './storedKeys';

/** A stored key as the user may see it: its place and a fingerprint, never the key. */
export interface StoredKeyView {
  label: string;
  fingerprint: string;
}

/** Keys live in SecretStorage (then the provider's apiKeyEnv); they are never logged, persisted elsewhere or shown. */
export class KeyStore implements vscode.Disposable {
  private readonly cache = new Map<string, string[]>();
  private readonly stored: StoredKeys;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly approval: EndpointApproval,
  ) {
    this.stored = new StoredKeys(this.secrets);
    this.subscription = secrets.onDidChange((e) => {
      if (e.key.startsWith(SECRET_PREFIX)) this.cache.delete(e.key.slice(SECRET_PREFIX.length));
    });
  }

  /** The engine's resolveKey: every key in SecretStorage first, else the environment (a vendor's variable only for its own host; every variable of an apiKeyEnv list). */
  async resolve(p: ProviderConfig): Promise<string[]> {
    const stored = await this.list(p.id);
    const keys = stored.length > 0 ? stored : [envKeysFor(p)].flat();
    if (keys.length > 0) {
      const blocked = this.approval.check(p);
      if (blocked) throw new ProviderError({ provider: p.id, errorClass: 'missing_key', message: `Provider '${p.id}': key withheld — ${blocked}.` });
    }
    return keys;
  }

  async has(providerId: string): Promise<boolean> {
    return (await this.count(providerId)) > 0;
  }

  async count(providerId: string): Promise<number> {
    return (await this.list(providerId)).length;
  }

  /** Each stored key as `key N of M` with its fingerprint, in the order the router uses them. */
  async describe(providerId: string): Promise<StoredKeyView[]> {
    const keys = await this.list(providerId);
    return keys.map((key, i) => ({ label: keyLabel(i, keys.length), fingerprint: keyFingerprint(key) }));
  }

  /** Replaces every stored key of the provider with this one. */
  async store(providerId: string, key: string): Promise<void> {
    await this.change(providerId, () => this.stored.replace(providerId, [key]));
  }

  async add(providerId: string, key: string): Promise<AddOutcome> {
    return this.change(providerId, () => this.stored.add(providerId, key));
  }

  /** Removes the stored key at `index` (0-based, as in `key N of M`). */
  async remove(providerId: string, index: number): Promise<boolean> {
    return this.change(providerId, () => this.stored.remove(providerId, index));
  }

  async delete(providerId: string): Promise<void> {
    await this.change(providerId, () => this.stored.replace(providerId, []));
  }

  dispose(): void {
    this.subscription.dispose();
  }

  private async list(providerId: string): Promise<string[]> {
    let keys = this.cache.get(providerId);
    if (!keys) {
      keys = await this.stored.list(providerId);
      this.cache.set(providerId, keys);
    }
    return keys;
  }

  private async change<T>(providerId: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } finally {
      this.cache.delete(providerId);
    }
  }
}
