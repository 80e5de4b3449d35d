import { randomUUID } from 'node:crypto';
import { estimateInputTokens } from '../../engine/cost/costMath';
import type { ChatResult, FinishReason, Usage } from '../../engine/types';
import type { ChatDialect, ParsedChat, StreamTranslator } from '../chatDialect';
import type { GatewayError, GatewayErrorKind } from '../gatewayError';
import { parseMessages } from './messagesRequest';

const ERROR_TYPES: Record<GatewayErrorKind, string> = {
  invalid_request: 'invalid_request_error',
  unauthorized: 'authentication_error',
  budget: 'billing_error',
  forbidden: 'permission_error',
  not_found: 'not_found_error',
  model_not_found: 'not_found_error',
  too_large: 'request_too_large',
  internal: 'api_error',
  all_failed: 'api_error',
};

function stopReason(reason: FinishReason): string {
  if (reason === 'length') return 'max_tokens';
  if (reason === 'tool_calls') return 'tool_use';
  if (reason === 'content_filter') return 'refusal';
  return 'end_turn';
}

/** Anthropic counts cache reads apart from input_tokens; the engine's inputTokens includes them. */
function usageOf(u: Usage): { input_tokens: number; output_tokens: number; cache_read_input_tokens: number; cache_creation_input_tokens: number } {
  return { input_tokens: Math.max(0, u.inputTokens - u.cachedInputTokens), output_tokens: u.outputTokens, cache_read_input_tokens: u.cachedInputTokens, cache_creation_input_tokens: 0 };
}

function messageId(): string {
  return `msg_${randomUUID().replace(/-/g, '')}`;
}

function errorBody(err: GatewayError): unknown {
  return { type: 'error', error: { type: ERROR_TYPES[err.kind], message: err.message, ...(err.attempts ? { attempts: err.attempts } : {}) } };
}

function completion(result: ChatResult): unknown {
  return {
    id: messageId(),
    type: 'message',
    role: 'assistant',
    model: result.model,
    content: [{ type: 'text', text: result.text }],
    stop_reason: stopReason(result.finishReason),
    stop_sequence: null,
    usage: usageOf(result.usage),
  };
}

function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

function stream(parsed: ParsedChat): StreamTranslator {
  const id = messageId();
  return {
    start(model) {
      // The real usage is only known at the end; message_start carries the local estimate, message_delta the truth.
      const usage = { input_tokens: estimateInputTokens(parsed.request), output_tokens: 0 };
      return (
        event('message_start', { type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage } }) +
        event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
        event('ping', { type: 'ping' })
      );
    },
    text(delta) {
      return `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${JSON.stringify(delta)}}}\n\n`;
    },
    finish(result) {
      return (
        event('content_block_stop', { type: 'content_block_stop', index: 0 }) +
        event('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason(result.finishReason), stop_sequence: null }, usage: usageOf(result.usage) }) +
        event('message_stop', { type: 'message_stop' })
      );
    },
    fail(err) {
      return event('error', errorBody(err));
    },
  };
}

/** Anthropic Messages (`POST /v1/messages`). */
export const anthropicMessages: ChatDialect = { parseChat: parseMessages, completion, stream, errorBody };
