import { randomUUID } from 'node:crypto';
import { anthropicToolId } from '../../engine/providers/anthropic';
import { estimateWindowTokens } from '../../engine/routing/capabilities';
import type { ChatResult, FinishReason, ReasoningPart, ToolCall, Usage } from '../../engine/types';
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
  rate_limited: 'rate_limit_error',
  request_refused: 'invalid_request_error',
  context_length: 'invalid_request_error',
  internal: 'api_error',
  all_failed: 'api_error',
};

function stopReason(reason: FinishReason): string {
  if (reason === 'length') return 'max_tokens';
  if (reason === 'tool_calls') return 'tool_use';
  if (reason === 'content_filter') return 'refusal';
  return 'end_turn';
}

/** Anthropic counts cache reads and writes apart from input_tokens; the engine's inputTokens includes both. */
function usageOf(u: Usage): { input_tokens: number; output_tokens: number; cache_read_input_tokens: number; cache_creation_input_tokens: number } {
  return {
    input_tokens: Math.max(0, u.inputTokens - u.cachedInputTokens - u.cacheWriteTokens),
    output_tokens: u.outputTokens,
    cache_read_input_tokens: u.cachedInputTokens,
    cache_creation_input_tokens: u.cacheWriteTokens,
  };
}

function messageId(): string {
  return `msg_${randomUUID().replace(/-/g, '')}`;
}

/** Anthropic's tool_use ids read `toolu_…`; another provider's call id gets the prefix, the same way each time (it comes back on the next turn as is). */
function toolUseId(id: string): string {
  const mapped = anthropicToolId(id);
  return mapped.startsWith('toolu_') ? mapped : `toolu_${mapped}`;
}

function toolUse(call: ToolCall): { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> } {
  return { type: 'tool_use', id: toolUseId(call.id), name: call.name, input: call.arguments };
}

/** Reasoning as thinking blocks; a signature only where Anthropic made it, since no other provider's means anything there. */
function thinkingBlocks(reasoning: readonly ReasoningPart[] | undefined): { type: 'thinking'; thinking: string; signature: string }[] {
  return (reasoning ?? []).map((r) => ({ type: 'thinking', thinking: r.text, signature: r.provider === 'anthropic' ? (r.signature ?? '') : '' }));
}

/** Anthropic's error body, with the request id beside the error as Anthropic sends it (docs.anthropic.com errors, read 2026-12-04). */
function errorBody(err: GatewayError, requestId: string): unknown {
  return { type: 'error', error: errorObject(err), request_id: requestId };
}

function errorObject(err: GatewayError): Record<string, unknown> {
  return { type: ERROR_TYPES[err.kind], message: err.message, ...(err.attempts ? { attempts: err.attempts } : {}) };
}

function completion(result: ChatResult): unknown {
  const text = result.text !== '' || result.toolCalls.length === 0 ? [{ type: 'text', text: result.text }] : [];
  return {
    id: messageId(),
    type: 'message',
    role: 'assistant',
    model: result.model,
    content: [...thinkingBlocks(result.reasoning), ...text, ...result.toolCalls.map(toolUse)],
    stop_reason: stopReason(result.finishReason),
    stop_sequence: null,
    usage: usageOf(result.usage),
  };
}

function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * The documented event flow (docs.anthropic.com/en/docs/build-with-claude/streaming, read 2026-12-03): message_start,
 * then per content block content_block_start / content_block_delta… / content_block_stop, then message_delta
 * (stop_reason, usage) and message_stop. Text opens a block lazily, so text after a tool call gets a block of its own.
 */
function stream(parsed: ParsedChat): StreamTranslator {
  const id = messageId();
  let next = 0;
  let openText: number | undefined;
  let pinged = false;
  const blockStart = (index: number, block: unknown): string => {
    const start = event('content_block_start', { type: 'content_block_start', index, content_block: block });
    if (pinged) return start;
    pinged = true;
    // Anthropic sends its first ping right after the first content_block_start.
    return start + event('ping', { type: 'ping' });
  };
  const closeText = (): string => {
    if (openText === undefined) return '';
    const stop = event('content_block_stop', { type: 'content_block_stop', index: openText });
    openText = undefined;
    return stop;
  };
  const whole = (block: unknown, ...deltas: unknown[]): string => {
    const index = next++;
    const body = deltas.map((delta) => event('content_block_delta', { type: 'content_block_delta', index, delta })).join('');
    return blockStart(index, block) + body + event('content_block_stop', { type: 'content_block_stop', index });
  };
  return {
    start(model) {
      // The real usage is only known at the end; message_start carries the local estimate, message_delta the truth.
      const usage = { input_tokens: estimateWindowTokens(parsed.request), output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
      return event('message_start', { type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage } });
    },
    text(delta) {
      let opening = '';
      if (openText === undefined) {
        openText = next++;
        opening = blockStart(openText, { type: 'text', text: '' });
      }
      return `${opening}event: content_block_delta\ndata: {"type":"content_block_delta","index":${openText},"delta":{"type":"text_delta","text":${JSON.stringify(delta)}}}\n\n`;
    },
    toolCall(call) {
      // A tool_use block starts with an empty input; the input follows as input_json_delta (here whole, as the engine hands it over).
      const { input, ...head } = toolUse(call);
      return closeText() + whole({ ...head, input: {} }, { type: 'input_json_delta', partial_json: JSON.stringify(input) });
    },
    finish(result) {
      let out = closeText();
      // The engine hands reasoning over with the result, so thinking blocks follow the answer in a stream.
      for (const t of thinkingBlocks(result.reasoning)) {
        const signature = t.signature ? [{ type: 'signature_delta', signature: t.signature }] : [];
        out += whole({ type: 'thinking', thinking: '', signature: '' }, { type: 'thinking_delta', thinking: t.thinking }, ...signature);
      }
      // An answer with nothing in it is still one empty text block, as a non-streamed answer's content is.
      if (next === 0) out += whole({ type: 'text', text: '' });
      return (
        out +
        event('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason(result.finishReason), stop_sequence: null }, usage: usageOf(result.usage) }) +
        event('message_stop', { type: 'message_stop' })
      );
    },
    fail(err) {
      return event('error', { type: 'error', error: errorObject(err) });
    },
  };
}

/** Anthropic Messages (`POST /v1/messages`). */
export const anthropicMessages: ChatDialect = { parseChat: parseMessages, completion, stream, errorBody, toolCallId: toolUseId };
