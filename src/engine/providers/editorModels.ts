import type { ProviderConfig } from '../config/schema';
import { ProviderError } from '../errors';
import type { AttemptResult, SendOptions } from '../http/transport';
import type { ChatRequest } from '../types';
import type { ProviderAdapter } from './adapter';

/**
 * Kind `vscode-lm`: a model the editor itself offers (Copilot's, through `vscode.lm`). Only the extension can reach
 * one, so the engine asks the client the host gave it (EngineOptions.editorModels) instead of sending HTTP.
 */
export type EditorModelChat = (p: ProviderConfig, req: ChatRequest, opts: Omit<SendOptions, 'dispatcher' | 'maxResponseBytes'>) => Promise<AttemptResult>;

/** The vendor whose models are our own: asking them from a vscode-lm provider would loop. */
export const OWN_EDITOR_VENDOR = 'llm-router';
export const DEFAULT_EDITOR_VENDOR = 'copilot';

export function editorOnlyError(p: ProviderConfig): ProviderError {
  return new ProviderError({
    provider: p.id,
    errorClass: 'bad_request',
    message: `Provider '${p.id}' is of kind 'vscode-lm': the editor's own models exist only inside VS Code, so it is skipped here. Use it from the LLM Router extension, or give this configuration a provider with an API.`,
  });
}

const unreachable = (what: string) => (): never => {
  throw new Error(`a vscode-lm provider has no ${what}: the engine sends it through EngineOptions.editorModels`);
};

/** Present so every kind has an adapter; nothing HTTP-shaped is ever asked of it. */
export const editorModelAdapter: ProviderAdapter = {
  kind: 'vscode-lm',
  defaultBaseUrl: 'https://vscode-lm.invalid',
  requiresKey: false,
  streamFraming: 'sse',
  ownedFields: {},
  buildRequest: unreachable('HTTP request'),
  buildProbe: unreachable('probe request'),
  parseCompletion: unreachable('response body'),
  parseStreamEvent: unreachable('stream'),
  parseError: unreachable('HTTP error'),
};
