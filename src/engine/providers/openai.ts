import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import { ProviderError, type ErrorClass } from '../errors';
import { retryAfterMsFromHeaders } from '../http/retryAfter';
import { messageText, toolCallsOf, toolResultsOf, toolResultText } from '../chatContent';
import { parseToolArguments } from './toolArguments';
import type { ChatMessage, ChatRequest, FinishReason, ImageSource, ParsedCompletion, ProviderKind, StreamEvent, ToolChoice, Usage } from '../types';
import type { FramedEvent, HttpRequestSpec, ProbeRequestSpec, ProviderAdapter, ProviderEndpoint, ResponseHeaders } from './adapter';
import { applyProviderOptions, type OwnedFields } from './providerOptions';
import { mayBeCached, promptCacheKey } from './promptCacheKey';
import { describeNonJsonBody, isRecord, malformedResponse, parseJsonFrame, parseJsonOrUndefined, providerMessage, reportedUsage, safeDetail } from './wireText';

const UsageSchema = z
  .object({
    prompt_tokens: z.number().nullish(),
    completion_tokens: z.number().nullish(),
    prompt_tokens_details: z.object({ cached_tokens: z.number().nullish() }).nullish(),
    // DeepSeek's own name for cache reads (api-docs.deepseek.com context caching guide, read 2026-12-03); prompt_tokens includes them.
    prompt_cache_hit_tokens: z.number().nullish(),
  })
  .nullish()
  // Usage is bookkeeping: an odd shape from some compatible server must not fail the answer.
  .catch(undefined);

const ErrorObjectSchema = z.object({
  message: z.unknown().optional(),
  type: z.unknown().optional(),
  code: z.unknown().optional(),
});

const ToolCallSchema = z.object({
  id: z.string(),
  function: z.object({ name: z.string(), arguments: z.string().nullish() }),
});

const ToolCallDeltaSchema = z.object({
  index: z.number().int().nonnegative(),
  id: z.string().nullish(),
  function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
});

const CompletionSchema = z.object({
  model: z.string().nullish(),
  choices: z.array(
    z.object({
      message: z.object({ content: z.string().nullish(), tool_calls: z.array(ToolCallSchema).nullish() }).nullish(),
      finish_reason: z.string().nullish(),
    }),
  ),
  usage: UsageSchema,
});

const ChunkSchema = z.object({
  model: z.string().nullish(),
  // The usage-only last chunk has `choices: []`; some compatible servers send null or omit it.
  choices: z
    .array(
      z.object({
        delta: z.object({ content: z.string().nullish(), tool_calls: z.array(ToolCallDeltaSchema).nullish() }).nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: UsageSchema,
  // Groq reports streamed usage here.
  x_groq: z.object({ usage: UsageSchema }).nullish(),
});

const ErrorEnvelopeSchema = z.object({ error: z.union([ErrorObjectSchema, z.string()]) });

interface ErrorDetail {
  message?: string;
  type?: string;
  code?: string;
}

const QUOTA_CODES = new Set([
  'insufficient_quota',
  'credit_balance_exhausted',
  'organization_spend_limit_exceeded',
  'project_spend_limit_exceeded',
  'organization_usage_limit_exceeded',
]);
const CONTENT_POLICY_CODES = new Set(['content_policy_violation', 'content_filter']);
const RATE_LIMIT_CODES = new Set(['rate_limit_exceeded', 'rate_limit_error', 'requests', 'tokens', 'slow_down']);
const CONTEXT_WORDING = /context[ _]length|context window|maximum context|too many tokens|prompt is too long/i;

const ownedFields: OwnedFields = { model: 'model', messages: 'messages', stream: 'stream' };

interface OpenAiFlavour {
  kind: Extract<ProviderKind, 'openai' | 'openai-compatible'>;
  defaultBaseUrl: string;
  requiresKey: boolean;
  /** OpenAI deprecated max_tokens (reasoning models reject it); most compatible servers only know max_tokens. */
  maxTokensField: 'max_completion_tokens' | 'max_tokens';
}

function createOpenAiAdapter(flavour: OpenAiFlavour): ProviderAdapter {
  return {
    kind: flavour.kind,
    defaultBaseUrl: flavour.defaultBaseUrl,
    requiresKey: flavour.requiresKey,
    streamFraming: 'sse',
    ownedFields,
    buildRequest: (req, ep, stream) => buildChatRequest(req, ep, stream, flavour.maxTokensField),
    buildProbe: buildProbeRequest,
    parseCompletion,
    parseStreamEvent,
    parseError,
  };
}

export const openaiAdapter: ProviderAdapter = createOpenAiAdapter({
  kind: 'openai',
  defaultBaseUrl: 'https://api.openai.com/v1',
  requiresKey: true,
  maxTokensField: 'max_completion_tokens',
});

/** Mistral, Groq, Cerebras, OpenRouter, DeepSeek, vLLM, LM Studio, … — the baseUrl comes from config. */
export const openaiCompatibleAdapter: ProviderAdapter = createOpenAiAdapter({
  kind: 'openai-compatible',
  defaultBaseUrl: '',
  requiresKey: false,
  maxTokensField: 'max_tokens',
});

function buildChatRequest(req: ChatRequest, ep: ProviderEndpoint, stream: boolean, maxTokensField: OpenAiFlavour['maxTokensField']): HttpRequestSpec {
  const baseUrl = ep.baseUrl.replace(/\/+$/, '');
  const messages = [...(req.system ? [{ role: 'system', content: req.system }] : []), ...req.messages.flatMap(toWireMessages)];
  const body: Record<string, unknown> = { model: req.model ?? ep.model, messages };
  if (req.tools && req.tools.length > 0) {
    body.tools = req.tools.map((t) => ({ type: 'function', function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.parameters } }));
    if (req.toolChoice) body.tool_choice = toWireToolChoice(req.toolChoice);
  }
  if (req.responseFormat) {
    const { name, schema, strict } = req.responseFormat;
    body.response_format = { type: 'json_schema', json_schema: { name: name ?? 'response', schema, ...(strict !== undefined ? { strict } : {}) } };
  }
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.topP !== undefined) body.top_p = req.topP;
  if (req.maxTokens !== undefined) body[maxTokensField] = req.maxTokens;
  if (req.stop && req.stop.length > 0) body.stop = req.stop;
  body.stream = stream;
  if (stream && acceptsStreamOptions(baseUrl)) body.stream_options = { include_usage: true };
  if (ep.promptCaching !== false && (ep.kind === 'openai' || isOpenAiHost(baseUrl)) && mayBeCached(req)) body.prompt_cache_key = promptCacheKey(req, String(body.model));
  applyProviderOptions(body, req.providerOptions, ownedFields, ep);

  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (ep.apiKey) headers.authorization = `Bearer ${ep.apiKey}`;
  return { url: `${baseUrl}/chat/completions`, headers: { ...headers, ...ep.headers }, body };
}

/** One neutral message → Chat Completions messages (a `tool` message becomes one wire message per result). */
function toWireMessages(m: ChatMessage): Record<string, unknown>[] {
  if (typeof m.content === 'string') return [{ role: m.role, content: m.content }];
  if (m.role === 'tool') {
    return toolResultsOf(m).map((r) => ({ role: 'tool', tool_call_id: r.callId, content: toolResultText(r) }));
  }
  if (m.role === 'assistant') {
    const calls = toolCallsOf(m);
    const text = messageText(m);
    return [
      {
        role: 'assistant',
        content: text === '' && calls.length > 0 ? null : text,
        ...(calls.length > 0 ? { tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } })) } : {}),
      },
    ];
  }
  const parts = m.content.flatMap((p): Record<string, unknown>[] => {
    if (p.type === 'text') return [{ type: 'text', text: p.text }];
    if (p.type === 'image') return [{ type: 'image_url', image_url: { url: imageUrl(p.source) } }];
    return [];
  });
  return [{ role: m.role, content: parts }];
}

function imageUrl(source: ImageSource): string {
  return source.kind === 'url' ? source.url : `data:${source.mediaType};base64,${source.data}`;
}

function toWireToolChoice(choice: ToolChoice): unknown {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}

/** An openai-compatible entry pointed at OpenAI itself gets OpenAI's own fields; other servers may reject them. */
function isOpenAiHost(baseUrl: string): boolean {
  try {
    return new URL(baseUrl).hostname === 'api.openai.com';
  } catch {
    return false;
  }
}

/** Mistral rejects unknown body fields (422 extra_forbidden) and sends usage in its last chunk anyway. */
function acceptsStreamOptions(baseUrl: string): boolean {
  try {
    return new URL(baseUrl).hostname !== 'api.mistral.ai';
  } catch {
    return true;
  }
}

function parseCompletion(body: unknown, ep: ProviderEndpoint): ParsedCompletion {
  throwIfErrorEnvelope(body, ep, 'in the response body');
  const parsed = CompletionSchema.safeParse(body);
  if (!parsed.success) throw malformedResponse(ep, 'a completion without the expected choices');
  const choice = parsed.data.choices[0];
  if (choice === undefined) throwIfPromptFiltered(body, ep);
  const result: ParsedCompletion = { text: choice?.message?.content ?? '' };
  const calls = choice?.message?.tool_calls;
  if (calls && calls.length > 0) {
    result.toolCalls = calls.map((c) => ({ id: c.id, name: c.function.name, arguments: parseToolArguments(c.function.arguments ?? '', ep, c.function.name) }));
  }
  if (parsed.data.model) result.model = parsed.data.model;
  const usage = toUsage(parsed.data.usage);
  if (usage) result.usage = usage;
  if (choice?.finish_reason) result.finishReason = toFinishReason(choice.finish_reason);
  return result;
}

function parseStreamEvent(ev: FramedEvent, ep: ProviderEndpoint): StreamEvent[] {
  const data = ev.data.trim();
  if (data === '') return [];
  if (data === '[DONE]') return [{ type: 'end' }];
  const json = parseJsonFrame(data, ep, 'a stream frame that is not valid JSON');
  throwIfErrorEnvelope(json, ep, 'in the stream');
  const parsed = ChunkSchema.safeParse(json);
  if (!parsed.success) throw malformedResponse(ep, 'a stream chunk of an unexpected shape');
  const chunk = parsed.data;
  if (!chunk.choices?.length) throwIfPromptFiltered(json, ep);
  const events: StreamEvent[] = [];
  if (chunk.model) events.push({ type: 'model', model: chunk.model });
  const choice = chunk.choices?.[0];
  const text = choice?.delta?.content;
  if (text) events.push({ type: 'text', text });
  for (const d of choice?.delta?.tool_calls ?? []) {
    events.push({ type: 'tool_call_delta', index: d.index, id: d.id ?? undefined, name: d.function?.name ?? undefined, arguments: d.function?.arguments ?? undefined });
  }
  if (choice?.finish_reason) events.push({ type: 'finish', reason: toFinishReason(choice.finish_reason) });
  const usage = toUsage(chunk.usage ?? chunk.x_groq?.usage);
  if (usage) events.push({ type: 'usage', usage });
  return events;
}

function parseError(status: number, bodyText: string, headers: ResponseHeaders, ep: ProviderEndpoint): ProviderError {
  const detail = readErrorDetail(bodyText);
  const statusText = STATUS_CODES[status];
  return new ProviderError({
    provider: ep.id,
    errorClass: classifyOpenAiError(status, detail),
    status,
    retryAfterMs: retryAfterMsFromHeaders(headers),
    providerCode: detail.code ?? detail.type,
    message: describeError(ep, `${status}${statusText ? ` ${statusText}` : ''}`, detail),
  });
}

/** Some servers answer 200 with an error body, and OpenAI reports mid-stream failures as `{"error": {...}}`. */
function throwIfErrorEnvelope(json: unknown, ep: ProviderEndpoint, where: string): void {
  // Every chunk passes through here; a failed schema parse per chunk costs microseconds, this check nothing.
  if (!isRecord(json) || json.error === undefined || json.error === null) return;
  const envelope = ErrorEnvelopeSchema.safeParse(json);
  if (!envelope.success) return;
  const detail = toErrorDetail(envelope.data.error);
  const codeStatus = detail.code && /^[45]\d\d$/.test(detail.code) ? Number(detail.code) : undefined;
  throw new ProviderError({
    provider: ep.id,
    errorClass: classifyOpenAiError(codeStatus, detail),
    status: codeStatus,
    providerCode: detail.code ?? detail.type,
    message: describeError(ep, `error ${where}`, detail),
  });
}

/**
 * Azure OpenAI, and gateways in front of it, answer a prompt their content filter blocked with 200,
 * `choices: []` and `prompt_filter_results[].content_filter_results.<category>.filtered: true`.
 */
function throwIfPromptFiltered(json: unknown, ep: ProviderEndpoint): void {
  const results = isRecord(json) ? json.prompt_filter_results : undefined;
  if (!Array.isArray(results)) return;
  const filtered: string[] = [];
  for (const result of results) {
    const categories = isRecord(result) ? result.content_filter_results : undefined;
    if (!isRecord(categories)) continue;
    for (const [category, verdict] of Object.entries(categories)) {
      if (!isRecord(verdict) || verdict.filtered !== true) continue;
      filtered.push(typeof verdict.severity === 'string' ? `${category} (${verdict.severity})` : category);
    }
  }
  if (filtered.length === 0) return;
  throw new ProviderError({
    provider: ep.id,
    errorClass: 'content_policy',
    providerCode: 'content_filter',
    message: providerMessage(ep, 'the prompt was blocked by its content filter', safeDetail(filtered.join(', '), ep)),
  });
}

/**
 * Maps an OpenAI-style error to what the router should do about it. The body's code decides
 * where it is more precise than the status (a 429 that is really an empty balance).
 * `status` is undefined for errors reported inside a 200 stream.
 */
function classifyOpenAiError(status: number | undefined, detail: ErrorDetail): ErrorClass {
  const tags = [detail.code, detail.type].filter((t): t is string => !!t).map((t) => t.toLowerCase());
  const tagged = (set: Set<string>) => tags.some((t) => set.has(t));
  const clientSide = status === undefined || (status >= 400 && status < 500);

  if (tagged(QUOTA_CODES) || status === 402) return 'quota_exceeded';
  if (clientSide && (tags.includes('context_length_exceeded') || (status !== 429 && CONTEXT_WORDING.test(detail.message ?? '')))) {
    return 'context_length';
  }
  if (clientSide && tagged(CONTENT_POLICY_CODES)) return 'content_policy';
  if (status === undefined) {
    if (tagged(RATE_LIMIT_CODES)) return 'rate_limited';
    if (isOverloaded(tags, detail)) return 'overloaded';
    if (tags.includes('invalid_request_error')) return 'bad_request';
    return 'server_error';
  }
  switch (status) {
    case 401:
    case 403:
      return 'auth';
    case 404:
      return 'not_found';
    case 408:
      return 'timeout';
    case 409:
      // OpenAI's SDKs retry 409 (a lock timeout on their side), so it is transient.
      return 'server_error';
    case 429:
      return 'rate_limited';
    case 503:
      if (tags.includes('slow_down')) return 'rate_limited';
      return isOverloaded(tags, detail) ? 'overloaded' : 'server_error';
    case 529:
      return 'overloaded';
  }
  if (status >= 500) return 'server_error';
  if (status >= 400) return 'bad_request';
  return 'malformed_response';
}

function isOverloaded(tags: string[], detail: ErrorDetail): boolean {
  return tags.some((t) => t.includes('overloaded')) || /overloaded/i.test(detail.message ?? '');
}

function readErrorDetail(bodyText: string): ErrorDetail {
  const json = parseJsonOrUndefined(bodyText);
  if (json === undefined) {
    const message = describeNonJsonBody(bodyText);
    return message ? { message } : {};
  }
  const envelope = ErrorEnvelopeSchema.safeParse(json);
  if (envelope.success) return toErrorDetail(envelope.data.error);
  // vLLM and FastAPI-based servers put the fields at the top level or under `detail`.
  const flat = ErrorObjectSchema.extend({ detail: z.unknown().optional() }).safeParse(json);
  if (!flat.success) return {};
  return toErrorDetail({ ...flat.data, message: flat.data.message ?? flat.data.detail });
}

function toErrorDetail(error: z.infer<typeof ErrorObjectSchema> | string): ErrorDetail {
  if (typeof error === 'string') return { message: error };
  return { message: asText(error.message), type: asText(error.type), code: asText(error.code) };
}

function asText(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    // Nested too deep to print (RangeError): the error is still classified, just without this detail.
    return undefined;
  }
}

function describeError(ep: ProviderEndpoint, what: string, detail: ErrorDetail): string {
  return providerMessage(ep, what, safeDetail(detail.message ?? '', ep));
}

function toUsage(u: z.infer<typeof UsageSchema>): Partial<Usage> | undefined {
  if (!u) return undefined;
  return reportedUsage({
    inputTokens: u.prompt_tokens,
    outputTokens: u.completion_tokens,
    cachedInputTokens: u.prompt_tokens_details?.cached_tokens ?? u.prompt_cache_hit_tokens,
  });
}

function toFinishReason(reason: string): FinishReason {
  switch (reason) {
    case 'stop':
    case 'length':
    case 'content_filter':
    case 'tool_calls':
      return reason;
    case 'function_call':
      return 'tool_calls';
    default:
      return 'other';
  }
}

/** GET /models: lists the models the key may use, spending no tokens. */
function buildProbeRequest(ep: ProviderEndpoint): ProbeRequestSpec {
  const headers: Record<string, string> = {};
  if (ep.apiKey) headers.authorization = `Bearer ${ep.apiKey}`;
  return { url: `${ep.baseUrl.replace(/\/+$/, '')}/models`, headers: { ...headers, ...ep.headers } };
}
