import type { ProviderConfig } from '../config/schema';
import type { ProviderKind } from '../types';
import type { ProviderAdapter } from './adapter';
import { anthropicAdapter } from './anthropic';
import { cohereAdapter } from './cohere';
import { editorModelAdapter } from './editorModels';
import { geminiAdapter } from './gemini';
import { ollamaAdapter } from './ollama';
import { openaiAdapter, openaiCompatibleAdapter } from './openai';

const ADAPTERS: Record<ProviderKind, ProviderAdapter> = {
  openai: openaiAdapter,
  'openai-compatible': openaiCompatibleAdapter,
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
  cohere: cohereAdapter,
  ollama: ollamaAdapter,
  'vscode-lm': editorModelAdapter,
};

export function adapterFor(kind: ProviderKind): ProviderAdapter {
  return ADAPTERS[kind];
}

export function effectiveBaseUrl(p: ProviderConfig): string {
  return (p.baseUrl ?? ADAPTERS[p.kind].defaultBaseUrl).replace(/\/+$/, '');
}
