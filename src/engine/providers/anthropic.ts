import { z } from 'zod';
import { ProviderError, type ErrorClass } from '../errors';
import { retryAfterMsFromHeaders } from '../http/retryAfter';
import type { ChatMessage, ChatRequest, FinishReason, ParsedCompletion, StreamEvent, Usage } from '../types';
import type { FramedEvent, HttpRequestSpec, ProviderAdapter, ProviderEndpoint, ResponseHeaders } from './adapter';
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
  content: z.array(z.object({ type: z.string(), text: z.string().optional() })),
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
  content_block: z.object({ type: z.string(), text: z.string().optional() }).optional(),
  delta: z.object({ type: z.string().optional(), text: z.string().optional(), stop_reason: z.string().nullish() }).optional(),
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

/**
 * Anthropic wants alternating user/assistant turns starting with a user turn and no empty text,
 * while editors send whatever history they have: merge, drop blanks, and open with a user turn.
 */
function toAnthropicMessages(messages: ChatMessage[]): { role: 'user' | 'assistant'; content: string }[] {
  const turns: { role: 'user' | 'assistant'; content: string }[] = [];
  for (const m of messages) {
    if (m.content.trim() === '') continue;
    const last = turns[turns.length - 1];
    if (last && last.role === m.role) last.content = `${last.content}\n\n${m.content}`;
    else turns.push({ role: m.role, content: m.content });
  }
  if (turns.length > 0 && turns[0].role === 'assistant') turns.unshift({ role: 'user', content: LEADING_USER_PLACEHOLDER });
  const last = turns[turns.length - 1];
  // A final assistant turn is a prefill, and Anthropic rejects prefills ending in whitespace.
  if (last && last.role === 'assistant') last.content = last.content.trimEnd();
  return turns;
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
  return applyProviderOptions(body, req.providerOptions, ownedFields, ep);
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
  return {
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
      return data.content_block?.type === 'text' && data.content_block.text ? [{ type: 'text', text: data.content_block.text }] : [];
    case 'content_block_delta':
      return data.delta?.type === 'text_delta' && data.delta.text ? [{ type: 'text', text: data.delta.text }] : [];
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
  parseCompletion,
  parseStreamEvent,
  parseError,
};
