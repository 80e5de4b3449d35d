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

/** The environment variable each vendor's own SDK reads; used only for the vendor's official host. */
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

/**
 * The env var that holds this provider's key. An explicit `apiKeyEnv` wins; the vendor's conventional
 * variable is used only when the provider talks to the vendor's own host, so a custom baseUrl never
 * receives, say, OPENAI_API_KEY without the user naming it.
 */
export function keyEnvFor(p: ProviderConfig): string | undefined {
  if (p.apiKeyEnv) return p.apiKeyEnv;
  const vendorEnv = VENDOR_KEY_ENV[p.kind];
  if (!vendorEnv) return undefined;
  return p.baseUrl === undefined || effectiveBaseUrl(p) === ADAPTERS[p.kind].defaultBaseUrl.replace(/\/+$/, '') ? vendorEnv : undefined;
}
