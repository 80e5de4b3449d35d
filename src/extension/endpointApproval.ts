import * as vscode from 'vscode';
import type { ProviderConfig } from '../engine/config/schema';
import { isLoopbackHost } from '../engine/http/endpointSecurity';
import { adapterFor, effectiveBaseUrl } from '../engine/providers/registry';
import { providerOrigin, userBaseUrl } from './settings';

const STATE_KEY = 'llmRouter.approvedEndpoints';

/**
 * A trusted workspace may still point a provider at its own host. The user's stored key goes there only
 * after the user said yes for that provider and host; the answer is remembered per origin.
 */
export class EndpointApproval {
  private readonly asking = new Set<string>();

  constructor(private readonly memento: vscode.Memento) {}

  /** Undefined when the key may be sent; otherwise why not (and a prompt is shown once). */
  check(p: ProviderConfig): string | undefined {
    const url = effectiveBaseUrl(p);
    const origin = new URL(url).origin;
    if (providerOrigin(p.id) !== 'workspace') return undefined;
    if (url === adapterFor(p.kind).defaultBaseUrl.replace(/\/+$/, '') || isLoopbackHost(new URL(url).hostname)) return undefined;
    if (userBaseUrl(p.id) === url) return undefined;
    const token = `${p.id} ${origin}`;
    if (this.approved().includes(token)) return undefined;
    void this.ask(p.id, origin, token);
    return `the workspace settings send provider '${p.id}' to ${origin}; allow it in the prompt to use your stored key there`;
  }

  private approved(): string[] {
    return this.memento.get<string[]>(STATE_KEY, []);
  }

  private async ask(id: string, origin: string, token: string): Promise<void> {
    if (this.asking.has(token)) return;
    this.asking.add(token);
    try {
      const allow = 'Allow';
      const answer = await vscode.window.showWarningMessage(
        `This workspace's settings send requests for provider '${id}' to ${origin}. Send your stored API key for '${id}' there?`,
        { modal: false },
        allow,
        'Block',
      );
      if (answer === allow) await this.memento.update(STATE_KEY, [...this.approved(), token]);
    } finally {
      this.asking.delete(token);
    }
  }
}
