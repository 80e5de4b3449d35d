import { randomBytes } from 'node:crypto';
import { openaiPromptCache } from '../promptCache';
import type { EmulatedAnswer, EmulatedReply, MatchedRoute, WireFormat } from '../wireFormat';

interface ChatBody {
  model?: unknown;
  stream?: unknown;
  stream_options?: { include_usage?: unknown } | null;
  messages?: unknown;
}

function asBody(body: unknown): ChatBody {
  return body && typeof body === 'object' ? (body as ChatBody) : {};
}

function usageObject(reply: EmulatedReply) {
  return {
    prompt_tokens: reply.usage.inputTokens,
    completion_tokens: reply.usage.outputTokens,
    total_tokens: reply.usage.inputTokens + reply.usage.outputTokens,
    prompt_tokens_details: { cached_tokens: reply.usage.cachedInputTokens, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function envelope(reply: EmulatedReply, object: 'chat.completion' | 'chat.completion.chunk') {
  return {
    id: `chatcmpl-${randomBytes(12).toString('hex')}`,
    object,
    created: Math.floor(Date.now() / 1000),
    model: reply.model,
    service_tier: 'default',
    system_fingerprint: 'fp_emulator',
  };
}

/** The text of a message's content: a string, or the text parts of an array (image parts carry none). */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((p) => (p && typeof p === 'object' && (p as { type?: unknown }).type === 'text' ? String((p as { text?: unknown }).text ?? '') : ''))
    .join('');
}

const sse = (json: unknown) => `data: ${JSON.stringify(json)}\n\n`;

/** Azure OpenAI's verdict per category; a blocked prompt has at least one `filtered: true`. */
function promptFilterResults(blocked: boolean) {
  const safe = { filtered: false, severity: 'safe' };
  return [
    {
      prompt_index: 0,
      content_filter_results: {
        hate: safe,
        self_harm: safe,
        sexual: safe,
        violence: blocked ? { filtered: true, severity: 'high' } : safe,
        jailbreak: { filtered: false, detected: false },
      },
    },
  ];
}

/** A body with no choice at all, non-streamed and as the only chunk of a stream. */
function choicelessAnswer(reply: EmulatedReply, extra: Record<string, unknown>): EmulatedAnswer {
  const body = { ...envelope(reply, 'chat.completion'), choices: [], ...extra };
  return { body, frames: [sse({ ...body, object: 'chat.completion.chunk' }), 'data: [DONE]\n\n'] };
}

/** The documented `error.type` and `error.code` OpenAI sends with each status. */
function errorKind(status: number, message: string): { type: string; code: string | null } {
  if (status === 429 && /quota/i.test(message)) return { type: 'insufficient_quota', code: 'insufficient_quota' };
  if (status === 429) return { type: 'requests', code: 'rate_limit_exceeded' };
  if (status === 400 && /context length/i.test(message)) return { type: 'invalid_request_error', code: 'context_length_exceeded' };
  if (status === 401) return { type: 'invalid_request_error', code: 'invalid_api_key' };
  if (status === 404) return { type: 'invalid_request_error', code: 'model_not_found' };
  if (status === 503 && /overloaded/i.test(message)) return { type: 'server_error', code: 'server_is_overloaded' };
  if (status >= 500) return { type: 'server_error', code: null };
  return { type: 'invalid_request_error', code: null };
}

/**
 * OpenAI Chat Completions (`POST /v1/chat/completions`), also spoken by every OpenAI-compatible server.
 * Tool calls (`message.tool_calls`, streamed `delta.tool_calls[]` by index, `finish_reason: tool_calls`) as in
 * the OpenAI API reference, Chat Completions object and chunk object (platform.openai.com/docs/api-reference/chat, read 2026-12-03).
 */
export const openaiFormat = {
  kind: 'openai' as const,
  framing: 'sse' as const,

  match(method: string, path: string, _query: URLSearchParams, body: unknown): MatchedRoute | null {
    if (method !== 'POST' || path !== '/v1/chat/completions') return null;
    const b = asBody(body);
    return { stream: b.stream === true, model: typeof b.model === 'string' ? b.model : undefined };
  },

  promptText(body: unknown): string {
    const messages = asBody(body).messages;
    if (!Array.isArray(messages)) return '';
    return messages
      .map((m) => textOf(m && typeof m === 'object' ? (m as { content?: unknown }).content : undefined))
      .filter((c) => c !== '')
      .join('\n');
  },

  completionBody(reply: EmulatedReply): unknown {
    const calls = reply.toolCalls ?? [];
    const toolCalls = calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
    return {
      ...envelope(reply, 'chat.completion'),
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: calls.length > 0 && reply.text === '' ? null : reply.text,
            refusal: null,
            annotations: [],
            ...(calls.length > 0 ? { tool_calls: toolCalls } : {}),
          },
          logprobs: null,
          finish_reason: finishReason(reply),
        },
      ],
      usage: usageObject(reply),
    };
  },

  /**
   * OpenAI sends the usage chunk (`choices: []`) only when the request asked for
   * `stream_options.include_usage`; without the request body at hand it is sent, since the router always asks.
   */
  streamFrames(reply: EmulatedReply, request?: unknown): string[] {
    const includeUsage = request === undefined || asBody(request).stream_options?.include_usage === true;
    const base = envelope(reply, 'chat.completion.chunk');
    // With include_usage every chunk but the last carries `usage: null`.
    const chunk = (choice: object) => ({ ...base, choices: [{ index: 0, ...choice, logprobs: null }], ...(includeUsage ? { usage: null } : {}) });
    const frames = [sse(chunk({ delta: { role: 'assistant', content: '', refusal: null }, finish_reason: null }))];
    for (const piece of reply.chunks) frames.push(sse(chunk({ delta: { content: piece }, finish_reason: null })));
    // Each call opens with its id, type and name and empty arguments; the arguments follow in pieces, by index.
    const calls = reply.toolCalls ?? [];
    calls.forEach((c, index) => {
      const open = { index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } };
      frames.push(sse(chunk({ delta: { tool_calls: [open] }, finish_reason: null })));
      for (const piece of c.pieces) frames.push(sse(chunk({ delta: { tool_calls: [{ index, function: { arguments: piece } }] }, finish_reason: null })));
    });
    frames.push(sse(chunk({ delta: {}, finish_reason: finishReason(reply) })));
    if (includeUsage) frames.push(sse({ ...base, choices: [], usage: usageObject(reply) }));
    frames.push('data: [DONE]\n\n');
    return frames;
  },

  errorBody(status: number, message: string): { body: unknown; headers?: Record<string, string> } {
    const { type, code } = errorKind(status, message);
    const body = { error: { message, type, param: null, code } };
    if (status !== 429 || code === 'insufficient_quota') return { body };
    return {
      body,
      headers: {
        'x-ratelimit-limit-requests': '500',
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': '1s',
        'x-ratelimit-limit-tokens': '30000',
        'x-ratelimit-remaining-tokens': '29950',
        'x-ratelimit-reset-tokens': '100ms',
      },
    };
  },

  streamErrorFrame(message: string): string {
    return sse({ error: { message, type: 'server_error', param: null, code: null } });
  },

  promptCache: openaiPromptCache,

  /** What a gateway sends when it has nothing: `choices: []`, here with Azure's annotations that nothing was filtered. */
  emptyAnswer(reply: EmulatedReply): EmulatedAnswer {
    return choicelessAnswer(reply, { prompt_filter_results: promptFilterResults(false) });
  },

  /** Azure OpenAI's answer to a prompt its content filter blocked: no choice, and the category that filtered it. */
  blockedPromptAnswer(reply: EmulatedReply): EmulatedAnswer {
    return choicelessAnswer(reply, { prompt_filter_results: promptFilterResults(true) });
  },
} satisfies WireFormat;

/** `finish_reason` as the Chat Completions reference lists it: `length` when max_tokens cut the answer. */
function finishReason(reply: EmulatedReply): string {
  if (reply.cutByLength) return 'length';
  return (reply.toolCalls ?? []).length > 0 ? 'tool_calls' : 'stop';
}
