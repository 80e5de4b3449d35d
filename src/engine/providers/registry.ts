import type { ProviderConfig } from '../config/schema';
import type { ProviderKind } from '../types';
import type { ProviderAdapter } from './adapter';
import { anthropicAdapter } from './anthropic';
import { cohereAdapter } from './cohere';
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
};

/** The environment variable each vendor's own SDK reads. */
const VENDOR_KEY_ENV: Partial<Record<ProviderKind, string>> = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  gemini: 'GEMINI_API_KEY',
  cohere: 'CO_API_KEY',
};

export function adapterFor(kind: ProviderKind): ProviderAdapter {
  return ADAPTERS[kind];
}

export function effectiveBaseUrl(p: ProviderConfig): string {
  return (p.baseUrl ?? ADAPTERS[p.kind].defaultBaseUrl).replace(/\/+$/, '');
}

/** The env var that holds this provider's key: an explicit `apiKeyEnv`, else the vendor's usual one. */
export function keyEnvFor(p: ProviderConfig): string | undefined {
  return p.apiKeyEnv ?? VENDOR_KEY_ENV[p.kind];
}
