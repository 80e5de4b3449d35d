import { z } from 'zod';
import { ProviderError, type ErrorClass } from '../errors';
import { messageParts } from '../chatContent';
import { retryAfterMsFromHeaders } from '../http/retryAfter';
import type { ChatMessage, ChatRequest, ContentPart, FinishReason, ImageSource, ParsedCompletion, ReasoningPart, StreamEvent, ToolCall, ToolChoice, Usage } from '../types';
import type { FramedEvent, HttpRequestSpec, ProbeRequestSpec, ProviderAdapter, ProviderEndpoint, ResponseHeaders } from './adapter';
import { placeCacheBreakpoints } from './anthropicCaching';
import { applyProviderOptions, type OwnedFields } from './providerOptions';
import { isRecord, malformedResponse, nonJsonBodyError, parseJsonFrame, parseJsonOrUndefined, providerMessage, safeDetail } from './wireText';

const ANTHROPIC_VERSION = '2023-06-01';
/** Anthropic rejects requests without max_tokens; this is used when the caller sets none. */
export const DEFAULT_MAX_TOKENS = 4096;
/** Anthropic rejects an empty first user turn, so a conversation that opens with the assistant gets this one. */
const LEADING_USER_PLACEHOLDER = '(continue)';

const ownedFields: OwnedFields = { model: 'model', messages: 'messages', system: 'system', stream: 'stream' };

const usageSchema = z.object({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
});
type WireUsage = z.infer<typeof usageSchema>;

const messageSchema = z.object({
  model: z.string().optional(),
  content: z.array(
    z.object({
      type: z.string(),
      text: z.string().optional(),
      id: z.string().optional(),
      name: z.string().optional(),
      input: z.unknown().optional(),
      thinking: z.string().optional(),
      signature: z.string().optional(),
    }),
  ),
  stop_reason: z.string().nullish(),
  usage: usageSchema.optional(),
});

const errorObjectSchema = z.object({
  type: z.string(),
  message: z.string().optional(),
  details: z.object({ error_code: z.string().optional() }).nullish(),
});
const errorBodySchema = z.object({ type: z.literal('error'), error: errorObjectSchema });
type WireError = z.infer<typeof errorObjectSchema>;

const streamEventSchema = z.object({
  type: z.string(),
  message: z.object({ model: z.string().optional(), usage: usageSchema.optional() }).optional(),
  index: z.number().int().nonnegative().optional(),
  content_block: z
    .object({ type: z.string(), text: z.string().optional(), id: z.string().optional(), name: z.string().optional(), thinking: z.string().optional(), signature: z.string().optional() })
    .optional(),
  delta: z
    .object({
      type: z.string().optional(),
      text: z.string().optional(),
      partial_json: z.string().optional(),
      thinking: z.string().optional(),
      signature: z.string().optional(),
      stop_reason: z.string().nullish(),
    })
    .optional(),
  usage: usageSchema.optional(),
  error: errorObjectSchema.optional(),
});

/** Event types this adapter reads; any other named event is skipped unparsed, as Anthropic may add new ones. */
const KNOWN_EVENTS = new Set([
  'message_start',
  'content_block_start',
  'content_block_delta',
  'content_block_stop',
  'message_delta',
  'message_stop',
  'ping',
  'error',
]);

const STOP_REASONS: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

function finishReasonFromStopReason(stopReason: string): FinishReason {
  return STOP_REASONS[stopReason] ?? 'other';
}

type WireBlock = Record<string, unknown>;
type WireTurn = { role: 'user' | 'assistant'; content: WireBlock[] };

/**
 * Anthropic wants alternating user/assistant turns starting with a user turn and no empty text,
 * while editors send whatever history they have: merge, drop blanks, and open with a user turn.
 * Tool results (neutral `tool` messages) go in the user turn, as tool_result blocks first.
 */
function toAnthropicMessages(messages: ChatMessage[]): { role: 'user' | 'assistant'; content: string | WireBlock[] }[] {
  const turns: WireTurn[] = [];
  for (const m of messages) {
    const blocks = messageParts(m).flatMap(toWireBlocks);
    if (blocks.length === 0) continue;
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    const last = turns[turns.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  }
  if (turns.length > 0 && turns[0].role === 'assistant') turns.unshift({ role: 'user', content: [{ type: 'text', text: LEADING_USER_PLACEHOLDER }] });
  const last = turns[turns.length - 1];
  // A final assistant turn is a prefill, and Anthropic rejects prefills ending in whitespace.
  const tail = last?.role === 'assistant' ? last.content[last.content.length - 1] : undefined;
  if (tail?.type === 'text') tail.text = String(tail.text).trimEnd();
  return turns.map((t) => ({ role: t.role, content: plainText(t.content) ?? t.content }));
}

/** A turn of text blocks only is sent as one string, as before full chat (joined by a blank line). */
function plainText(blocks: WireBlock[]): string | undefined {
  if (!blocks.every((b) => b.type === 'text')) return undefined;
  return blocks.map((b) => String(b.text)).join('\n\n');
}

function toWireBlocks(p: ContentPart): WireBlock[] {
  switch (p.type) {
    case 'text':
      return p.text.trim() === '' ? [] : [{ type: 'text', text: p.text }];
    case 'image':
      return [imageBlock(p.source)];
    case 'tool_call':
      return [{ type: 'tool_use', id: anthropicToolId(p.id), name: p.name, input: p.arguments }];
    case 'tool_result': {
      const content = typeof p.content === 'string' ? p.content : p.content.map((c) => (c.type === 'text' ? { type: 'text', text: c.text } : imageBlock(c.source)));
      return [{ type: 'tool_result', tool_use_id: anthropicToolId(p.callId), content, ...(p.isError ? { is_error: true } : {}) }];
    }
    case 'reasoning':
      // Only Anthropic's own signed thinking can be sent back; other providers' reasoning is dropped.
      if (p.provider !== 'anthropic' || !p.signature) return [];
      return [{ type: 'thinking', thinking: p.text, signature: p.signature }];
  }
}

function imageBlock(source: ImageSource): WireBlock {
  return { type: 'image', source: source.kind === 'url' ? { type: 'url', url: source.url } : { type: 'base64', media_type: source.mediaType, data: source.data } };
}

/** Anthropic accepts tool ids matching ^[a-zA-Z0-9_-]+$; ids from other providers are mapped to that, the same way each time. */
export function anthropicToolId(id: string): string {
  const mapped = id.replace(/[^a-zA-Z0-9_-]/g, '_');
  return mapped === '' ? 'toolu_' : mapped;
}

function toWireToolChoice(choice: ToolChoice): Record<string, unknown> {
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any' };
  return { type: 'tool', name: choice.name };
}

function buildBody(req: ChatRequest, ep: ProviderEndpoint, stream: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: req.model ?? ep.model,
    max_tokens: req.maxTokens ?? DEFAULT_MAX_TOKENS,
    messages: toAnthropicMessages(req.messages),
  };
  if (req.system) body.system = req.system;
  // Anthropic's temperature range is 0..1, narrower than OpenAI's 0..2 that callers may be used to.
  if (req.temperature !== undefined) body.temperature = Math.min(1, Math.max(0, req.temperature));
  if (req.topP !== undefined) body.top_p = req.topP;
  if (req.stop && req.stop.length > 0) body.stop_sequences = req.stop;
  if (stream) body.stream = true;
  const tools = (req.tools ?? []).map((t) => ({ name: t.name, ...(t.description ? { description: t.description } : {}), input_schema: t.parameters }));
  if (req.toolChoice && tools.length > 0) {
    body.tool_choice = toWireToolChoice(req.toolChoice);
  }
  if (tools.length > 0) body.tools = tools;
  if (req.responseFormat) body.output_config = { format: { type: 'json_schema', schema: closedObjects(req.responseFormat.schema) } };
  const merged = applyProviderOptions(body, req.providerOptions, ownedFields, ep);
  if (ep.promptCaching !== false) placeCacheBreakpoints(merged, String(merged.model));
  return merged;
}

/** Keywords whose values are schemas, or maps or lists of schemas, that closedObjects walks into. */
const SUBSCHEMA_KEYS = ['items', 'anyOf', 'allOf', 'oneOf', 'properties', '$defs', 'definitions'];

/**
 * JSON outputs (platform.claude.com/docs/en/build-with-claude/structured-outputs, read 2026-12-03) take the schema in
 * output_config.format, with no beta header since GA, and need additionalProperties: false on every object; like
 * Anthropic's own SDKs, objects that leave it unsaid get it, so one schema serves every provider.
 */
function closedObjects(schema: unknown): Record<string, unknown> {
  return closeNode(schema) as Record<string, unknown>;
}

function closeNode(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeNode);
  if (!isRecord(node)) return node;
  const out: Record<string, unknown> = { ...node };
  for (const key of SUBSCHEMA_KEYS) {
    const value = out[key];
    if (key === 'properties' || key === '$defs' || key === 'definitions') {
      if (isRecord(value)) out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, closeNode(sub)]));
    } else if (value !== undefined) {
      out[key] = closeNode(value);
    }
  }
  const isObject = out.type === 'object' || (Array.isArray(out.type) && out.type.includes('object')) || (out.type === undefined && isRecord(out.properties));
  if (isObject && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

function buildRequest(req: ChatRequest, ep: ProviderEndpoint, stream: boolean): HttpRequestSpec {
  const headers: Record<string, string> = { 'anthropic-version': ANTHROPIC_VERSION, ...ep.headers };
  headers['content-type'] = 'application/json';
  if (ep.apiKey) headers['x-api-key'] = ep.apiKey;
  return { url: `${ep.baseUrl}/v1/messages`, headers, body: buildBody(req, ep, stream) };
}

/** Anthropic's input_tokens excludes cache reads and writes; Usage.inputTokens counts every prompt token. */
function usageFromWire(u: WireUsage): Partial<Usage> {
  const usage: Partial<Usage> = {};
  if (typeof u.input_tokens === 'number') {
    usage.inputTokens = u.input_tokens + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0);
    usage.cachedInputTokens = u.cache_read_input_tokens ?? 0;
    usage.cacheWriteTokens = u.cache_creation_input_tokens ?? 0;
  }
  if (typeof u.output_tokens === 'number') usage.outputTokens = u.output_tokens;
  return usage;
}

function parseCompletion(body: unknown, ep: ProviderEndpoint): ParsedCompletion {
  if (isRecord(body) && body.type === 'error') {
    const asError = errorBodySchema.safeParse(body);
    if (asError.success) throw errorFromWire(asError.data.error, undefined, {}, ep);
  }
  const parsed = messageSchema.safeParse(body);
  if (!parsed.success) throw malformedResponse(ep, 'not a Messages API message object', parsed.error);
  const msg = parsed.data;
  const text = msg.content.map((block) => (block.type === 'text' ? (block.text ?? '') : '')).join('');
  const toolCalls: ToolCall[] = [];
  const reasoning: ReasoningPart[] = [];
  for (const block of msg.content) {
    if (block.type === 'thinking') reasoning.push({ type: 'reasoning', text: block.thinking ?? '', signature: block.signature, provider: 'anthropic' });
    if (block.type !== 'tool_use') continue;
    if (!block.id || !block.name || !isRecord(block.input)) throw malformedResponse(ep, 'a tool_use block without id, name or an input object');
    toolCalls.push({ id: block.id, name: block.name, arguments: block.input });
  }
  return {
    ...(toolCalls.length > 0 ? { toolCalls } : {}),
    ...(reasoning.length > 0 ? { reasoning } : {}),
    text,
    model: msg.model,
    usage: msg.usage ? usageFromWire(msg.usage) : undefined,
    finishReason: msg.stop_reason ? finishReasonFromStopReason(msg.stop_reason) : undefined,
  };
}

function parseStreamEvent(ev: FramedEvent, ep: ProviderEndpoint): StreamEvent[] {
  if (ev.event !== undefined && !KNOWN_EVENTS.has(ev.event)) return [];
  const json = parseJsonFrame(ev.data, ep, `stream event '${ev.event ?? 'unnamed'}' is not JSON`);
  const parsed = streamEventSchema.safeParse(json);
  if (!parsed.success) throw malformedResponse(ep, `unexpected stream event '${ev.event ?? 'unnamed'}'`, parsed.error);
  const data = parsed.data;
  switch (ev.event ?? data.type) {
    case 'message_start': {
      const out: StreamEvent[] = [];
      if (data.message?.model) out.push({ type: 'model', model: data.message.model });
      // output_tokens here is a running count; the final one arrives in message_delta.
      const usage = data.message?.usage ? usageFromWire({ ...data.message.usage, output_tokens: undefined }) : {};
      if (Object.keys(usage).length > 0) out.push({ type: 'usage', usage });
      return out;
    }
    case 'content_block_start':
      return blockStartEvents(data.index ?? 0, data.content_block);
    case 'content_block_delta':
      return blockDeltaEvents(data.index ?? 0, data.delta);
    case 'content_block_stop':
      return [{ type: 'tool_call_end', index: data.index ?? 0 }];
    case 'message_delta':
      return messageDeltaEvents(data.delta?.stop_reason ?? undefined, data.usage);
    case 'message_stop':
      return [{ type: 'end' }];
    case 'error':
      if (!data.error) throw malformedResponse(ep, 'stream error event without an error object');
      throw errorFromWire(data.error, undefined, {}, ep);
    default:
      return [];
  }
}

type WireEvent = z.infer<typeof streamEventSchema>;

function blockStartEvents(index: number, block: WireEvent['content_block']): StreamEvent[] {
  if (block?.type === 'text' && block.text) return [{ type: 'text', text: block.text }];
  if (block?.type === 'tool_use') return [{ type: 'tool_call_delta', index, id: block.id, name: block.name }];
  return [];
}

function blockDeltaEvents(index: number, delta: WireEvent['delta']): StreamEvent[] {
  switch (delta?.type) {
    case 'text_delta':
      return delta.text ? [{ type: 'text', text: delta.text }] : [];
    case 'input_json_delta':
      return delta.partial_json ? [{ type: 'tool_call_delta', index, arguments: delta.partial_json }] : [];
    case 'thinking_delta':
      return delta.thinking ? [{ type: 'reasoning', part: { type: 'reasoning', text: delta.thinking, provider: 'anthropic' } }] : [];
    case 'signature_delta':
      return delta.signature ? [{ type: 'reasoning', part: { type: 'reasoning', text: '', signature: delta.signature, provider: 'anthropic' } }] : [];
    default:
      return [];
  }
}

function messageDeltaEvents(stopReason: string | undefined, wireUsage: WireUsage | undefined): StreamEvent[] {
  const out: StreamEvent[] = [];
  if (wireUsage) {
    // Input counts here are only trusted when complete; otherwise message_start's stand.
    const complete =
      typeof wireUsage.input_tokens === 'number' &&
      typeof wireUsage.cache_read_input_tokens === 'number' &&
      typeof wireUsage.cache_creation_input_tokens === 'number';
    const usage = usageFromWire(complete ? wireUsage : { output_tokens: wireUsage.output_tokens });
    if (Object.keys(usage).length > 0) out.push({ type: 'usage', usage });
  }
  if (stopReason) out.push({ type: 'finish', reason: finishReasonFromStopReason(stopReason) });
  return out;
}

const CONTEXT_LENGTH_MESSAGE = /prompt is too long|exceed context limit|context window/i;
const SPEND_LIMIT_MESSAGE = /reached your specified (workspace )?API usage limits/i;

function classifyErrorType(err: WireError): ErrorClass | undefined {
  const message = err.message ?? '';
  switch (err.type) {
    case 'invalid_request_error':
      if (CONTEXT_LENGTH_MESSAGE.test(message)) return 'context_length';
      if (SPEND_LIMIT_MESSAGE.test(message)) return 'quota_exceeded';
      return 'bad_request';
    case 'authentication_error':
    case 'permission_error':
      return 'auth';
    case 'billing_error':
      return 'quota_exceeded';
    case 'not_found_error':
      return 'not_found';
    // A byte limit enforced in front of the API, not the model's token window.
    case 'request_too_large':
      return 'bad_request';
    case 'rate_limit_error':
      // The monthly tier spend cap is also a rate_limit_error, but waiting a minute will not lift it.
      return err.details?.error_code === 'enforced_spend_limit_reached' ? 'quota_exceeded' : 'rate_limited';
    case 'api_error':
      return 'server_error';
    case 'timeout_error':
      return 'timeout';
    case 'overloaded_error':
      return 'overloaded';
    default:
      return undefined;
  }
}

function classifyStatus(status: number): ErrorClass {
  if (status === 401 || status === 403) return 'auth';
  if (status === 402) return 'quota_exceeded';
  if (status === 404) return 'not_found';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 429) return 'rate_limited';
  if (status === 503 || status === 529) return 'overloaded';
  if (status >= 500) return 'server_error';
  return 'bad_request';
}

function errorFromWire(err: WireError, status: number | undefined, headers: ResponseHeaders, ep: ProviderEndpoint): ProviderError {
  // An unknown type inside a 200 stream has no status to fall back on; treat it as the provider's fault.
  const errorClass = classifyErrorType(err) ?? (status === undefined ? 'server_error' : classifyStatus(status));
  const where = status === undefined ? err.type : `${status} ${err.type}`;
  return new ProviderError({
    provider: ep.id,
    errorClass,
    status,
    message: providerMessage(ep, where, safeDetail(err.message ?? '', ep)),
    retryAfterMs: retryAfterMsFromHeaders(headers),
    providerCode: err.type,
  });
}

function parseError(status: number, bodyText: string, headers: ResponseHeaders, ep: ProviderEndpoint): ProviderError {
  const parsed = errorBodySchema.safeParse(parseJsonOrUndefined(bodyText));
  if (parsed.success) return errorFromWire(parsed.data.error, status, headers, ep);
  // Proxies and Cloudflare (e.g. for 413) answer with HTML or plain text instead of Anthropic's JSON.
  return nonJsonBodyError(ep, status, bodyText, headers, classifyStatus(status));
}

export const anthropicAdapter: ProviderAdapter = {
  kind: 'anthropic',
  defaultBaseUrl: 'https://api.anthropic.com',
  requiresKey: true,
  streamFraming: 'sse',
  ownedFields,
  buildRequest,
  buildProbe: buildProbeRequest,
  parseCompletion,
  parseStreamEvent,
  parseError,
};

/** GET /v1/models: lists the models the key may use, spending no tokens. */
function buildProbeRequest(ep: ProviderEndpoint): ProbeRequestSpec {
  const headers: Record<string, string> = { 'anthropic-version': ANTHROPIC_VERSION, ...ep.headers };
  if (ep.apiKey) headers['x-api-key'] = ep.apiKey;
  return { url: `${ep.baseUrl}/v1/models`, headers };
}
