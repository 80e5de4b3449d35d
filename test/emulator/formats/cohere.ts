import { randomUUID } from 'node:crypto';
import type { EmulatedReply, WireFormat } from '../wireFormat';

/** Cohere Chat API v2, from docs.cohere.com/reference/chat and /reference/chat-stream. */
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
    return {
      id: randomUUID(),
      finish_reason: 'COMPLETE',
      message: { role: 'assistant', content: [{ type: 'text', text: reply.text }] },
      usage: usageOf(reply),
    };
  },

  streamFrames(reply) {
    return [
      sse('message-start', {
        id: randomUUID(),
        type: 'message-start',
        delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } },
      }),
      sse('content-start', { type: 'content-start', index: 0, delta: { message: { content: { type: 'text', text: '' } } } }),
      ...reply.chunks.map((text) => sse('content-delta', { type: 'content-delta', index: 0, delta: { message: { content: { text } } } })),
      sse('content-end', { type: 'content-end', index: 0 }),
      sse('message-end', { type: 'message-end', delta: { finish_reason: 'COMPLETE', usage: usageOf(reply) } }),
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
