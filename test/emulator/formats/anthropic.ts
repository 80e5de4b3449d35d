import { randomBytes } from 'node:crypto';
import { anthropicPromptCache } from '../promptCache';
import type { EmulatedReply, WireFormat } from '../wireFormat';

/** Anthropic's documented error type for each HTTP status; other 4xx use invalid_request_error. */
const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  409: 'conflict_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

function errorType(status: number): string {
  return ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

function id(prefix: string): string {
  return `${prefix}_01${randomBytes(12).toString('hex')}`;
}

/** Anthropic's tool ids look like toolu_01…; the emulator's own ids are call_<hex>. */
function toolUseId(callId: string): string {
  return `toolu_01${callId.replace(/^call_/, '')}`;
}

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Text of a system or content field, which Anthropic accepts as a string or an array of blocks. */
function blocksText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return '';
  return value
    .map((b) => (b && typeof b === 'object' && (b as { type?: unknown }).type === 'text' ? String((b as { text?: unknown }).text ?? '') : ''))
    .join('');
}

/** Anthropic's input_tokens excludes cache reads and writes; the emulator's inputTokens includes both. */
function wireUsage(reply: EmulatedReply) {
  const cached = reply.usage.cachedInputTokens;
  const written = reply.usage.cacheWriteTokens ?? 0;
  return {
    input_tokens: Math.max(0, reply.usage.inputTokens - cached - written),
    cache_creation_input_tokens: written,
    cache_read_input_tokens: cached,
    output_tokens: reply.usage.outputTokens,
  };
}

function withPing(blocks: string[]): string[] {
  return [...blocks.slice(0, 1), sse('ping', { type: 'ping' }), ...blocks.slice(1)];
}

function calls(reply: EmulatedReply) {
  return reply.toolCalls ?? [];
}

/** The text block at index 0; an answer of tool calls alone has none. */
function textBlockFrames(reply: EmulatedReply): string[] {
  if (reply.text === '' && calls(reply).length > 0) return [];
  return [
    sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    ...reply.chunks.map((text) => sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })),
    sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
  ];
}

/** Each tool_use block: start with id, name and an empty input, the input as input_json_delta pieces, then stop. */
function toolUseFrames(reply: EmulatedReply): string[] {
  const first = reply.text === '' ? 0 : 1;
  return calls(reply).flatMap((c, i) => {
    const index = first + i;
    return [
      sse('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: toolUseId(c.id), name: c.name, input: {} } }),
      ...c.pieces.map((partial_json) => sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } })),
      sse('content_block_stop', { type: 'content_block_stop', index }),
    ];
  });
}

/** 429s carry the per-minute limit headers; values are illustrative, resets are RFC 3339. */
function rateLimitHeaders(): Record<string, string> {
  const reset = new Date(Date.now() + 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const headers: Record<string, string> = {};
  for (const [name, limit] of [['requests', '50'], ['tokens', '50000'], ['input-tokens', '40000'], ['output-tokens', '10000']]) {
    headers[`anthropic-ratelimit-${name}-limit`] = limit;
    headers[`anthropic-ratelimit-${name}-remaining`] = '0';
    headers[`anthropic-ratelimit-${name}-reset`] = reset;
  }
  return headers;
}

const STRUCTURED_OUTPUTS_BETA = 'structured-outputs-2025-11-13';

/**
 * JSON outputs as platform.claude.com/docs/en/build-with-claude/structured-outputs documents them (read 2026-12-03):
 * `output_config.format: { type: 'json_schema', schema }`, every object closed with additionalProperties: false; the
 * beta's top-level `output_format` still works during the transition, only with its beta header.
 */
function structuredOutputRejection(body: unknown, headers: Record<string, string | string[] | undefined>): string | undefined {
  const b = (body ?? {}) as { output_config?: { format?: unknown }; output_format?: unknown };
  const beta = [headers['anthropic-beta'] ?? []].flat().join(',').split(',').map((v) => v.trim());
  if (b.output_format !== undefined && !beta.includes(STRUCTURED_OUTPUTS_BETA)) return 'output_format: Extra inputs are not permitted';
  const format = b.output_config?.format ?? b.output_format;
  if (format === undefined) return undefined;
  const f = format as { type?: unknown; schema?: unknown };
  if (f.type !== 'json_schema') return `output_config.format.type: Input should be 'json_schema'`;
  if (!f.schema || typeof f.schema !== 'object' || Array.isArray(f.schema)) return 'output_config.format.schema: Field required';
  const open = openObjectPath(f.schema, 'schema');
  return open ? `output_config.format.${open}: For 'object' type, 'additionalProperties' must be explicitly set to false` : undefined;
}

/** The path of the first object schema that is not closed with additionalProperties: false. */
function openObjectPath(node: unknown, path: string): string | undefined {
  if (Array.isArray(node)) return node.map((n, i) => openObjectPath(n, `${path}[${i}]`)).find((p) => p !== undefined);
  if (!node || typeof node !== 'object') return undefined;
  const n = node as Record<string, unknown>;
  if ((n.type === 'object' || n.properties !== undefined) && n.additionalProperties !== false) return path;
  for (const key of ['properties', '$defs', 'definitions']) {
    const map = n[key];
    if (map && typeof map === 'object') {
      for (const [name, sub] of Object.entries(map)) {
        const found = openObjectPath(sub, `${path}.${key}.${name}`);
        if (found) return found;
      }
    }
  }
  for (const key of ['items', 'anyOf', 'allOf', 'oneOf']) {
    const found = n[key] === undefined ? undefined : openObjectPath(n[key], `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}

/**
 * Anthropic Messages (`POST /v1/messages`). Tool use (`tool_use` blocks, `input_json_delta`, `stop_reason: tool_use`)
 * and cache usage fields as in docs.anthropic.com: Messages API, streaming and tool use pages (read 2026-12-03).
 */
export const anthropicFormat: WireFormat = {
  kind: 'anthropic',
  framing: 'sse',

  match(method, path, _query, body) {
    if (method !== 'POST' || path !== '/v1/messages') return null;
    const b = (body ?? {}) as { stream?: unknown; model?: unknown };
    return { stream: b.stream === true, model: typeof b.model === 'string' ? b.model : undefined };
  },

  rejectRequest: structuredOutputRejection,

  promptText(body) {
    const b = (body ?? {}) as { system?: unknown; messages?: unknown };
    const parts = [blocksText(b.system)];
    if (Array.isArray(b.messages)) for (const m of b.messages) parts.push(blocksText((m as { content?: unknown })?.content));
    return parts.filter((p) => p !== '').join('\n');
  },

  completionBody(reply) {
    return {
      id: id('msg'),
      type: 'message',
      role: 'assistant',
      model: reply.model,
      content: [
        ...(reply.text !== '' || calls(reply).length === 0 ? [{ type: 'text', text: reply.text }] : []),
        ...calls(reply).map((c) => ({ type: 'tool_use', id: toolUseId(c.id), name: c.name, input: JSON.parse(c.arguments) as unknown })),
      ],
      stop_reason: stopReason(reply),
      stop_sequence: null,
      usage: wireUsage(reply),
    };
  },

  streamFrames(reply) {
    const usage = wireUsage(reply);
    return [
      sse('message_start', {
        type: 'message_start',
        message: {
          id: id('msg'),
          type: 'message',
          role: 'assistant',
          content: [],
          model: reply.model,
          stop_reason: null,
          stop_sequence: null,
          usage: { ...usage, output_tokens: 1 },
        },
      }),
      // Anthropic sends its first ping after the first content_block_start.
      ...withPing([...textBlockFrames(reply), ...toolUseFrames(reply)]),
      sse('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: stopReason(reply), stop_sequence: null },
        usage: { output_tokens: usage.output_tokens },
      }),
      sse('message_stop', { type: 'message_stop' }),
    ];
  },

  errorBody(status, message) {
    const requestId = id('req');
    const body = { type: 'error', error: { type: errorType(status), message }, request_id: requestId };
    const headers: Record<string, string> = { 'request-id': requestId };
    if (status === 429) Object.assign(headers, rateLimitHeaders());
    return { body, headers };
  },

  streamErrorFrame(message) {
    return sse('error', { type: 'error', error: { type: 'overloaded_error', message } });
  },

  promptCache: anthropicPromptCache,

  /** A message with no content block and no stop_reason, streamed as message_start then message_stop. */
  emptyAnswer(reply) {
    const message = { id: id('msg'), type: 'message', role: 'assistant', model: reply.model, content: [], stop_reason: null, stop_sequence: null };
    const usage = { ...wireUsage(reply), output_tokens: 0 };
    return {
      body: { ...message, usage },
      frames: [sse('message_start', { type: 'message_start', message: { ...message, usage } }), sse('message_stop', { type: 'message_stop' })],
    };
  },
};

/** `stop_reason` as the Messages API documents it: `max_tokens` when the answer reached the request's limit. */
function stopReason(reply: EmulatedReply): string {
  if (reply.cutByLength) return 'max_tokens';
  return calls(reply).length > 0 ? 'tool_use' : 'end_turn';
}
