import { messageParts, toolCallsOf, toolResultText } from '../chatContent';
import { ProviderError, type ErrorClass } from '../errors';
import { retryAfterMsFromHeaders } from '../http/retryAfter';
import type { ChatMessage, ChatRequest, ContentPart, FinishReason, ParsedCompletion, ReasoningPart, StreamEvent, ToolCall, ToolChoice, Usage } from '../types';
import type { FramedEvent, HttpRequestSpec, ProbeRequestSpec, ProviderAdapter, ProviderEndpoint, ResponseHeaders } from './adapter';
import { applyProviderOptions, type OwnedFields } from './providerOptions';
import {
  isRecord,
  type JsonRecord,
  malformedResponse,
  nonJsonBodyError,
  parseJsonFrame,
  parseJsonOrUndefined,
  providerMessage,
  reportedUsage,
  safeDetail,
  tokenCount,
} from './wireText';

/**
 * Google Gemini API (generativelanguage v1beta): models.generateContent and
 * models.streamGenerateContent?alt=sse. Each SSE frame is a whole GenerateContentResponse and
 * there is no end marker, so the chunk carrying a finishReason ends the stream.
 */

const API_VERSION = 'v1beta';

function modelPath(model: string): string {
  const id = model.startsWith('models/') ? model.slice('models/'.length) : model;
  return `models/${encodeURIComponent(id)}`;
}

/** Accepts a configured base URL that already names an API version, as copied from Google's docs. */
function versionedBase(baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  return /\/v1(alpha|beta)?$/.test(base) ? base : `${base}/${API_VERSION}`;
}

/** Google's JSON parser also accepts a proto field's snake_case name, so both spellings are owned. */
const ownedFields: OwnedFields = { model: 'model', contents: 'messages', systemInstruction: 'system', system_instruction: 'system' };

function buildBody(req: ChatRequest, ep: ProviderEndpoint): JsonRecord {
  const body: JsonRecord = { contents: toContents(req.messages, ep, requiresCallSignatures(req.model ?? ep.model)) };
  if (req.tools && req.tools.length > 0) {
    body.tools = [{ functionDeclarations: req.tools.map((t) => ({ name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.parameters })) }];
    if (req.toolChoice) body.toolConfig = { functionCallingConfig: toFunctionCallingConfig(req.toolChoice) };
  }
  if (req.system) body.systemInstruction = { parts: [{ text: req.system }] };
  const generationConfig: JsonRecord = {};
  if (req.temperature !== undefined) generationConfig.temperature = req.temperature;
  if (req.topP !== undefined) generationConfig.topP = req.topP;
  if (req.maxTokens !== undefined) generationConfig.maxOutputTokens = req.maxTokens;
  if (req.stop && req.stop.length > 0) generationConfig.stopSequences = req.stop;
  if (req.responseFormat) {
    generationConfig.responseMimeType = 'application/json';
    generationConfig.responseSchema = req.responseFormat.schema;
  }
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
  return applyProviderOptions(body, req.providerOptions, ownedFields, ep);
}

/**
 * Neutral messages → Gemini contents: the assistant is `model`; tool results go back as functionResponse parts
 * in a user turn, matched to their call by name (Gemini has no call ids); same-role turns are merged.
 */
function toContents(messages: ChatMessage[], ep: ProviderEndpoint, signCalls: boolean): JsonRecord[] {
  const names = new Map<string, string>();
  for (const m of messages) for (const c of toolCallsOf(m)) names.set(c.id, c.name);
  const contents: { role: string; parts: JsonRecord[] }[] = [];
  for (const m of messages) {
    const parts = messageParts(m).flatMap((p) => toWireParts(p, names, ep));
    if (parts.length === 0) continue;
    // Gemini signs only the first call of a step (parallel calls after it carry none), so that is the one checked.
    const firstCall = parts.find((p) => p.functionCall !== undefined);
    if (signCalls && firstCall && !parts.some((p) => p.functionCall !== undefined && p.thoughtSignature !== undefined)) firstCall.thoughtSignature = NO_SIGNATURE;
    const role = m.role === 'assistant' ? 'model' : 'user';
    const last = contents[contents.length - 1];
    if (last && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  }
  return contents;
}

/**
 * Gemini 3 and later refuse a replayed step of function calls whose first call lacks its thoughtSignature (400). Calls
 * another provider made, or whose signature was lost (a gateway restart), carry the value Google documents for exactly
 * that case (ai.google.dev/gemini-api/docs/thought-signatures, read 2026-12-04); a real signature is never replaced.
 */
const NO_SIGNATURE = 'skip_thought_signature_validator';

function requiresCallSignatures(model: string): boolean {
  const major = /^(?:models\/)?gemini-(\d+)/i.exec(model)?.[1];
  return major !== undefined && Number(major) >= 3;
}

function toWireParts(p: ContentPart, names: Map<string, string>, ep: ProviderEndpoint): JsonRecord[] {
  switch (p.type) {
    case 'text':
      return [{ text: p.text }];
    case 'image':
      if (p.source.kind === 'url') throw refused(ep, 'image URLs (Gemini takes images inline: send them as base64)');
      return [{ inlineData: { mimeType: p.source.mediaType, data: p.source.data } }];
    case 'tool_call':
      return [{ functionCall: { name: p.name, args: p.arguments }, ...(p.signature ? { thoughtSignature: p.signature } : {}) }];
    case 'tool_result': {
      const name = names.get(p.callId);
      if (!name) throw refused(ep, `a tool result for call '${p.callId}', which no earlier assistant message made (Gemini matches results to calls by name)`);
      return [{ functionResponse: { name, response: p.isError ? { error: toolResultText(p) } : { result: toolResultText(p) } } }];
    }
    case 'reasoning':
      // Only Gemini's own signed thoughts go back; other providers' reasoning is dropped.
      return p.provider === 'gemini' && p.signature ? [{ text: p.text, thought: true, thoughtSignature: p.signature }] : [];
  }
}

function toFunctionCallingConfig(choice: ToolChoice): JsonRecord {
  if (choice === 'auto') return { mode: 'AUTO' };
  if (choice === 'none') return { mode: 'NONE' };
  if (choice === 'required') return { mode: 'ANY' };
  return { mode: 'ANY', allowedFunctionNames: [choice.name] };
}

function refused(ep: ProviderEndpoint, what: string): ProviderError {
  return new ProviderError({ provider: ep.id, errorClass: 'bad_request', message: providerMessage(ep, `cannot send ${what}`) });
}

const CONTENT_FILTER_REASONS = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

function mapFinishReason(reason: string): FinishReason {
  if (reason === 'STOP') return 'stop';
  if (reason === 'MAX_TOKENS') return 'length';
  if (CONTENT_FILTER_REASONS.has(reason)) return 'content_filter';
  return 'other';
}

function usageFromMetadata(meta: unknown): Partial<Usage> | undefined {
  if (!isRecord(meta)) return undefined;
  return reportedUsage({
    // promptTokenCount already includes cachedContentTokenCount; tool-use prompt tokens are billed as input.
    inputTokens: sumOfReported(tokenCount(meta.promptTokenCount), tokenCount(meta.toolUsePromptTokenCount)),
    // Thinking tokens are not in candidatesTokenCount but are billed at the output rate.
    outputTokens: sumOfReported(tokenCount(meta.candidatesTokenCount), tokenCount(meta.thoughtsTokenCount)),
    cachedInputTokens: tokenCount(meta.cachedContentTokenCount),
  });
}

function sumOfReported(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0);
}

function blockedPrompt(feedback: unknown, ep: ProviderEndpoint): ProviderError | undefined {
  if (!isRecord(feedback) || typeof feedback.blockReason !== 'string') return undefined;
  const detail = typeof feedback.blockReasonMessage === 'string' ? `: ${safeDetail(feedback.blockReasonMessage, ep)}` : '';
  return new ProviderError({
    provider: ep.id,
    errorClass: 'content_policy',
    message: `Provider '${ep.id}': prompt blocked (${feedback.blockReason})${detail}`,
    providerCode: feedback.blockReason,
  });
}

interface ChunkParts {
  text: string;
  toolCalls: ToolCall[];
  reasoning: ReasoningPart[];
  finishReason?: FinishReason;
  usage?: Partial<Usage>;
  model?: string;
}

/** Reads one GenerateContentResponse (a whole body or one stream chunk). */
function readResponse(body: unknown, ep: ProviderEndpoint): ChunkParts {
  if (!isRecord(body)) throw malformedResponse(ep, 'expected a JSON object');
  // An error inside a 200 body without its own code is the server's failure, not ours.
  if (isRecord(body.error)) throw classify(500, body.error, {}, ep);
  const candidates = body.candidates;
  if (candidates !== undefined && !Array.isArray(candidates)) throw malformedResponse(ep, 'candidates is not an array');
  const first: unknown = Array.isArray(candidates) ? candidates[0] : undefined;
  if (first === undefined) {
    const blocked = blockedPrompt(body.promptFeedback, ep);
    if (blocked) throw blocked;
  }
  if (first !== undefined && !isRecord(first)) throw malformedResponse(ep, 'candidate is not an object');

  let text = '';
  const toolCalls: ToolCall[] = [];
  const reasoning: ReasoningPart[] = [];
  const parts = isRecord(first?.content) ? first.content.parts : undefined;
  if (Array.isArray(parts)) {
    for (const part of parts) {
      if (!isRecord(part)) continue;
      const signature = typeof part.thoughtSignature === 'string' ? part.thoughtSignature : undefined;
      if (isRecord(part.functionCall)) {
        toolCalls.push(toolCallFrom(part.functionCall, signature, ep));
        continue;
      }
      // Thought summaries (includeThoughts) are reasoning, not the answer.
      if (part.thought === true) reasoning.push({ type: 'reasoning', text: typeof part.text === 'string' ? part.text : '', ...(signature ? { signature } : {}), provider: 'gemini' });
      else if (typeof part.text === 'string') text += part.text;
    }
  }
  const reason = first?.finishReason;
  const out: ChunkParts = { text, toolCalls, reasoning };
  if (typeof reason === 'string' && reason !== '' && reason !== 'FINISH_REASON_UNSPECIFIED') {
    out.finishReason = mapFinishReason(reason);
  }
  const usage = usageFromMetadata(body.usageMetadata);
  if (usage) out.usage = usage;
  if (typeof body.modelVersion === 'string' && body.modelVersion !== '') out.model = body.modelVersion;
  return out;
}

/** Gemini gives no call id (or an optional one): the transport generates a unique one where it is missing. */
function toolCallFrom(call: JsonRecord, signature: string | undefined, ep: ProviderEndpoint): ToolCall {
  if (typeof call.name !== 'string' || call.name === '') throw malformedResponse(ep, 'a functionCall without a name');
  const args = call.args === undefined ? {} : call.args;
  if (!isRecord(args)) throw malformedResponse(ep, `functionCall '${call.name}' with args that are not an object`);
  return { id: typeof call.id === 'string' ? call.id : '', name: call.name, arguments: args, ...(signature ? { signature } : {}) };
}

function parseCompletion(body: unknown, ep: ProviderEndpoint): ParsedCompletion {
  const r = readResponse(body, ep);
  if (isRecord(body) && (!Array.isArray(body.candidates) || body.candidates.length === 0)) {
    throw malformedResponse(ep, 'no candidates and no block reason');
  }
  const parsed: ParsedCompletion = { text: r.text };
  if (r.toolCalls.length > 0) parsed.toolCalls = r.toolCalls;
  if (r.reasoning.length > 0) parsed.reasoning = r.reasoning;
  if (r.model) parsed.model = r.model;
  if (r.usage) parsed.usage = r.usage;
  if (r.finishReason) parsed.finishReason = r.finishReason;
  return parsed;
}

function parseStreamEvent(ev: FramedEvent, ep: ProviderEndpoint): StreamEvent[] {
  const data = ev.data.trim();
  if (data === '') return [];
  const r = readResponse(parseJsonFrame(data, ep, 'stream chunk is not JSON'), ep);
  const events: StreamEvent[] = [];
  if (r.model) events.push({ type: 'model', model: r.model });
  if (r.text !== '') events.push({ type: 'text', text: r.text });
  for (const part of r.reasoning) events.push({ type: 'reasoning', part });
  for (const call of r.toolCalls) events.push({ type: 'tool_call', call });
  if (r.usage) events.push({ type: 'usage', usage: r.usage });
  if (r.finishReason) events.push({ type: 'finish', reason: r.finishReason }, { type: 'end' });
  return events;
}

/** A google.protobuf.Duration in JSON form ("30s", "1.5s") in milliseconds. */
export function durationToMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
  return m ? Math.round(Number(m[1]) * 1000) : undefined;
}

function retryInfoMs(details: unknown): number | undefined {
  if (!Array.isArray(details)) return undefined;
  for (const d of details) {
    if (isRecord(d) && typeof d['@type'] === 'string' && d['@type'].endsWith('google.rpc.RetryInfo')) {
      const ms = durationToMs(d.retryDelay);
      if (ms !== undefined) return ms;
    }
  }
  return undefined;
}

/** A proxy may add a Retry-After header to Google's RetryInfo; honouring the longer one never calls too early. */
function longerWait(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Math.max(a, b);
}

function errorInfoReason(details: unknown): string | undefined {
  if (!Array.isArray(details)) return undefined;
  for (const d of details) {
    if (isRecord(d) && typeof d['@type'] === 'string' && d['@type'].endsWith('google.rpc.ErrorInfo')) {
      if (typeof d.reason === 'string') return d.reason;
    }
  }
  return undefined;
}

const STATUS_CLASSES: Record<string, ErrorClass> = {
  INVALID_ARGUMENT: 'bad_request',
  FAILED_PRECONDITION: 'bad_request',
  OUT_OF_RANGE: 'bad_request',
  UNAUTHENTICATED: 'auth',
  PERMISSION_DENIED: 'auth',
  NOT_FOUND: 'not_found',
  RESOURCE_EXHAUSTED: 'rate_limited',
  INTERNAL: 'server_error',
  UNKNOWN: 'server_error',
  ABORTED: 'server_error',
  DATA_LOSS: 'server_error',
  UNAVAILABLE: 'overloaded',
  DEADLINE_EXCEEDED: 'timeout',
};

function classByHttpStatus(status: number): ErrorClass {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 413) return 'context_length';
  if (status === 429) return 'rate_limited';
  if (status === 503 || status === 529) return 'overloaded';
  if (status >= 500) return 'server_error';
  return 'bad_request';
}

const CONTEXT_LENGTH_RE = /input token count.*exceeds|exceeds the maximum number of tokens|context (window|length)/i;

function classOf(status: number, googleStatus: string | undefined, message: string, details: unknown): ErrorClass {
  const byStatus = googleStatus ? STATUS_CLASSES[googleStatus] : undefined;
  const cls = byStatus ?? classByHttpStatus(status);
  if (cls === 'bad_request') {
    // Google answers a wrong key with 400 INVALID_ARGUMENT + ErrorInfo API_KEY_INVALID, not 401.
    if (errorInfoReason(details) === 'API_KEY_INVALID' || /api key not (valid|found)/i.test(message)) return 'auth';
    if (CONTEXT_LENGTH_RE.test(message)) return 'context_length';
  }
  return cls;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Classifies a google.rpc.Status error object (`{code, message, status, details}`). */
function classify(httpStatus: number, err: JsonRecord, headers: ResponseHeaders, ep: ProviderEndpoint): ProviderError {
  const status = num(err.code) ?? httpStatus;
  const googleStatus = typeof err.status === 'string' && err.status !== '' ? err.status : undefined;
  const message = typeof err.message === 'string' ? err.message : '';
  const errorClass = classOf(status, googleStatus, message, err.details);
  const head = [status, googleStatus].filter((p) => p !== undefined).join(' ');
  return new ProviderError({
    provider: ep.id,
    errorClass,
    status,
    message: providerMessage(ep, head, safeDetail(message, ep)),
    retryAfterMs: longerWait(retryInfoMs(err.details), retryAfterMsFromHeaders(headers)),
    providerCode: googleStatus,
  });
}

function errorObject(json: unknown): JsonRecord | undefined {
  // Some Google front ends wrap the error in a one-element array.
  const candidate = Array.isArray(json) ? json[0] : json;
  return isRecord(candidate) && isRecord(candidate.error) ? candidate.error : undefined;
}

function parseError(status: number, bodyText: string, headers: ResponseHeaders, ep: ProviderEndpoint): ProviderError {
  const err = errorObject(parseJsonOrUndefined(bodyText));
  if (err) return classify(status, { ...err, code: status }, headers, ep);
  return nonJsonBodyError(ep, status, bodyText, headers, classByHttpStatus(status));
}

function buildRequest(req: ChatRequest, ep: ProviderEndpoint, stream: boolean): HttpRequestSpec {
  const method = stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
  const headers: Record<string, string> = { 'content-type': 'application/json', ...ep.headers };
  // The key goes in a header, never the query string, because URLs end up in logs.
  if (ep.apiKey) headers['x-goog-api-key'] = ep.apiKey;
  return {
    url: `${versionedBase(ep.baseUrl)}/${modelPath(req.model ?? ep.model)}:${method}`,
    headers,
    body: buildBody(req, ep),
  };
}

export const geminiAdapter: ProviderAdapter = {
  kind: 'gemini',
  defaultBaseUrl: 'https://generativelanguage.googleapis.com',
  requiresKey: true,
  streamFraming: 'sse',
  ownedFields,
  buildRequest,
  buildProbe: buildProbeRequest,
  parseCompletion,
  parseStreamEvent,
  parseError,
};

/** GET /v1beta/models: lists the models the key may use, spending no tokens. */
function buildProbeRequest(ep: ProviderEndpoint): ProbeRequestSpec {
  const headers: Record<string, string> = { ...ep.headers };
  if (ep.apiKey) headers['x-goog-api-key'] = ep.apiKey;
  return { url: `${versionedBase(ep.baseUrl)}/models`, headers };
}
