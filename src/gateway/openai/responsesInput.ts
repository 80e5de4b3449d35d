import { z } from 'zod';
import { messageParts } from '../../engine/chatContent';
import { ChatInputError } from '../../engine/chatInput/chatInputError';
import { imageSource, toolArguments } from '../../engine/chatInput/openaiMessages';
import type { ChatMessage, ContentPart, ImagePart, TextPart, ToolResultPart } from '../../engine/types';
import { parseOrRefuse } from '../fieldPath';
import { CUSTOM_INPUT } from './responsesTools';

/**
 * The Responses API `input` → system prompt and neutral messages, as the openai npm client 6.30.1 types the input
 * items (resources/responses/responses.d.ts: EasyInputMessage, ResponseInputItem), read 2026-12-04.
 * Items come one per message, call or result; the neutral model wants one assistant turn holding its text and
 * calls, and one tool message holding the results that answer them, so consecutive items are joined.
 */

const part = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('input_text'), text: z.string({ error: 'must be a string' }) }),
    z.object({ type: z.literal('output_text'), text: z.string({ error: 'must be a string' }) }),
    z.object({ type: z.literal('refusal'), refusal: z.string({ error: 'must be a string' }) }),
    z.object({ type: z.literal('input_image'), image_url: z.string({ error: 'must be a URL or a data: URL' }).nullish(), file_id: z.string().nullish() }),
    z.object({ type: z.literal('input_file') }),
  ],
  { error: "must be a content part of type 'input_text', 'output_text', 'input_image' or 'refusal'" },
);
type Part = z.output<typeof part>;
const content = z.union([z.string(), z.array(part)], { error: 'must be a string or an array of content parts' });

/** Records of what OpenAI's hosted tools did; the gateway serves none of those tools (responsesTools.ts), so they are left out. */
const HOSTED_CALL_ITEMS = ['web_search_call', 'file_search_call', 'code_interpreter_call', 'image_generation_call', 'mcp_call', 'mcp_list_tools', 'tool_search_call'] as const;

const item = z.discriminatedUnion(
  'type',
  [
    z.object({
      type: z.literal('message'),
      role: z.enum(['user', 'assistant', 'system', 'developer'], { error: "must be 'user', 'assistant', 'system' or 'developer'" }),
      content,
    }),
    z.object({
      type: z.literal('function_call'),
      call_id: z.string({ error: 'is required: the id a function_call_output answers' }).min(1, 'must not be empty'),
      name: z.string({ error: 'is required' }).min(1, 'must not be empty'),
      arguments: z.string({ error: 'must be a JSON string' }),
    }),
    z.object({
      type: z.literal('function_call_output'),
      call_id: z.string({ error: 'is required: the call_id of the function_call this answers' }).min(1, 'must not be empty'),
      output: content,
    }),
    z.object({
      type: z.literal('custom_tool_call'),
      call_id: z.string({ error: 'is required: the id a custom_tool_call_output answers' }).min(1, 'must not be empty'),
      name: z.string({ error: 'is required' }).min(1, 'must not be empty'),
      input: z.string({ error: 'must be a string' }),
    }),
    z.object({
      type: z.literal('custom_tool_call_output'),
      call_id: z.string({ error: 'is required: the call_id of the custom_tool_call this answers' }).min(1, 'must not be empty'),
      output: content,
    }),
    z.object({ type: z.literal('reasoning') }),
    z.object({ type: z.enum(HOSTED_CALL_ITEMS) }),
    z.object({ type: z.literal('item_reference') }),
  ],
  { error: "must be an input item of type 'message', 'function_call', 'function_call_output', 'custom_tool_call', 'custom_tool_call_output' or 'reasoning' (other tools' items are not served)" },
);

export interface ParsedInput {
  /** The text of system and developer messages, in order. */
  system: string[];
  messages: ChatMessage[];
}

/** `input` as a string (one user message) or input items; items without a type but with a role are messages. */
export function parseResponsesInput(input: string | unknown[]): ParsedInput {
  if (typeof input === 'string') return { system: [], messages: [{ role: 'user', content: input }] };
  const system: string[] = [];
  const out: ChatMessage[] = [];
  const callIds = new Set<string>();
  input.forEach((raw, i) => {
    const at = `input[${i}]`;
    const it = parseOrRefuse(item, withMessageType(raw), ['input', i]);
    switch (it.type) {
      case 'reasoning':
        // Reasoning items carry another model's thinking (often encrypted for OpenAI alone); the turn stands without it.
        return;
      case 'web_search_call':
      case 'file_search_call':
      case 'code_interpreter_call':
      case 'image_generation_call':
      case 'mcp_call':
      case 'mcp_list_tools':
      case 'tool_search_call':
        return;
      case 'item_reference':
        throw new ChatInputError(`${at}.type`, "'item_reference' points at a stored item: this gateway stores none, so send the item itself");
      case 'function_call':
        callIds.add(it.call_id);
        return appendToAssistant(out, [{ type: 'tool_call', id: it.call_id, name: it.name, arguments: toolArguments(it.arguments, `${at}.arguments`) }]);
      case 'custom_tool_call':
        callIds.add(it.call_id);
        return appendToAssistant(out, [{ type: 'tool_call', id: it.call_id, name: it.name, arguments: { [CUSTOM_INPUT]: it.input } }]);
      case 'function_call_output':
      case 'custom_tool_call_output': {
        const answered = it.type === 'function_call_output' ? 'function_call' : 'custom_tool_call';
        if (!callIds.has(it.call_id)) throw new ChatInputError(`${at}.call_id`, `'${it.call_id}' answers no ${answered} of an earlier item`);
        const output = typeof it.output === 'string' ? it.output : it.output.map((p, j) => resultPart(p, `${at}.output[${j}]`));
        return appendResult(out, { type: 'tool_result', callId: it.call_id, content: output });
      }
      case 'message': {
        const parts = typeof it.content === 'string' ? [{ type: 'text' as const, text: it.content }] : it.content.map((p, j) => messagePart(p, it.role, `${at}.content[${j}]`));
        if (it.role === 'system' || it.role === 'developer') system.push(parts.map((p) => (p.type === 'text' ? p.text : '')).join(''));
        else if (it.role === 'assistant') appendToAssistant(out, parts.filter((p) => p.type !== 'text' || p.text !== ''));
        else out.push({ role: 'user', content: typeof it.content === 'string' ? it.content : parts });
        return;
      }
    }
  });
  if (out.length === 0) throw new ChatInputError('input', 'needs at least one user or assistant message');
  return { system, messages: out };
}

function withMessageType(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || 'type' in raw || !('role' in raw)) return raw;
  return { ...raw, type: 'message' };
}

/** The assistant's text, then its calls, join the assistant turn just before them, if the last message is one. */
function appendToAssistant(out: ChatMessage[], parts: ContentPart[]): void {
  const last = out[out.length - 1];
  if (last?.role === 'assistant') last.content = [...messageParts(last), ...parts];
  else out.push({ role: 'assistant', content: parts });
}

function appendResult(out: ChatMessage[], result: ToolResultPart): void {
  const last = out[out.length - 1];
  if (last?.role === 'tool' && typeof last.content !== 'string') last.content.push(result);
  else out.push({ role: 'tool', content: [result] });
}

function messagePart(p: Part, role: 'user' | 'assistant' | 'system' | 'developer', at: string): TextPart | ImagePart {
  if (p.type === 'input_text' || p.type === 'output_text') return { type: 'text', text: p.text };
  if (p.type === 'refusal') {
    if (role !== 'assistant') throw new ChatInputError(`${at}.type`, "'refusal' parts belong to assistant messages");
    return { type: 'text', text: p.refusal };
  }
  if (p.type === 'input_file') throw fileRefused(at);
  if (role !== 'user') throw new ChatInputError(`${at}.type`, "'input_image' parts belong to user messages (or function_call_output)");
  return image(p, at);
}

function resultPart(p: Part, at: string): TextPart | ImagePart {
  if (p.type === 'input_text' || p.type === 'output_text') return { type: 'text', text: p.text };
  if (p.type === 'input_image') return image(p, at);
  if (p.type === 'input_file') throw fileRefused(at);
  throw new ChatInputError(`${at}.type`, "must be 'input_text' or 'input_image'");
}

function image(p: Extract<Part, { type: 'input_image' }>, at: string): ImagePart {
  if (p.file_id) throw new ChatInputError(`${at}.file_id`, 'is not served: this gateway has no file storage; send the image as image_url (a data: URL or an https URL)');
  if (!p.image_url) throw new ChatInputError(`${at}.image_url`, 'is required: a data: URL or an https URL');
  return { type: 'image', source: imageSource(p.image_url, `${at}.image_url`) };
}

function fileRefused(at: string): ChatInputError {
  return new ChatInputError(`${at}.type`, "'input_file' parts are not served by this gateway: send the file's text as input_text");
}
