import { randomUUID } from 'node:crypto';
import type { EmulatedReply, WireFormat } from '../wireFormat';

/**
 * Cohere Chat API v2, from docs.cohere.com/reference/chat and /reference/chat-stream; tool use (tool_plan,
 * tool-call-start/delta/end, finish_reason TOOL_CALL) from docs.cohere.com/docs/tool-use (read 2026-12-03).
 */
export const cohereFormat: WireFormat = {
  kind: 'cohere',
  framing: 'sse',

  match(method, path, _query, body) {
    if (method !== 'POST' || path !== '/v2/chat') return null;
    const b = asRecord(body);
    return { stream: b.stream === true, model: typeof b.model === 'string' ? b.model : undefined };
  },

  promptText(body) {
    const messages = asRecord(body).messages;
    if (!Array.isArray(messages)) return '';
    return messages.map((m) => contentText(asRecord(m).content)).join('\n');
  },

  completionBody(reply) {
    const calls = reply.toolCalls ?? [];
    const message =
      calls.length > 0
        ? { role: 'assistant', tool_plan: TOOL_PLAN, tool_calls: calls.map((c) => ({ id: cohereCallId(c.id), type: 'function', function: { name: c.name, arguments: c.arguments } })) }
        : { role: 'assistant', content: [{ type: 'text', text: reply.text }] };
    return { id: randomUUID(), finish_reason: calls.length > 0 ? 'TOOL_CALL' : 'COMPLETE', message, usage: usageOf(reply) };
  },

  streamFrames(reply) {
    return [
      sse('message-start', {
        id: randomUUID(),
        type: 'message-start',
        delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } },
      }),
      ...(reply.toolCalls?.length ? toolCallFrames(reply) : textFrames(reply)),
      sse('message-end', { type: 'message-end', delta: { finish_reason: reply.toolCalls?.length ? 'TOOL_CALL' : 'COMPLETE', usage: usageOf(reply) } }),
    ];
  },

  errorBody(status, message) {
    return { body: { id: randomUUID(), message: message || defaultMessage(status) } };
  },

  // Cohere reports a failed generation on message-end: finish_reason ERROR plus `error`.
  streamErrorFrame(message) {
    return sse('message-end', { type: 'message-end', delta: { finish_reason: 'ERROR', error: message } });
  },

  /** A message with no content and no finish_reason; streamed, a message-end without one. */
  emptyAnswer(reply) {
    const id = randomUUID();
    return {
      body: { id, message: { role: 'assistant', content: [] }, usage: usageOf(reply) },
      frames: [
        sse('message-start', { id, type: 'message-start', delta: { message: { role: 'assistant', content: [] } } }),
        sse('message-end', { type: 'message-end', delta: { usage: usageOf(reply) } }),
      ],
    };
  },
};

const TOOL_PLAN = 'I will look this up with the tools.';

/** Cohere's call ids look like get_weather_<hex>; the emulator's own are call_<hex>. */
function cohereCallId(callId: string): string {
  return `tc_${callId.replace(/^call_/, '')}`;
}

function textFrames(reply: EmulatedReply): string[] {
  return [
    sse('content-start', { type: 'content-start', index: 0, delta: { message: { content: { type: 'text', text: '' } } } }),
    ...reply.chunks.map((text) => sse('content-delta', { type: 'content-delta', index: 0, delta: { message: { content: { text } } } })),
    sse('content-end', { type: 'content-end', index: 0 }),
  ];
}

/** The plan, then per call: tool-call-start (id, name), tool-call-delta (argument pieces), tool-call-end. */
function toolCallFrames(reply: EmulatedReply): string[] {
  return [
    sse('tool-plan-delta', { type: 'tool-plan-delta', delta: { message: { tool_plan: TOOL_PLAN } } }),
    ...(reply.toolCalls ?? []).flatMap((c, index) => [
      sse('tool-call-start', {
        type: 'tool-call-start',
        index,
        delta: { message: { tool_calls: { id: cohereCallId(c.id), type: 'function', function: { name: c.name, arguments: '' } } } },
      }),
      ...c.pieces.map((arguments_) => sse('tool-call-delta', { type: 'tool-call-delta', index, delta: { message: { tool_calls: { function: { arguments: arguments_ } } } } })),
      sse('tool-call-end', { type: 'tool-call-end', index }),
    ]),
  ];
}

function usageOf(reply: EmulatedReply): Record<string, unknown> {
  const { inputTokens, outputTokens, cachedInputTokens } = reply.usage;
  const usage: Record<string, unknown> = {
    billed_units: { input_tokens: inputTokens, output_tokens: outputTokens },
    tokens: { input_tokens: inputTokens, output_tokens: outputTokens },
  };
  if (cachedInputTokens > 0) usage.cached_tokens = cachedInputTokens;
  return usage;
}

/** Messages from Cohere's error reference, one per documented status. */
function defaultMessage(status: number): string {
  switch (status) {
    case 400:
      return 'invalid request: message must be at least 1 token long or tool results must be specified.';
    case 401:
      return 'invalid api token';
    case 402:
      return 'Please add or update your payment method at https://dashboard.cohere.com/billing?tab=payment to continue';
    case 404:
      return "model 'xyz' not found, make sure the correct model ID was used and that you have access to the model.";
    case 429:
      return 'You are past the per minute request limit, please wait and try again later.';
    case 499:
      return 'request cancelled';
    default:
      return 'internal server error';
  }
}

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((c) => (typeof asRecord(c).text === 'string' ? (asRecord(c).text as string) : '')).join('');
}

function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
