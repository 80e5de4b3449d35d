import { z } from 'zod';
import { textPartsJoined } from '../../engine/chatContent';
import { jsonSchemaObject } from '../../engine/chatInput/jsonSchema';
import type { ResponseFormat } from '../../engine/types';
import type { ParsedChat } from '../chatDialect';
import { parseOrRefuse } from '../fieldPath';
import { invalidField } from '../gatewayError';
import { parseResponsesInput } from './responsesInput';
import { parseResponsesTools, responsesToolChoice, toToolChoice, type EchoedTool } from './responsesTools';

/**
 * OpenAI Responses request (`POST /v1/responses`) → engine request, as the openai npm client 6.30.1 types its body
 * (ResponseCreateParamsBase, read 2026-12-04). Fields that only steer OpenAI's own servers (`include`, `service_tier`,
 * `truncation`, `text.verbosity`, `reasoning`, `prompt_cache_key`) are accepted and left out: the engine has no
 * setting for them, and sets its own prompt_cache_key where the provider takes one.
 */

const textFormat = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('text') }),
    z.object({ type: z.literal('json_object') }),
    z.object({
      type: z.literal('json_schema'),
      name: z.string({ error: 'is required' }).min(1, 'must not be empty'),
      description: z.string().nullish(),
      schema: jsonSchemaObject,
      strict: z.boolean().nullish(),
    }),
  ],
  { error: "must have a type of 'text', 'json_object' or 'json_schema'" },
);

const responsesBody = z.looseObject({
  model: z.string({ error: 'is required: "auto" or a provider id (GET /v1/models)' }).min(1),
  input: z.union([z.string(), z.array(z.unknown())], { error: 'is required: a string or an array of input items' }),
  instructions: z.string({ error: 'must be a string' }).nullish(),
  tools: z.array(z.unknown(), { error: 'must be an array of tools {"type": "function" | "custom", "name", …}' }).nullish(),
  tool_choice: responsesToolChoice.nullish(),
  // The engine cannot promise one call at a time on every provider; the field is accepted and the model decides.
  parallel_tool_calls: z.boolean().nullish(),
  text: z.looseObject({ format: textFormat.nullish() }).nullish(),
  max_output_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  stream: z.boolean().nullish(),
  store: z.boolean().nullish(),
  metadata: z.record(z.string(), z.string(), { error: 'must be an object of string values' }).nullish(),
  user: z.string().nullish(),
  prompt_cache_key: z.string().nullish(),
  reasoning: z.looseObject({ effort: z.string().nullish(), summary: z.string().nullish() }).nullish(),
});

/** Fields this gateway refuses by name rather than ignoring: each needs state kept on the server, which it has none of. */
const REFUSED_FIELDS: [string, string][] = [
  ['previous_response_id', 'is not served: this gateway stores no responses (store is always off); send the whole conversation in input'],
  ['conversation', 'is not served: this gateway stores no conversations; send the whole conversation in input'],
  ['prompt', 'stored prompt templates are not served: send instructions and input'],
  ['background', 'background responses are not served: this gateway keeps no responses to poll'],
  ['context_management', 'is not served: this gateway keeps no context to compact'],
];

/** The request's settings a Response object repeats back (the API returns the settings it answered with). */
export interface ResponseSettings {
  instructions: string | null;
  tools: EchoedTool[];
  /** Custom tools' names: their calls are answered as custom_tool_call items. */
  customTools: ReadonlySet<string>;
  toolChoice: unknown;
  parallelToolCalls: boolean;
  text: { format: unknown };
  maxOutputTokens: number | null;
  temperature: number | null;
  topP: number | null;
  metadata: Record<string, string>;
  reasoning: { effort: string | null; summary: string | null };
  user?: string;
  promptCacheKey?: string;
}

export interface ParsedResponse extends ParsedChat {
  settings: ResponseSettings;
}

export function parseResponsesRequest(body: unknown): ParsedResponse {
  const b = parseOrRefuse(responsesBody, body);
  for (const [field, why] of REFUSED_FIELDS) {
    const v = b[field];
    if (v !== undefined && v !== null && v !== false && !(Array.isArray(v) && v.length === 0)) throw invalidField(field, why);
  }
  if (Array.isArray(b.input) && b.input.length === 0) throw invalidField('input', 'needs at least one item');
  const { system, messages } = parseResponsesInput(b.input);
  const served = parseResponsesTools(b.tools ?? []);
  const { tools } = served;
  const choice = b.tool_choice ? toToolChoice(b.tool_choice, served) : undefined;
  const responseFormat = b.text?.format ? toResponseFormat(b.text.format) : undefined;
  const instructions = b.instructions ?? undefined;
  const systemText = [...(instructions ? [instructions] : []), ...system].join('\n\n');
  const stream = b.stream === true;
  return {
    model: b.model,
    includeUsage: false,
    ...(served.dropped.length > 0 ? { headers: { 'x-llm-router-dropped-tools': served.dropped.join(', ') } } : {}),
    request: {
      system: systemText || undefined,
      messages: messages.map(textPartsJoined),
      ...(tools.length > 0 ? { tools } : {}),
      ...(tools.length > 0 && choice ? { toolChoice: choice } : {}),
      ...(responseFormat ? { responseFormat } : {}),
      temperature: b.temperature ?? undefined,
      topP: b.top_p ?? undefined,
      maxTokens: b.max_output_tokens ?? undefined,
      stream,
      purpose: 'gateway',
    },
    settings: {
      instructions: b.instructions ?? null,
      tools: served.echoed,
      customTools: served.customNames,
      toolChoice: b.tool_choice ?? 'auto',
      parallelToolCalls: b.parallel_tool_calls ?? true,
      text: { format: b.text?.format ?? { type: 'text' } },
      maxOutputTokens: b.max_output_tokens ?? null,
      temperature: b.temperature ?? null,
      topP: b.top_p ?? null,
      metadata: b.metadata ?? {},
      reasoning: { effort: b.reasoning?.effort ?? null, summary: b.reasoning?.summary ?? null },
      ...(b.user ? { user: b.user } : {}),
      ...(b.prompt_cache_key ? { promptCacheKey: b.prompt_cache_key } : {}),
    },
  };
}

/** `text.format`: undefined for plain text; `json_object` becomes a schema that only asks for an object. */
function toResponseFormat(format: z.output<typeof textFormat>): ResponseFormat | undefined {
  if (format.type === 'text') return undefined;
  if (format.type === 'json_object') return { type: 'json_schema', name: 'json_object', schema: { type: 'object' } };
  return { type: 'json_schema', name: format.name, schema: format.schema, ...(typeof format.strict === 'boolean' ? { strict: format.strict } : {}) };
}
