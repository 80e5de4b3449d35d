import { z } from 'zod';
import type { ChatMessage, ContentPart, ImageSource, ResponseFormat, TextPart, ToolChoice, ToolDefinition } from '../types';
import { ChatInputError, fieldPath, reportedIssue } from './chatInputError';
import { jsonSchemaObject } from './jsonSchema';

/**
 * The OpenAI Chat Completions `messages` format (the de facto interchange format) → the neutral model.
 * Shared by `ask --messages` and the gateway; every problem is a ChatInputError naming its field.
 */

const textPart = z.object({ type: z.literal('text'), text: z.string({ error: 'must be a string' }) });
const imagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.object({ url: z.string({ error: 'must be a URL or a data: URL' }).min(1), detail: z.string().optional() }),
});
const refusalPart = z.object({ type: z.literal('refusal'), refusal: z.string() });
const userPart = z.discriminatedUnion('type', [textPart, imagePart], { error: "must be a content part of type 'text' or 'image_url'" });
const assistantPart = z.discriminatedUnion('type', [textPart, refusalPart], { error: "must be a content part of type 'text' or 'refusal'" });

const toolCall = z.object({
  id: z.string({ error: 'is required: the call id that the tool message answers' }).min(1, 'must not be empty'),
  type: z.literal('function', { error: "must be 'function'" }).optional(),
  function: z.object({ name: z.string({ error: 'is required' }).min(1, 'must not be empty'), arguments: z.string({ error: 'must be a JSON string' }) }),
});

const message = z.discriminatedUnion(
  'role',
  [
    z.object({ role: z.enum(['system', 'developer']), content: z.union([z.string(), z.array(textPart)], { error: 'must be a string or text parts' }) }),
    z.object({ role: z.literal('user'), content: z.union([z.string(), z.array(userPart)], { error: 'must be a string or an array of content parts' }) }),
    z.object({
      role: z.literal('assistant'),
      content: z.union([z.string(), z.array(assistantPart)], { error: 'must be a string, text parts or null' }).nullish(),
      tool_calls: z.array(toolCall).optional(),
    }),
    z.object({
      role: z.literal('tool'),
      tool_call_id: z.string({ error: 'is required: the id of the assistant tool call this answers' }).min(1, 'must not be empty'),
      content: z.union([z.string(), z.array(textPart)], { error: 'must be a string or text parts' }),
    }),
  ],
  { error: 'must have a role of system, developer, user, assistant or tool' },
);
const messages = z.array(message, { error: 'must be an array of messages' }).min(1, 'needs at least one message');

/** A tool name every provider accepts, so a conversation can fall back from one to another. */
export const toolName = z
  .string({ error: 'is required' })
  .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, underscores or hyphens (what every provider accepts)');

const toolDefinition = z.object({
  name: toolName,
  description: z.string({ error: 'must be a string' }).optional(),
  parameters: jsonSchemaObject,
});
const toolDefinitions = z.array(toolDefinition, { error: 'must be a JSON array of {"name", "description"?, "parameters"}' });

/** The Chat Completions request's `tools`: function tools, whose `parameters` may be left out (no arguments). */
const wireTools = z.array(
  z.object({
    type: z.literal('function', { error: "must be 'function' (the only tool type that every provider can serve)" }),
    function: toolDefinition.extend({ parameters: jsonSchemaObject.optional(), strict: z.boolean().nullish() }),
  }),
  { error: 'must be an array of {"type": "function", "function": {"name", "description"?, "parameters"?}}' },
);

const wireToolChoice = z.union(
  [z.enum(['auto', 'none', 'required']), z.object({ type: z.literal('function'), function: z.object({ name: z.string({ error: 'is required' }) }) })],
  { error: `must be 'auto', 'none', 'required' or {"type": "function", "function": {"name"}}` },
);

const wireResponseFormat = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('text') }),
    z.object({ type: z.literal('json_object') }),
    z.object({
      type: z.literal('json_schema'),
      json_schema: z.object(
        { name: z.string({ error: 'is required' }).min(1, 'must not be empty'), description: z.string().optional(), schema: jsonSchemaObject.optional(), strict: z.boolean().nullish() },
        { error: 'is required: {"name", "schema", "strict"?}' },
      ),
    }),
  ],
  { error: "must have a type of 'text', 'json_object' or 'json_schema'" },
);

/** What the answer to a function without parameters is called with. */
const NO_PARAMETERS = { type: 'object', properties: {} };

function parse<T extends z.ZodType>(schema: T, value: unknown, root: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = reportedIssue(parsed.error.issues);
  throw new ChatInputError(fieldPath([root, ...issue.path]), issue.message);
}

export interface ParsedConversation {
  system?: string;
  messages: ChatMessage[];
}

/** Chat Completions messages → system prompt and neutral messages (a tool result must answer an earlier call). */
export function parseOpenAiMessages(value: unknown, root = 'messages'): ParsedConversation {
  const wire = parse(messages, value, root);
  const system: string[] = [];
  const out: ChatMessage[] = [];
  const callIds = new Set<string>();
  wire.forEach((m, i) => {
    const at = `${root}[${i}]`;
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push(typeof m.content === 'string' ? m.content : m.content.map((p) => p.text).join(''));
        return;
      case 'user':
        out.push({ role: 'user', content: typeof m.content === 'string' ? m.content : m.content.map((p, j) => userContent(p, `${at}.content[${j}]`)) });
        return;
      case 'assistant': {
        const text = typeof m.content === 'string' ? m.content : (m.content ?? []).map((p) => (p.type === 'text' ? p.text : p.refusal)).join('');
        const calls = (m.tool_calls ?? []).map((c, j): ContentPart => {
          callIds.add(c.id);
          return { type: 'tool_call', id: c.id, name: c.function.name, arguments: toolArguments(c.function.arguments, `${at}.tool_calls[${j}].function.arguments`) };
        });
        out.push({ role: 'assistant', content: calls.length === 0 ? text : [...(text ? [{ type: 'text' as const, text }] : []), ...calls] });
        return;
      }
      case 'tool': {
        if (!callIds.has(m.tool_call_id)) throw new ChatInputError(`${at}.tool_call_id`, `'${m.tool_call_id}' answers no tool call of an earlier assistant message`);
        const content = typeof m.content === 'string' ? m.content : m.content.map((p): TextPart => ({ type: 'text', text: p.text }));
        out.push({ role: 'tool', content: [{ type: 'tool_result', callId: m.tool_call_id, content }] });
        return;
      }
    }
  });
  if (out.length === 0) throw new ChatInputError(root, 'needs at least one user or assistant message');
  return { ...(system.length > 0 ? { system: system.join('\n\n') } : {}), messages: out };
}

/** A JSON array of tool definitions `{name, description?, parameters}`, names unique. */
export function parseToolDefinitions(value: unknown, root = 'tools'): ToolDefinition[] {
  const tools = parse(toolDefinitions, value, root);
  refuseDuplicateNames(tools.map((t) => t.name), (i) => `${root}[${i}].name`);
  return tools.map((t) => ({ name: t.name, ...(t.description !== undefined ? { description: t.description } : {}), parameters: t.parameters }));
}

/** The `tools` of a Chat Completions request (`{"type": "function", "function": {…}}` each), names unique. */
export function parseOpenAiTools(value: unknown, root = 'tools'): ToolDefinition[] {
  const tools = parse(wireTools, value, root).map((t) => t.function);
  refuseDuplicateNames(tools.map((t) => t.name), (i) => `${root}[${i}].function.name`);
  return tools.map((t) => ({ name: t.name, ...(t.description !== undefined ? { description: t.description } : {}), parameters: t.parameters ?? NO_PARAMETERS }));
}

/** A Chat Completions `tool_choice`; a named function must be one of `tools`, and only `auto`/`none` make sense without tools. */
export function parseOpenAiToolChoice(value: unknown, tools: readonly ToolDefinition[], root = 'tool_choice'): ToolChoice {
  const choice = parse(wireToolChoice, value, root);
  if (typeof choice === 'string') {
    if (choice === 'required' && tools.length === 0) throw new ChatInputError(root, "is 'required' but the request defines no tools");
    return choice;
  }
  const name = choice.function.name;
  if (!tools.some((t) => t.name === name)) throw new ChatInputError(`${root}.function.name`, `'${name}' is not one of the request's tools`);
  return { name };
}

/** A Chat Completions `response_format`: undefined for plain text; `json_object` becomes a schema that only asks for an object. */
export function parseOpenAiResponseFormat(value: unknown, root = 'response_format'): ResponseFormat | undefined {
  const format = parse(wireResponseFormat, value, root);
  if (format.type === 'text') return undefined;
  if (format.type === 'json_object') return { type: 'json_schema', name: 'json_object', schema: { type: 'object' } };
  const { name, schema, strict } = format.json_schema;
  return { type: 'json_schema', name, schema: schema ?? { type: 'object' }, ...(typeof strict === 'boolean' ? { strict } : {}) };
}

export function refuseDuplicateNames(names: readonly string[], fieldOf: (index: number) => string): void {
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (seen.has(name)) throw new ChatInputError(fieldOf(i), `'${name}' is defined twice`);
    seen.add(name);
  });
}

/** A JSON Schema the answer must match → structured output. */
export function parseResponseSchema(value: unknown, root = 'schema'): ResponseFormat {
  return { type: 'json_schema', schema: parse(jsonSchemaObject, value, root) };
}

function userContent(p: z.infer<typeof userPart>, at: string): ContentPart {
  if (p.type === 'text') return { type: 'text', text: p.text };
  return { type: 'image', source: imageSource(p.image_url.url, `${at}.image_url.url`) };
}

const DATA_URL = /^data:(image\/[a-z0-9.+-]+);base64,([A-Za-z0-9+/=\s]+)$/i;

/** An image URL as OpenAI's formats take it: a base64 `data:image/…` URL or an http(s) URL; `at` names the field. */
export function imageSource(url: string, at: string): ImageSource {
  if (url.startsWith('data:')) {
    const m = DATA_URL.exec(url);
    if (!m) throw new ChatInputError(at, 'must be a data:image/<type>;base64,… URL');
    return { kind: 'base64', mediaType: m[1].toLowerCase(), data: m[2].replace(/\s+/g, '') };
  }
  if (!/^https?:\/\//i.test(url)) throw new ChatInputError(at, 'must be an http(s) URL or a data: URL');
  return { kind: 'url', url };
}

/** Tool-call arguments sent as a JSON string (empty means none); `at` names the field. */
export function toolArguments(text: string, at: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ChatInputError(at, 'must be a JSON object encoded as a string');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ChatInputError(at, 'must encode a JSON object');
  return value as Record<string, unknown>;
}
