/** The answer the emulator gives, before it is put in a provider's wire format. */
export interface EmulatedReply {
  text: string;
  model: string;
  /** inputTokens includes cache reads and writes, as the router's Usage does. */
  usage: { inputTokens: number; outputTokens: number; cachedInputTokens: number; cacheWriteTokens?: number };
  /** The text split into the pieces a stream sends, in order. */
  chunks: string[];
  /** Tool calls the answer ends in (the `toolCall` fault); none for a plain text answer. */
  toolCalls?: EmulatedToolCall[];
  /** The answer stopped at the request's token limit rather than where the model chose to end. */
  cutByLength?: boolean;
}

export interface EmulatedToolCall {
  id: string;
  name: string;
  /** The arguments as JSON text, and that text split into the pieces a stream sends. */
  arguments: string;
  pieces: string[];
}

/** One answer in both shapes: the JSON body of a non-streamed one and the frames of a streamed one. */
export interface EmulatedAnswer {
  body: unknown;
  frames: string[];
}

export interface MatchedRoute {
  stream: boolean;
  /** The model named in the path (Gemini) or body. */
  model?: string;
}

import type { PromptCacheMemory, PromptCacheUsage } from './promptCache';

/** One provider's wire protocol, as the emulator speaks it. Each is written from the provider's docs. */
export interface WireFormat {
  readonly kind: 'openai' | 'anthropic' | 'gemini' | 'cohere' | 'ollama';
  readonly framing: 'sse' | 'ndjson';
  /** Recognises this format's endpoint from the method, the path (without query) and the parsed query and body. */
  match(method: string, path: string, query: URLSearchParams, body: unknown): MatchedRoute | null;
  /** Extracts the prompt text (system + messages) from a request body, for the echo reply and assertions. */
  promptText(body: unknown): string;
  /** The 400 message the provider documents for a request it refuses (e.g. a schema it cannot take); undefined to answer it. */
  rejectRequest?(body: unknown, headers: Record<string, string | string[] | undefined>, route: MatchedRoute): string | undefined;
  /** The JSON body of a complete (non-streamed) answer. */
  completionBody(reply: EmulatedReply): unknown;
  /** The raw frames of a streamed answer, each ready to write (SSE `event:`/`data:` blocks ending in a blank line, or NDJSON lines). */
  streamFrames(reply: EmulatedReply): string[];
  /** The provider's documented error body for a status, and any headers it sends with it. */
  errorBody(status: number, message: string): { body: unknown; headers?: Record<string, string> };
  /** A frame that reports an error inside a stream, where the provider documents one. */
  streamErrorFrame?(message: string): string;
  /** A 200 answer with no text and no finish reason in this format's shape (OpenAI's `choices: []` from a gateway). */
  emptyAnswer?(reply: EmulatedReply): EmulatedAnswer;
  /** The 200 answer the provider documents for a prompt its content filter blocked (Azure OpenAI, Gemini). */
  blockedPromptAnswer?(reply: EmulatedReply): EmulatedAnswer;
  /** What the provider's prompt cache reads and writes for this request, where the format asks for caching explicitly. */
  promptCache?(body: unknown, memory: PromptCacheMemory): PromptCacheUsage | undefined;
}
