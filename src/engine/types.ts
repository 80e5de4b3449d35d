export type ProviderKind = HttpProviderKind | 'vscode-lm';
/** The kinds the engine reaches over HTTP, each through its wire-format adapter. */
export type HttpProviderKind = 'openai' | 'openai-compatible' | 'anthropic' | 'gemini' | 'cohere' | 'ollama';

/**
 * Who speaks. Tool results travel in `tool` messages (content: tool_result parts, one per call answered);
 * adapters move them where their provider wants them (Anthropic and Gemini: the user turn).
 */
export type Role = 'user' | 'assistant' | 'tool';

export interface TextPart {
  type: 'text';
  text: string;
}

/** Base64 data with its media type (image/png…), or a URL for providers that fetch images themselves. */
export type ImageSource = { kind: 'base64'; mediaType: string; data: string } | { kind: 'url'; url: string };

export interface ImagePart {
  type: 'image';
  source: ImageSource;
}

/** A tool call the model made: the provider's id (or a generated one where it gives none) and parsed arguments. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
  /** Gemini's thoughtSignature on the call: it must come back with the call on the next turn; other providers ignore it. */
  signature?: string;
}

export interface ToolCallPart extends ToolCall {
  type: 'tool_call';
}

/** The answer to one tool call, in a `tool` message; `callId` names a tool_call of an earlier assistant message. */
export interface ToolResultPart {
  type: 'tool_result';
  callId: string;
  content: string | (TextPart | ImagePart)[];
  isError?: boolean;
}

/** Model reasoning; a `signature` is only valid for the provider kind that made it (sent back there, dropped elsewhere). */
export interface ReasoningPart {
  type: 'reasoning';
  text: string;
  signature?: string;
  provider?: ProviderKind;
}

export type ContentPart = TextPart | ImagePart | ToolCallPart | ToolResultPart | ReasoningPart;

export interface ChatMessage {
  role: Role;
  /** A string is one text part. */
  content: string | ContentPart[];
}

/** A tool the model may call; `parameters` is a JSON Schema object. */
export interface ToolDefinition {
  name: string;
  description?: string;
  parameters: Record<string, unknown>;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

/** Structured output: the answer text must be JSON matching `schema`. */
export interface ResponseFormat {
  type: 'json_schema';
  name?: string;
  schema: Record<string, unknown>;
  strict?: boolean;
  /**
   * A preference, not a requirement: a provider without structured output is sent the request without it instead of
   * being skipped, and the caller parses the answer text itself (Analyze File does).
   */
  fallbackToText?: boolean;
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
  tools?: ToolDefinition[];
  /** Only meaningful with tools; the provider's default (auto) when absent. */
  toolChoice?: ToolChoice;
  responseFormat?: ResponseFormat;
  /** Why the editor asks (e.g. 'suggest', 'analyze', 'ask'); used for logs and metrics only. */
  purpose?: string;
  /** Fields of the provider's wire body, merged by the one rule in providers/providerOptions.ts; part of the cache key. */
  providerOptions?: Record<string, unknown>;
}

/** A request whose messages are plain text, as the editor's own tasks build them. */
export type TextChatRequest = ChatRequest & { messages: { role: Role; content: string }[] };

export interface Usage {
  /** All prompt tokens, including cached ones (Anthropic's input_tokens + cache reads + cache writes). */
  inputTokens: number;
  outputTokens: number;
  /** Input tokens served from the provider's prompt cache (billed at a lower rate). */
  cachedInputTokens: number;
  /** Input tokens written to the provider's prompt cache (Anthropic's cache_creation_input_tokens). */
  cacheWriteTokens: number;
}

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'other';

/** One parsed piece of a provider's stream. */
export type StreamEvent =
  | { type: 'text'; text: string }
  /** A complete tool call, from providers that send each call whole (Gemini, Ollama). */
  | { type: 'tool_call'; call: ToolCall }
  /**
   * A piece of the tool call at `index` (id and name usually in the first piece, arguments JSON text in pieces).
   * The transport joins the pieces and hands the call on only once its arguments parse.
   */
  | { type: 'tool_call_delta'; index: number; id?: string; name?: string; arguments?: string }
  /** The tool call at `index` is complete (Anthropic content_block_stop, Cohere tool-call-end); a finish completes all. */
  | { type: 'tool_call_end'; index: number }
  | { type: 'reasoning'; part: ReasoningPart }
  | { type: 'usage'; usage: Partial<Usage> }
  | { type: 'finish'; reason: FinishReason }
  /** The provider signalled a clean end of stream (e.g. `[DONE]`, `message_stop`, `done: true`). */
  | { type: 'end' }
  | { type: 'model'; model: string };

/** A complete, non-streamed answer parsed from a provider response body. */
export interface ParsedCompletion {
  text: string;
  toolCalls?: ToolCall[];
  reasoning?: ReasoningPart[];
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
  /** Which of the provider's several keys was used, as `key 2 of 3`: never the key. */
  key?: string;
}

export interface ChatResult {
  text: string;
  /** The calls the answer ends in (finishReason 'tool_calls'); empty when there are none. */
  toolCalls: ToolCall[];
  /** Reasoning the provider returned; pass it back in the assistant message to keep signatures across turns. */
  reasoning?: ReasoningPart[];
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
