import type { ChatRequest, ChatResult, ToolCall } from '../engine/types';
import type { GatewayError } from './gatewayError';

/** A client's chat request translated for the engine, with what the answer's translation needs to know. */
export interface ParsedChat {
  request: ChatRequest;
  /** The model the client asked for (`auto` or a provider id). */
  model: string;
  /** OpenAI `stream_options.include_usage`: a final chunk carries the usage. */
  includeUsage: boolean;
  /** Headers the answer carries whatever it is (e.g. which tools were left out). */
  headers?: Record<string, string>;
}

/** Writes one streamed answer in an API's event format; each method returns the bytes to send. */
export interface StreamTranslator {
  /** Sent with the headers, right before the first text or tool call: `model` is the answering provider's. */
  start(model: string): string;
  text(delta: string): string;
  /** A complete tool call (the engine hands a call on only once its arguments are whole). */
  toolCall(call: ToolCall): string;
  /** The clean end: finish reason, usage and the API's end marker. */
  finish(result: ChatResult): string;
  /** The end after a break once output reached the client: an error, never a clean end. */
  fail(err: GatewayError): string;
}

/**
 * One API the gateway speaks (OpenAI Chat Completions and Responses, Anthropic Messages): requests in, answers
 * and errors out. `P` is what its answers need from the request beyond ParsedChat (Responses echoes settings back).
 */
export interface ChatDialect<P extends ParsedChat = ParsedChat> {
  parseChat(body: unknown): P;
  completion(result: ChatResult, parsed: P): unknown;
  stream(parsed: P): StreamTranslator;
  /** `requestId` is the answer's request id header, which Anthropic's error bodies repeat. */
  errorBody(err: GatewayError, requestId: string): unknown;
  /** The id a tool call is given in this API's answers (and so comes back with on the next turn). */
  toolCallId(id: string): string;
}
