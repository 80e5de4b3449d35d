import * as vscode from 'vscode';
import type { LanguageModelChatProvider, LanguageModelProviderApi } from './languageModelApi';

/** The language model chat provider API of the running VS Code (1.104+), or undefined when it has none. */
export function lmProviderApi(): LanguageModelProviderApi | undefined {
  const api = vscode as unknown as {
    lm?: { registerLanguageModelChatProvider?: (vendor: string, provider: LanguageModelChatProvider) => vscode.Disposable };
    LanguageModelTextPart?: LanguageModelProviderApi['LanguageModelTextPart'];
    LanguageModelToolCallPart?: LanguageModelProviderApi['LanguageModelToolCallPart'];
    LanguageModelDataPart?: LanguageModelProviderApi['LanguageModelDataPart'];
  };
  const register = api.lm?.registerLanguageModelChatProvider;
  if (typeof register !== 'function' || typeof api.LanguageModelTextPart !== 'function' || typeof api.LanguageModelToolCallPart !== 'function') return undefined;
  return {
    registerLanguageModelChatProvider: (vendor, provider) => register.call(api.lm, vendor, provider),
    LanguageModelTextPart: api.LanguageModelTextPart,
    LanguageModelToolCallPart: api.LanguageModelToolCallPart,
    ...(typeof api.LanguageModelDataPart === 'function' ? { LanguageModelDataPart: api.LanguageModelDataPart } : {}),
  };
}
