import { messageParts, messageText, toolCallsOf, toolResultText } from '../chatContent';
import { STATUS_CODES } from 'node:http';
import { ProviderError, type ErrorClass } from '../errors';
import { retryAfterMsFromHeaders } from '../http/retryAfter';
import type { ChatMessage, ChatRequest, FinishReason, ParsedCompletion, ReasoningPart, StreamEvent, ToolCall, Usage } from '../types';
import { parseToolArguments } from './toolArguments';
import type { FramedEvent, HttpRequestSpec, ProbeRequestSpec, ProviderAdapter, ProviderEndpoint, ResponseHeaders } from './adapter';
import { applyProviderOptions, type OwnedFields } from './providerOptions';
import { isRecord, malformedResponse, parseJsonFrame, parseJsonOrUndefined, providerMessage, reportedUsage, safeDetail, tokenCount } from './wireText';

const ownedFields: OwnedFields = { model: 'model', messages: 'messages', stream: 'stream' };

/** Cohere Chat API v2 (POST /v2/chat), streamed as SSE. https://docs.cohere.com/reference/chat */
export const cohereAdapter: ProviderAdapter = {
  kind: 'cohere',
  defaultBaseUrl: 'https://api.cohere.com',
  requiresKey: true,
  streamFraming: 'sse',
  ownedFields,
  buildRequest,
  buildProbe: buildProbeRequest,
  parseCompletion,
  parseStreamEvent,
  parseError,
};

const MAX_DETAIL_CHARS = 300;

function buildRequest(req: ChatRequest, ep: ProviderEndpoint, stream: boolean): HttpRequestSpec {
  const messages = [...(req.system ? [{ role: 'system', content: req.system }] : []), ...req.messages.flatMap(toWireMessages)];
  const body: Record<string, unknown> = { model: req.model ?? ep.model, messages };
  const choice = req.toolChoice;
  // Cohere cannot name a tool to call: a named choice sends only that tool, required.
  const tools = typeof choice === 'object' ? (req.tools ?? []).filter((t) => t.name === choice.name) : (req.tools ?? []);
  if (tools.length > 0) {
    body.tools = tools.map((t) => ({ type: 'function', function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.parameters } }));
    if (choice === 'none') body.tool_choice = 'NONE';
    else if (choice === 'required' || typeof choice === 'object') body.tool_choice = 'REQUIRED';
  }
  if (req.responseFormat) body.response_format = { type: 'json_object', json_schema: req.responseFormat.schema };
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.topP !== undefined) body.p = req.topP;
  if (req.maxTokens !== undefined) body.max_tokens = req.maxTokens;
  if (req.stop && req.stop.length > 0) body.stop_sequences = req.stop;
  body.stream = stream;
  applyProviderOptions(body, req.providerOptions, ownedFields, ep);

  const headers: Record<string, string> = { ...ep.headers };
  if (ep.apiKey) headers.Authorization = `Bearer ${ep.apiKey}`;
  return { url: `${ep.baseUrl}/v2/chat`, headers, body };
}

/** Neutral → Cohere v2 messages: tool_calls with JSON-string arguments and the tool_plan Cohere made, one `tool` message per result. */
function toWireMessages(m: ChatMessage): Record<string, unknown>[] {
  if (typeof m.content === 'string') return [{ role: m.role, content: m.content }];
  const parts = messageParts(m);
  if (m.role === 'tool') {
    return parts.flatMap((p) => (p.type === 'tool_result' ? [{ role: 'tool', tool_call_id: p.callId, content: toolResultText(p) }] : []));
  }
  if (m.role === 'assistant') {
    const calls = toolCallsOf(m);
    const plan = parts.find((p): p is ReasoningPart => p.type === 'reasoning' && p.provider === 'cohere');
    const text = messageText(m);
    return [
      {
        role: 'assistant',
        ...(text !== '' || calls.length === 0 ? { content: text } : {}),
        ...(calls.length > 0 && plan ? { tool_plan: plan.text } : {}),
        ...(calls.length > 0 ? { tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } })) } : {}),
      },
    ];
  }
  const content = parts.flatMap((p): Record<string, unknown>[] => {
    if (p.type === 'text') return [{ type: 'text', text: p.text }];
    if (p.type === 'image') return [{ type: 'image_url', image_url: { url: p.source.kind === 'url' ? p.source.url : `data:${p.source.mediaType};base64,${p.source.data}` } }];
    return [];
  });
  return [{ role: m.role, content }];
}

function toolCallsFrom(message: Record<string, unknown>, ep: ProviderEndpoint): ToolCall[] {
  if (!Array.isArray(message.tool_calls)) return [];
  return message.tool_calls.map((c) => {
    const fn = isRecord(c) ? c.function : undefined;
    if (!isRecord(c) || typeof c.id !== 'string' || !isRecord(fn) || typeof fn.name !== 'string') throw malformedResponse(ep, 'a tool call without id or function name');
    return { id: c.id, name: fn.name, arguments: parseToolArguments(typeof fn.arguments === 'string' ? fn.arguments : '', ep, fn.name) };
  });
}

function parseCompletion(body: unknown, ep: ProviderEndpoint): ParsedCompletion {
  if (!isRecord(body) || !isRecord(body.message)) throw malformedResponse(ep, 'a chat response without a message');
  const content = body.message.content;
  const text = Array.isArray(content)
    ? content
        .filter((c): c is { type: 'text'; text: string } => isRecord(c) && c.type === 'text' && typeof c.text === 'string')
        .map((c) => c.text)
        .join('')
    : '';
  const toolCalls = toolCallsFrom(body.message, ep);
  const plan = body.message.tool_plan;
  return {
    text,
    ...(toolCalls.length > 0 ? { toolCalls } : {}),
    ...(typeof plan === 'string' && plan !== '' ? { reasoning: [{ type: 'reasoning', text: plan, provider: 'cohere' }] } : {}),
    usage: usageFrom(body.usage),
    finishReason: finishReasonFrom(body.finish_reason),
  };
}

function parseStreamEvent(ev: FramedEvent, ep: ProviderEndpoint): StreamEvent[] {
  // Cohere's SDK treats `[DONE]` as a terminator; message-end normally ends the stream first.
  if (ev.data.trim() === '[DONE]') return [{ type: 'end' }];
  const data = parseJsonFrame(ev.data, ep, 'a stream event that is not valid JSON');
  if (!isRecord(data)) throw malformedResponse(ep, 'a stream event that is not a JSON object');
  // Cohere sends both an SSE `event:` line and `type` in the data; either alone is enough.
  const type = typeof data.type === 'string' ? data.type : ev.event;
  const delta = isRecord(data.delta) ? data.delta : {};

  if (type === 'content-delta') {
    const content = isRecord(delta.message) && isRecord(delta.message.content) ? delta.message.content : {};
    // Reasoning models stream `thinking` deltas in the same event; only `text` is the answer.
    return typeof content.text === 'string' && content.text !== '' ? [{ type: 'text', text: content.text }] : [];
  }
  const index = typeof data.index === 'number' && Number.isInteger(data.index) && data.index >= 0 ? data.index : 0;
  const message = isRecord(delta.message) ? delta.message : {};
  if (type === 'tool-plan-delta') {
    return typeof message.tool_plan === 'string' && message.tool_plan !== '' ? [{ type: 'reasoning', part: { type: 'reasoning', text: message.tool_plan, provider: 'cohere' } }] : [];
  }
  if (type === 'tool-call-start' || type === 'tool-call-delta') {
    // Streamed, tool_calls is one object (not an array): id and name at the start, arguments in the deltas.
    const call = isRecord(message.tool_calls) ? message.tool_calls : {};
    const fn = isRecord(call.function) ? call.function : {};
    const piece = { id: asString(call.id), name: asString(fn.name), arguments: asString(fn.arguments) };
    return [{ type: 'tool_call_delta', index, ...piece }];
  }
  if (type === 'tool-call-end') return [{ type: 'tool_call_end', index }];
  if (type === 'message-end') {
    if (typeof delta.error === 'string' && delta.error !== '') {
      throw new ProviderError({
        provider: ep.id,
        errorClass: 'server_error',
        message: providerMessage(ep, 'generation failed mid-stream', safeDetail(delta.error, ep, MAX_DETAIL_CHARS)),
        providerCode: typeof delta.finish_reason === 'string' ? delta.finish_reason : undefined,
      });
    }
    const events: StreamEvent[] = [];
    const finish = finishReasonFrom(delta.finish_reason);
    if (finish) events.push({ type: 'finish', reason: finish });
    const usage = usageFrom(delta.usage);
    if (usage) events.push({ type: 'usage', usage });
    events.push({ type: 'end' });
    return events;
  }
  // message-start, content-start/end, citation-*, debug and future events.
  return [];
}

function asString(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function finishReasonFrom(reason: unknown): FinishReason | undefined {
  if (reason === undefined || reason === null) return undefined;
  switch (reason) {
    case 'COMPLETE':
    case 'STOP_SEQUENCE':
      return 'stop';
    case 'MAX_TOKENS':
      return 'length';
    case 'TOOL_CALL':
      return 'tool_calls';
    default:
      return 'other';
  }
}

/**
 * `usage.tokens` counts what the model actually read and wrote (the project's Usage semantics);
 * `usage.billed_units` counts only what Cohere bills, so it is the fallback when tokens are absent.
 */
function usageFrom(usage: unknown): Partial<Usage> | undefined {
  if (!isRecord(usage)) return undefined;
  const tokens = isRecord(usage.tokens) ? usage.tokens : {};
  const billed = isRecord(usage.billed_units) ? usage.billed_units : {};
  return reportedUsage({
    inputTokens: tokenCount(tokens.input_tokens) ?? tokenCount(billed.input_tokens),
    outputTokens: tokenCount(tokens.output_tokens) ?? tokenCount(billed.output_tokens),
    cachedInputTokens: tokenCount(usage.cached_tokens),
  });
}

/** Status → class, from Cohere's error reference and the statuses its API spec lists for /v2/chat. */
const STATUS_CLASSES: Record<number, ErrorClass> = {
  400: 'bad_request',
  401: 'auth',
  402: 'quota_exceeded', // billing limit reached or no payment method
  403: 'auth',
  404: 'not_found',
  413: 'context_length',
  422: 'bad_request',
  429: 'rate_limited',
  498: 'content_policy', // "a request or response contains a deny-listed token"
  499: 'server_error', // cancelled on Cohere's side (we did not abort, or we would not be reading it); docs say retry
  500: 'server_error',
  501: 'bad_request', // the feature is not implemented for this model
  502: 'server_error',
  503: 'overloaded',
  504: 'timeout',
};

const HINTS: Partial<Record<ErrorClass, string>> = {
  auth: "check this provider's API key (run 'LLM Router: Set API Key')",
  quota_exceeded: 'add a payment method or raise the billing limit in the Cohere dashboard',
  not_found: "check the model name in this provider's config",
};

function parseError(status: number, bodyText: string, headers: ResponseHeaders, ep: ProviderEndpoint): ProviderError {
  const detail = errorMessageFrom(bodyText);
  let errorClass: ErrorClass = STATUS_CLASSES[status] ?? (status >= 500 ? 'server_error' : 'bad_request');
  if (status === 400 && detail && /too many tokens/i.test(detail)) errorClass = 'context_length';
  const what = detail ? safeDetail(detail, ep, MAX_DETAIL_CHARS) : `${STATUS_CODES[status] ?? 'error'} (no JSON error body)`;
  const hint = HINTS[errorClass];
  return new ProviderError({
    provider: ep.id,
    errorClass,
    status,
    retryAfterMs: retryAfterMsFromHeaders(headers),
    message: providerMessage(ep, `HTTP ${status}`, hint ? `${what} — ${hint}` : what),
  });
}

/** Cohere documents `{"message": "..."}`; its OpenAPI error schemas say `{"data": "..."}`. */
function errorMessageFrom(bodyText: string): string | undefined {
  const body = parseJsonOrUndefined(bodyText);
  if (!isRecord(body)) return undefined;
  if (typeof body.message === 'string' && body.message.trim() !== '') return body.message;
  if (typeof body.data === 'string' && body.data.trim() !== '') return body.data;
  return undefined;
}

/** GET /v1/models: lists the models the key may use, spending no tokens. */
function buildProbeRequest(ep: ProviderEndpoint): ProbeRequestSpec {
  const headers: Record<string, string> = { ...ep.headers };
  if (ep.apiKey) headers.Authorization = `Bearer ${ep.apiKey}`;
  return { url: `${ep.baseUrl}/v1/models`, headers };
}
