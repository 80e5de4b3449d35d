import * as vscode from 'vscode';
import type { ProviderConfig } from '../engine/config/schema';
import { ProviderError } from '../engine/errors';
import { envKeysFor } from '../engine/providers/vendorKeys';
import type { EndpointApproval } from './endpointApproval';

const secretName = (providerId: string) => `llmRouter.apiKey.${providerId}`;

/** Keys live in SecretStorage (then the provider's apiKeyEnv); they are never logged, persisted elsewhere or shown. */
export class KeyStore implements vscode.Disposable {
  private readonly cache = new Map<string, string | undefined>();
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly approval: EndpointApproval,
  ) {
    this.subscription = secrets.onDidChange((e) => {
      if (e.key.startsWith('llmRouter.apiKey.')) this.cache.delete(e.key);
    });
  }

  /** The engine's resolveKey: SecretStorage first, then the environment (a vendor's variable only for its own host; every variable of an apiKeyEnv list). */
  async resolve(p: ProviderConfig): Promise<string | string[] | undefined> {
    const name = secretName(p.id);
    if (!this.cache.has(name)) this.cache.set(name, await this.secrets.get(name));
    const stored = this.cache.get(name);
    const key = stored ? stored : envKeysFor(p);
    if (key.length > 0) {
      const blocked = this.approval.check(p);
      if (blocked) throw new ProviderError({ provider: p.id, errorClass: 'missing_key', message: `Provider '${p.id}': key withheld — ${blocked}.` });
    }
    return key;
  }

  async has(providerId: string): Promise<boolean> {
    return (await this.secrets.get(secretName(providerId))) !== undefined;
  }

  async store(providerId: string, key: string): Promise<void> {
    await this.secrets.store(secretName(providerId), key);
    this.cache.delete(secretName(providerId));
  }

  async delete(providerId: string): Promise<void> {
    await this.secrets.delete(secretName(providerId));
    this.cache.delete(secretName(providerId));
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
