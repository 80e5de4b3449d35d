import * as vscode from 'vscode';
import type { RouterHost } from '../routerHost';
import { lmProviderApi } from './lmApi';
import { RouterChatProvider } from './routerChatProvider';
import { VENDOR } from './routerChatModels';

/**
 * Offers our models to Copilot Chat and every `vscode.lm` caller on VS Code 1.104+; on an older VS Code the rest
 * of the extension works as before. The list follows the settings live.
 */
export function registerChatModels(host: RouterHost): vscode.Disposable {
  const api = lmProviderApi();
  if (!api) {
    host.channel.info(`VS Code ${vscode.version} has no language model chat provider API (1.104+): LLM Router's models are not offered to Copilot Chat.`);
    return new vscode.Disposable(() => undefined);
  }
  const changed = new vscode.EventEmitter<void>();
  const onConfig = host.onDidChangeConfig(() => changed.fire());
  try {
    const registration = api.registerLanguageModelChatProvider(VENDOR, new RouterChatProvider(host, api, changed.event));
    return vscode.Disposable.from(registration, onConfig, changed);
  } catch (err) {
    // A VS Code that has the function behind a proposal refuses the call.
    host.channel.warn(`Could not offer LLM Router's models to Copilot Chat: ${err instanceof Error ? err.message : String(err)}`);
    return vscode.Disposable.from(onConfig, changed);
  }
}
