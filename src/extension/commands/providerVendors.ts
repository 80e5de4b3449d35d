import type { ProviderKind } from '../../engine/types';

/** A vendor as the user knows it, and how LLM Router reaches it. */
export interface Vendor {
  label: string;
  /** The id a new provider of this vendor gets (made unique with -2, -3…). */
  defaultId: string;
  kind: ProviderKind;
  /** Omitted where the kind's own default is the vendor's endpoint. */
  baseUrl?: string;
  /** Ask for the base URL (prefilled with baseUrl when there is one). */
  askBaseUrl?: boolean;
  key: 'required' | 'optional' | 'none';
  /** Offered when the shipped price table has no models for the vendor. */
  suggestedModels?: string[];
}

export const VENDORS: Vendor[] = [
  { label: 'OpenAI', defaultId: 'openai', kind: 'openai', key: 'required' },
  { label: 'Anthropic', defaultId: 'anthropic', kind: 'anthropic', key: 'required' },
  { label: 'Google Gemini', defaultId: 'gemini', kind: 'gemini', key: 'required' },
  { label: 'Mistral', defaultId: 'mistral', kind: 'openai-compatible', baseUrl: 'https://api.mistral.ai/v1', key: 'required' },
  { label: 'Groq', defaultId: 'groq', kind: 'openai-compatible', baseUrl: 'https://api.groq.com/openai/v1', key: 'required' },
  { label: 'Cohere', defaultId: 'cohere', kind: 'cohere', key: 'required' },
  { label: 'Cerebras', defaultId: 'cerebras', kind: 'openai-compatible', baseUrl: 'https://api.cerebras.ai/v1', key: 'required' },
  { label: 'OpenRouter', defaultId: 'openrouter', kind: 'openai-compatible', baseUrl: 'https://openrouter.ai/api/v1', key: 'required' },
  {
    label: 'Ollama (local)',
    defaultId: 'ollama',
    kind: 'ollama',
    baseUrl: 'http://localhost:11434',
    askBaseUrl: true,
    key: 'none',
    suggestedModels: ['llama3.2', 'qwen2.5-coder', 'mistral'],
  },
  { label: 'Other OpenAI-compatible server', defaultId: 'custom', kind: 'openai-compatible', askBaseUrl: true, key: 'optional' },
];
