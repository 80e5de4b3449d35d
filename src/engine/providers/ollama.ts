import { messageParts, messageText, toolCallsOf, toolResultText } from '../chatContent';
import { STATUS_CODES } from 'node:http';
import { ProviderError, type ErrorClass } from '../errors';
import { retryAfterMsFromHeaders } from '../http/retryAfter';
import type { ChatMessage, ChatRequest, FinishReason, ParsedCompletion, StreamEvent, ToolCall, Usage } from '../types';
import type { FramedEvent, HttpRequestSpec, ProbeRequestSpec, ProviderAdapter, ProviderEndpoint, ResponseHeaders } from './adapter';
import { applyProviderOptions, type OwnedFields } from './providerOptions';
import { isRecord, malformedResponse, parseJsonFrame, parseJsonOrUndefined, providerMessage, reportedUsage, safeDetail, tokenCount } from './wireText';

const ownedFields: OwnedFields = { model: 'model', messages: 'messages', stream: 'stream' };

/** Ollama's native chat API (POST /api/chat), streamed as NDJSON. https://github.com/ollama/ollama/blob/main/docs/api.md */
export const ollamaAdapter: ProviderAdapter = {
  kind: 'ollama',
  defaultBaseUrl: 'http://localhost:11434',
  requiresKey: false,
  streamFraming: 'ndjson',
  ownedFields,
  buildRequest,
  buildProbe: buildProbeRequest,
  parseCompletion,
  parseStreamEvent,
  parseError,
};

const MAX_DETAIL_CHARS = 300;

function buildRequest(req: ChatRequest, ep: ProviderEndpoint, stream: boolean): HttpRequestSpec {
  const names = new Map<string, string>();
  for (const m of req.messages) for (const c of toolCallsOf(m)) names.set(c.id, c.name);
  const messages = [...(req.system ? [{ role: 'system', content: req.system }] : []), ...req.messages.flatMap((m) => toWireMessages(m, names, ep))];
  const options: Record<string, unknown> = {};
  if (req.temperature !== undefined) options.temperature = req.temperature;
  if (req.topP !== undefined) options.top_p = req.topP;
  if (req.maxTokens !== undefined) options.num_predict = req.maxTokens;
  if (req.stop && req.stop.length > 0) options.stop = req.stop;

  // `stream` is always explicit: Ollama streams when it is omitted.
  const body: Record<string, unknown> = { model: req.model ?? ep.model, messages, stream };
  if (Object.keys(options).length > 0) body.options = options;
  // Ollama has no tool_choice: 'none' sends no tools; 'required' and a named tool cannot be enforced.
  if (req.tools && req.tools.length > 0 && req.toolChoice !== 'none') {
    body.tools = req.tools.map((t) => ({ type: 'function', function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.parameters } }));
  }
  if (req.responseFormat) body.format = req.responseFormat.schema;
  applyProviderOptions(body, req.providerOptions, ownedFields, ep);

  const headers: Record<string, string> = { ...ep.headers };
  // Local Ollama needs no key; one is sent only for an Ollama behind an authenticating proxy.
  if (ep.apiKey) headers.Authorization = `Bearer ${ep.apiKey}`;
  return { url: `${ep.baseUrl}/api/chat`, headers, body };
}

/** Neutral → Ollama messages: images as base64 beside the text, calls with object arguments, one `tool` message per result. */
function toWireMessages(m: ChatMessage, names: Map<string, string>, ep: ProviderEndpoint): Record<string, unknown>[] {
  if (m.role === 'tool') {
    return messageParts(m).flatMap((p) => (p.type === 'tool_result' ? [{ role: 'tool', content: toolResultText(p), ...(names.has(p.callId) ? { tool_name: names.get(p.callId) } : {}) }] : []));
  }
  const images = messageParts(m).flatMap((p) => {
    if (p.type !== 'image') return [];
    if (p.source.kind === 'url') throw new ProviderError({ provider: ep.id, errorClass: 'bad_request', message: providerMessage(ep, 'cannot send image URLs', 'Ollama takes images as base64') });
    return [p.source.data];
  });
  const calls = toolCallsOf(m);
  return [
    {
      role: m.role,
      content: messageText(m),
      ...(images.length > 0 ? { images } : {}),
      ...(calls.length > 0 ? { tool_calls: calls.map((c) => ({ function: { name: c.name, arguments: c.arguments } })) } : {}),
    },
  ];
}

/** Ollama sends each call whole with object arguments (and no id in older versions: the transport generates one). */
function toolCallsFrom(message: unknown, ep: ProviderEndpoint): ToolCall[] {
  const calls = isRecord(message) ? message.tool_calls : undefined;
  if (!Array.isArray(calls)) return [];
  return calls.map((c) => {
    const fn = isRecord(c) ? c.function : undefined;
    if (!isRecord(fn) || typeof fn.name !== 'string' || fn.name === '') throw malformedResponse(ep, 'a tool call without a function name');
    const args = fn.arguments ?? {};
    if (!isRecord(args)) throw malformedResponse(ep, `tool call '${fn.name}' with arguments that are not an object`);
    return { id: isRecord(c) && typeof c.id === 'string' ? c.id : '', name: fn.name, arguments: args };
  });
}

function parseCompletion(body: unknown, ep: ProviderEndpoint): ParsedCompletion {
  if (!isRecord(body)) throw malformedResponse(ep, 'a chat response that is not a JSON object');
  if (typeof body.error === 'string') throw inBodyError(body.error, ep);
  if (!isRecord(body.message) && body.done !== true) throw malformedResponse(ep, 'a chat response without a message');
  const content = isRecord(body.message) ? body.message.content : undefined;
  const toolCalls = toolCallsFrom(body.message, ep);
  return {
    ...(toolCalls.length > 0 ? { toolCalls } : {}),
    text: typeof content === 'string' ? content : '',
    model: typeof body.model === 'string' ? body.model : undefined,
    usage: usageFrom(body),
    // Only a `done` answer is complete; the transport refuses an empty one that is not.
    finishReason: body.done === true ? finishReasonFrom(body.done_reason) : undefined,
  };
}

function parseStreamEvent(ev: FramedEvent, ep: ProviderEndpoint): StreamEvent[] {
  const line = parseJsonFrame(ev.data, ep, 'a stream line that is not valid JSON');
  if (!isRecord(line)) throw malformedResponse(ep, 'a stream line that is not a JSON object');
  if (typeof line.error === 'string') throw inBodyError(line.error, ep);

  const events: StreamEvent[] = [];
  const content = isRecord(line.message) ? line.message.content : undefined;
  if (typeof content === 'string' && content !== '') events.push({ type: 'text', text: content });
  for (const call of toolCallsFrom(line.message, ep)) events.push({ type: 'tool_call', call });
  if (line.done === true) {
    if (typeof line.model === 'string') events.push({ type: 'model', model: line.model });
    events.push({ type: 'finish', reason: finishReasonFrom(line.done_reason) });
    const usage = usageFrom(line);
    if (usage) events.push({ type: 'usage', usage });
    events.push({ type: 'end' });
  }
  return events;
}

function finishReasonFrom(reason: unknown): FinishReason {
  if (reason === 'stop') return 'stop';
  if (reason === 'length') return 'length';
  // Older Ollama versions omit done_reason on a normal finish.
  if (reason === undefined) return 'stop';
  return 'other';
}

/** Ollama counts only newly evaluated prompt tokens; a prefix served from its KV cache is not reported. */
function usageFrom(body: Record<string, unknown>): Partial<Usage> | undefined {
  return reportedUsage({ inputTokens: tokenCount(body.prompt_eval_count), outputTokens: tokenCount(body.eval_count) });
}

const STATUS_CLASSES: Record<number, ErrorClass> = {
  400: 'bad_request',
  401: 'auth',
  403: 'auth',
  404: 'not_found', // model not found, try pulling it first
  429: 'rate_limited',
  499: 'server_error', // Ollama cancelled the request itself; we would not read a reply to our own abort
  500: 'server_error',
  502: 'server_error',
  503: 'overloaded', // "server busy, please try again. maximum pending requests exceeded"
  504: 'timeout',
};

function parseError(status: number, bodyText: string, headers: ResponseHeaders, ep: ProviderEndpoint): ProviderError {
  const detail = errorMessageFrom(bodyText);
  let errorClass: ErrorClass = STATUS_CLASSES[status] ?? (status >= 500 ? 'server_error' : 'bad_request');
  if (status === 400 && detail && /context (length|window)/i.test(detail)) errorClass = 'context_length';
  const what = detail ? safeDetail(detail, ep, MAX_DETAIL_CHARS) : `${STATUS_CODES[status] ?? 'error'} (no JSON error body)`;
  const model = ep.model ? ` ${ep.model}` : '';
  const hint =
    errorClass === 'not_found'
      ? `run 'ollama pull${model}' on the Ollama host or fix the model name`
      : errorClass === 'auth'
        ? "check the key for the proxy in front of Ollama (run 'LLM Router: Set API Key')"
        : undefined;
  return new ProviderError({
    provider: ep.id,
    errorClass,
    status,
    retryAfterMs: retryAfterMsFromHeaders(headers),
    message: providerMessage(ep, `HTTP ${status}`, hint ? `${what} — ${hint}` : what),
  });
}

/** An `{"error": "..."}` object in a 2xx body or mid-stream: the model failed while generating. */
function inBodyError(text: string, ep: ProviderEndpoint): ProviderError {
  return new ProviderError({ provider: ep.id, errorClass: 'server_error', message: `Provider '${ep.id}': ${safeDetail(text, ep, MAX_DETAIL_CHARS)}` });
}

function errorMessageFrom(bodyText: string): string | undefined {
  const body = parseJsonOrUndefined(bodyText);
  return isRecord(body) && typeof body.error === 'string' && body.error.trim() !== '' ? body.error : undefined;
}

/** GET /api/tags: lists the local models, loading none. */
function buildProbeRequest(ep: ProviderEndpoint): ProbeRequestSpec {
  const headers: Record<string, string> = { ...ep.headers };
  if (ep.apiKey) headers.Authorization = `Bearer ${ep.apiKey}`;
  return { url: `${ep.baseUrl}/api/tags`, headers };
}
