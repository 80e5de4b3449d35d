import type { EmulatedAnswer, EmulatedReply, MatchedRoute, WireFormat } from '../wireFormat';

/**
 * Function calling (functionDeclarations, functionCall/functionResponse parts, thoughtSignature, finishReason STOP)
 * as in ai.google.dev/gemini-api/docs/function-calling and /thought-signatures (read 2026-12-03).
 * Google Gemini API v1beta as the emulator speaks it: POST /v1beta/models/{model}:generateContent
 * and :streamGenerateContent?alt=sse. Google frames SSE with CRLF line endings and sends no end
 * marker; the last chunk carries finishReason and the totals in usageMetadata.
 * A 429 carries a RetryInfo detail; a fault's retryAfterSeconds still becomes a Retry-After header
 * (added by the server), which the adapter only uses when RetryInfo is absent.
 */

/** The RetryInfo delay a 429 body carries; Google sends it in the body rather than a Retry-After header. */
export const GEMINI_EMULATED_RETRY_DELAY_S = 0.05;

const PATH_RE = /^\/v1beta\/models\/(.+):(generateContent|streamGenerateContent)$/;

/** google.rpc.Code names by HTTP status, as in Google's API error model. */
const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export function googleStatusName(status: number): string {
  return STATUS_NAMES[status] ?? (status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION');
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function textsOf(content: unknown): string[] {
  if (!isObject(content) || !Array.isArray(content.parts)) return [];
  return content.parts.flatMap((p) => (isObject(p) && typeof p.text === 'string' ? [p.text] : []));
}

function usageMetadata(reply: EmulatedReply, outputTokens: number | undefined): Json {
  const { inputTokens, cachedInputTokens } = reply.usage;
  const meta: Json = { promptTokenCount: inputTokens };
  if (outputTokens !== undefined) meta.candidatesTokenCount = outputTokens;
  meta.totalTokenCount = inputTokens + (outputTokens ?? 0);
  if (cachedInputTokens > 0) meta.cachedContentTokenCount = cachedInputTokens;
  return meta;
}

let responseCounter = 0;
const responseId = () => `emu-${Date.now().toString(36)}-${(responseCounter++).toString(36)}`;

/** Emulated thought signature the first call carries, as Gemini 3 models send on function calls. */
export const GEMINI_EMULATED_SIGNATURE = 'CiQBemulatedThoughtSignature==';

/** Whole functionCall parts (Gemini never splits a call across chunks); no ids, as Gemini sends none. */
function functionCallParts(reply: EmulatedReply): Json[] {
  return (reply.toolCalls ?? []).map((c, i) => ({
    functionCall: { name: c.name, args: JSON.parse(c.arguments) as unknown },
    ...(i === 0 ? { thoughtSignature: GEMINI_EMULATED_SIGNATURE } : {}),
  }));
}

function response(reply: EmulatedReply, id: string, text: string, last: boolean, extraParts: Json[] = []): Json {
  const parts = [...(text !== '' || extraParts.length === 0 ? [{ text }] : []), ...extraParts];
  const candidate: Json = { content: { role: 'model', parts } };
  if (last) candidate.finishReason = reply.cutByLength ? 'MAX_TOKENS' : 'STOP';
  candidate.index = 0;
  return {
    candidates: [candidate],
    usageMetadata: usageMetadata(reply, last ? reply.usage.outputTokens : undefined),
    modelVersion: reply.model,
    responseId: id,
  };
}

const frame = (obj: unknown) => `data: ${JSON.stringify(obj)}\r\n\r\n`;

/**
 * Gemini 3 and later refuse a request whose current turn (since the last user text) has a model step whose first
 * functionCall lacks its thoughtSignature (ai.google.dev/gemini-api/docs/thought-signatures, read 2026-12-04).
 */
function missingCallSignature(body: unknown, _headers: unknown, route: MatchedRoute): string | undefined {
  const major = /^gemini-(\d+)/.exec(route.model ?? '')?.[1];
  if (major === undefined || Number(major) < 3) return undefined;
  const contents = ((body as Json | null)?.contents ?? []) as Array<{ role?: string; parts?: Json[] }>;
  let start = 0;
  contents.forEach((c, i) => {
    if (c.role === 'user' && (c.parts ?? []).some((p) => typeof p.text === 'string')) start = i + 1;
  });
  for (const c of contents.slice(start)) {
    const first = (c.parts ?? []).find((p) => p.functionCall !== undefined);
    if (c.role === 'model' && first && typeof first.thoughtSignature !== 'string') {
      return `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${(first.functionCall as Json).name}\`, position ${(c.parts ?? []).indexOf(first) + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`;
    }
  }
  return undefined;
}

export const geminiFormat: WireFormat = {
  kind: 'gemini',
  framing: 'sse',

  match(method: string, path: string, query: URLSearchParams): MatchedRoute | null {
    if (method !== 'POST') return null;
    const m = PATH_RE.exec(path);
    if (!m) return null;
    let model: string;
    try {
      model = decodeURIComponent(m[1]);
    } catch {
      return null;
    }
    const stream = m[2] === 'streamGenerateContent';
    // Without alt=sse Google streams a JSON array, which this emulator does not speak.
    if (stream && query.get('alt') !== 'sse') return null;
    return { stream, model };
  },

  rejectRequest: missingCallSignature,

  promptText(body: unknown): string {
    if (!isObject(body)) return '';
    const texts = textsOf(body.systemInstruction);
    if (Array.isArray(body.contents)) for (const c of body.contents) texts.push(...textsOf(c));
    return texts.join('\n');
  },

  completionBody(reply: EmulatedReply): unknown {
    return response(reply, responseId(), reply.text, true, functionCallParts(reply));
  },

  streamFrames(reply: EmulatedReply): string[] {
    const id = responseId();
    // The finish comes in its own last chunk (empty text, full usage), as Google often sends it,
    // so a stream cut after the last text chunk is still detectably incomplete.
    // With tool calls, one chunk of whole functionCall parts comes before it (Gemini never splits a call).
    const calls = functionCallParts(reply);
    return [
      ...reply.chunks.map((text) => frame(response(reply, id, text, false))),
      ...(calls.length > 0 ? [frame(response(reply, id, '', false, calls))] : []),
      frame(response(reply, id, '', true)),
    ];
  },

  errorBody(status: number, message: string): { body: unknown; headers?: Record<string, string> } {
    const name = googleStatusName(status);
    const error: Json = { code: status, message, status: name };
    if (status === 429) {
      error.details = [
        {
          '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
          violations: [
            {
              quotaMetric: 'generativelanguage.googleapis.com/generate_content_requests',
              quotaId: 'GenerateRequestsPerMinutePerProjectPerModel',
            },
          ],
        },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${GEMINI_EMULATED_RETRY_DELAY_S}s` },
      ];
    } else if (status === 400 && /api key/i.test(message)) {
      error.details = [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }];
    }
    return { body: { error } };
  },

  streamErrorFrame(message: string): string {
    return frame({ error: { code: 500, message, status: 'INTERNAL' } });
  },

  /** A response with no candidate and no promptFeedback. */
  emptyAnswer(reply) {
    return candidatelessAnswer(reply, {});
  },

  /** Google's answer to a blocked prompt: `promptFeedback.blockReason` and no `candidates`. */
  blockedPromptAnswer(reply) {
    return candidatelessAnswer(reply, {
      promptFeedback: {
        blockReason: 'SAFETY',
        safetyRatings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true }],
      },
    });
  },
};

function candidatelessAnswer(reply: EmulatedReply, extra: Json): EmulatedAnswer {
  const body = { ...extra, usageMetadata: usageMetadata(reply, undefined), modelVersion: reply.model, responseId: responseId() };
  return { body, frames: [frame(body)] };
}
