import { z } from 'zod';
import { textPartsJoined } from '../../engine/chatContent';
import { ChatInputError } from '../../engine/chatInput/chatInputError';
import { jsonSchemaObject } from '../../engine/chatInput/jsonSchema';
import { refuseDuplicateNames, toolName } from '../../engine/chatInput/openaiMessages';
import type { ChatMessage, ChatRequest, ContentPart, ImagePart, ReasoningPart, TextPart, ToolChoice, ToolDefinition, ToolResultPart } from '../../engine/types';
import type { ParsedChat } from '../chatDialect';
import { parseOrRefuse } from '../fieldPath';

/**
 * Anthropic Messages request → engine request, as the Messages API reference documents its body
 * (docs.anthropic.com/en/api/messages, tool use and vision pages, read 2026-12-03). Unknown keys such as
 * `cache_control` are dropped: the engine places its own cache breakpoints.
 */

const blockType = (names: string) => ({ error: `must be a content block of type ${names}` });

const textBlock = z.object({ type: z.literal('text'), text: z.string({ error: 'must be a string' }) });
const imageBlock = z.object({
  type: z.literal('image'),
  source: z.discriminatedUnion(
    'type',
    [
      z.object({
        type: z.literal('base64'),
        media_type: z.enum(['image/jpeg', 'image/png', 'image/gif', 'image/webp'], { error: 'must be image/jpeg, image/png, image/gif or image/webp' }),
        data: z.string({ error: 'must be base64 text' }).min(1, 'must not be empty'),
      }),
      z.object({ type: z.literal('url'), url: z.string().regex(/^https?:\/\//i, 'must be an http(s) URL') }),
    ],
    { error: "must have a type of 'base64' or 'url'" },
  ),
});
const toolResultBlock = z.object({
  type: z.literal('tool_result'),
  tool_use_id: z.string({ error: 'is required: the id of the tool_use block this answers' }).min(1, 'must not be empty'),
  content: z.union([z.string(), z.array(z.discriminatedUnion('type', [textBlock, imageBlock], blockType("'text' or 'image'")))], { error: 'must be a string or text and image blocks' }).optional(),
  is_error: z.boolean({ error: 'must be true or false' }).optional(),
});
const toolUseBlock = z.object({
  type: z.literal('tool_use'),
  id: z.string({ error: 'is required' }).min(1, 'must not be empty'),
  name: z.string({ error: 'is required' }).min(1, 'must not be empty'),
  input: z.record(z.string(), z.unknown(), { error: 'must be a JSON object' }),
});
const thinkingBlock = z.object({ type: z.literal('thinking'), thinking: z.string({ error: 'must be a string' }), signature: z.string().optional() });
const redactedThinkingBlock = z.object({ type: z.literal('redacted_thinking'), data: z.string() });

const userContent = z.union(
  [z.string(), z.array(z.discriminatedUnion('type', [textBlock, imageBlock, toolResultBlock], blockType("'text', 'image' or 'tool_result'")))],
  { error: 'must be a string or an array of content blocks' },
);
const assistantContent = z.union(
  [z.string(), z.array(z.discriminatedUnion('type', [textBlock, toolUseBlock, thinkingBlock, redactedThinkingBlock], blockType("'text', 'tool_use', 'thinking' or 'redacted_thinking'")))],
  { error: 'must be a string or an array of content blocks' },
);
const message = z.discriminatedUnion('role', [z.object({ role: z.literal('user'), content: userContent }), z.object({ role: z.literal('assistant'), content: assistantContent })], {
  error: "must have a role of 'user' or 'assistant'",
});

const tool = z.object({
  type: z.literal('custom', { error: "must be 'custom' or left out: server tools (web search, bash, …) are not served by this gateway" }).optional(),
  name: toolName,
  description: z.string({ error: 'must be a string' }).optional(),
  input_schema: jsonSchemaObject,
});
const toolChoice = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('auto') }),
    z.object({ type: z.literal('any') }),
    z.object({ type: z.literal('none') }),
    z.object({ type: z.literal('tool'), name: z.string({ error: 'is required: the tool to call' }) }),
  ],
  { error: "must have a type of 'auto', 'any', 'tool' or 'none'" },
);

const countBody = z.looseObject({
  model: z.string({ error: 'is required: "auto" or a provider id (GET /v1/models)' }).min(1),
  messages: z.array(message, { error: 'is required: an array of messages' }).min(1, 'needs at least one message'),
  system: z.union([z.string(), z.array(textBlock)], { error: 'must be a string or an array of text blocks' }).optional(),
  tools: z.array(tool, { error: 'must be an array of tools {"name", "description"?, "input_schema"}' }).optional(),
  tool_choice: toolChoice.optional(),
});

const messagesBody = countBody.extend({
  max_tokens: z.number({ error: 'is required: the maximum number of tokens to generate' }).int().positive(),
  stop_sequences: z.array(z.string()).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  stream: z.boolean().optional(),
});

type CountBody = z.output<typeof countBody>;
type Conversation = Pick<ChatRequest, 'system' | 'messages' | 'tools' | 'toolChoice'>;

/** Anthropic Messages request → engine request. */
export function parseMessages(body: unknown): ParsedChat {
  const b = parseOrRefuse(messagesBody, body);
  // Filled in place: spreading the conversation into a new literal cost ~20 µs a request (V8's slow clone path).
  const request: ChatRequest = conversation(b);
  request.maxTokens = b.max_tokens;
  request.temperature = b.temperature;
  request.topP = b.top_p;
  request.stop = b.stop_sequences;
  request.stream = b.stream === true;
  request.purpose = 'gateway';
  return { model: b.model, includeUsage: false, request };
}

/** The part of a count_tokens body the estimate reads: system, messages and tools. */
export function parseCountTokens(body: unknown): { model: string; request: Conversation } {
  const b = parseOrRefuse(countBody, body);
  return { model: b.model, request: conversation(b) };
}

function conversation(b: CountBody): Conversation {
  const tools = (b.tools ?? []).map((t): ToolDefinition => ({ name: t.name, ...(t.description !== undefined ? { description: t.description } : {}), parameters: t.input_schema }));
  refuseDuplicateNames(tools.map((t) => t.name), (i) => `tools[${i}].name`);
  const choice = b.tool_choice ? toToolChoice(b.tool_choice, tools) : undefined;
  const system = typeof b.system === 'string' ? b.system : b.system?.map((t) => t.text).join('\n\n');
  const out: Conversation = { system: system || undefined, messages: toMessages(b.messages).map(textPartsJoined) };
  if (tools.length > 0) out.tools = tools;
  if (tools.length > 0 && choice) out.toolChoice = choice;
  return out;
}

function toToolChoice(choice: NonNullable<CountBody['tool_choice']>, tools: readonly ToolDefinition[]): ToolChoice {
  switch (choice.type) {
    case 'auto':
    case 'none':
      return choice.type;
    case 'any':
      if (tools.length === 0) throw new ChatInputError('tool_choice.type', "is 'any' but the request defines no tools");
      return 'required';
    case 'tool':
      if (!tools.some((t) => t.name === choice.name)) throw new ChatInputError('tool_choice.name', `'${choice.name}' is not one of the request's tools`);
      return { name: choice.name };
  }
}

/** Anthropic's tool_result blocks (in the user turn) become a `tool` message before the rest of that turn. */
function toMessages(wire: CountBody['messages']): ChatMessage[] {
  const out: ChatMessage[] = [];
  const callIds = new Set<string>();
  wire.forEach((m, i) => {
    if (typeof m.content === 'string') {
      out.push({ role: m.role, content: m.content });
      return;
    }
    if (m.role === 'assistant') {
      const reasoning: ReasoningPart[] = [];
      const rest: ContentPart[] = [];
      for (const b of m.content) {
        if (b.type === 'text') rest.push({ type: 'text', text: b.text });
        else if (b.type === 'tool_use') {
          callIds.add(b.id);
          rest.push({ type: 'tool_call', id: b.id, name: b.name, arguments: b.input });
        } else if (b.type === 'thinking') {
          // A signature means Anthropic made it (the gateway gives other providers' reasoning none); only signed thinking goes back upstream.
          reasoning.push({ type: 'reasoning', text: b.thinking, ...(b.signature ? { signature: b.signature, provider: 'anthropic' as const } : {}) });
        }
        // redacted_thinking has no text the engine can carry; the turn stands without it.
      }
      out.push({ role: 'assistant', content: [...reasoning, ...rest] });
      return;
    }
    const results: ToolResultPart[] = [];
    const rest: (TextPart | ImagePart)[] = [];
    m.content.forEach((b, j) => {
      const at = `messages[${i}].content[${j}]`;
      if (b.type === 'tool_result') {
        if (!callIds.has(b.tool_use_id)) throw new ChatInputError(`${at}.tool_use_id`, `'${b.tool_use_id}' answers no tool_use block of an earlier assistant message`);
        const content = typeof b.content === 'string' || b.content === undefined ? (b.content ?? '') : b.content.map(toPart);
        results.push({ type: 'tool_result', callId: b.tool_use_id, content, ...(b.is_error !== undefined ? { isError: b.is_error } : {}) });
      } else rest.push(toPart(b));
    });
    if (results.length > 0) out.push({ role: 'tool', content: results });
    if (rest.length > 0 || results.length === 0) out.push({ role: 'user', content: rest });
  });
  return out;
}

function toPart(b: z.output<typeof textBlock> | z.output<typeof imageBlock>): TextPart | ImagePart {
  if (b.type === 'text') return { type: 'text', text: b.text };
  const s = b.source;
  return { type: 'image', source: s.type === 'base64' ? { kind: 'base64', mediaType: s.media_type, data: s.data } : { kind: 'url', url: s.url } };
}
