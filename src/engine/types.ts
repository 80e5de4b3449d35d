export type ProviderKind = 'openai' | 'openai-compatible' | 'anthropic' | 'gemini' | 'cohere' | 'ollama';

export type Role = 'user' | 'assistant';

export interface ChatMessage {
  role: Role;
  content: string;
}

/** What the editor (or CLI) asks for; adapters translate it to each provider's wire format. */
export interface ChatRequest {
  system?: string;
  messages: ChatMessage[];
  /** Overrides the provider's configured model when set. */
  model?: string;
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  stop?: string[];
  stream?: boolean;
  /** Why the editor asks (e.g. 'suggest', 'analyze', 'ask'); used for logs and metrics only. */
  purpose?: string;
  /** Fields of the provider's wire body, merged by the one rule in providers/providerOptions.ts; part of the cache key. */
  providerOptions?: Record<string, unknown>;
}

export interface Usage {
  /** All prompt tokens, including cached ones (Anthropic's input_tokens + cache reads + cache writes). */
  inputTokens: number;
  outputTokens: number;
  /** Input tokens served from the provider's prompt cache (billed at a lower rate). */
  cachedInputTokens: number;
}

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'other';

/** One parsed piece of a provider's stream. */
export type StreamEvent =
  | { type: 'text'; text: string }
  | { type: 'usage'; usage: Partial<Usage> }
  | { type: 'finish'; reason: FinishReason }
  /** The provider signalled a clean end of stream (e.g. `[DONE]`, `message_stop`, `done: true`). */
  | { type: 'end' }
  | { type: 'model'; model: string };

/** A complete, non-streamed answer parsed from a provider response body. */
export interface ParsedCompletion {
  text: string;
  model?: string;
  usage?: Partial<Usage>;
  finishReason?: FinishReason;
}

export type AttemptOutcome = 'ok' | 'error' | 'skipped';

export interface AttemptRecord {
  provider: string;
  model: string;
  outcome: AttemptOutcome;
  errorClass?: string;
  status?: number;
  message?: string;
  latencyMs: number;
  /** 1-based try number against this provider within the request. */
  try?: number;
  hedged?: boolean;
}

export interface ChatResult {
  text: string;
  provider: string;
  model: string;
  cached: boolean;
  latencyMs: number;
  timeToFirstTokenMs?: number;
  /** null when the model's price is unknown. */
  costUsd: number | null;
  usage: Usage;
  finishReason: FinishReason;
  attempts: AttemptRecord[];
}
