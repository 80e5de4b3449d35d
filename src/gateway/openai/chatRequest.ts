import { z } from 'zod';
import type { ChatMessage } from '../../engine/types';
import type { ParsedChat } from '../chatDialect';
import { fieldPath, parseOrRefuse } from '../fieldPath';
import { invalidField, notSupportedYet } from '../gatewayError';

const contentPart = z.looseObject({ type: z.string() });
const message = z.looseObject({
  role: z.string(),
  content: z.union([z.string(), z.array(contentPart)], { error: 'must be a string or an array of content parts' }).nullish(),
});

const chatBody = z.looseObject({
  model: z.string({ error: 'is required: "auto" or a provider id (GET /v1/models)' }).min(1),
  messages: z.array(message, { error: 'is required: an array of messages' }).min(1, 'needs at least one message'),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)], { error: 'must be a string or an array of up to 4 strings' }).nullish(),
  n: z.literal(1, { error: 'only 1 is supported' }).nullish(),
});

const UNSUPPORTED_FIELDS: [string, string][] = [
  ['tools', 'tools'],
  ['tool_choice', 'tools'],
  ['functions', 'functions'],
  ['function_call', 'functions'],
  ['audio', 'audio outputs'],
];

/** OpenAI Chat Completions request → engine request (text only for now; tools and images come with full chat). */
export function parseChatCompletion(body: unknown): ParsedChat {
  const b = parseOrRefuse(chatBody, body);
  for (const [field, what] of UNSUPPORTED_FIELDS) {
    const v = b[field];
    if (v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0)) throw notSupportedYet(field, what);
  }
  const format = b.response_format as { type?: unknown } | null | undefined;
  if (format && format.type !== 'text') throw notSupportedYet('response_format', 'structured outputs (response_format)');

  const system: string[] = [];
  const messages: ChatMessage[] = [];
  b.messages.forEach((m, i) => {
    const at = `messages[${i}]`;
    if (m.role === 'system' || m.role === 'developer') {
      system.push(contentText(m.content, at));
      return;
    }
    if (m.role === 'tool' || m.role === 'function') throw notSupportedYet(`${at}.role`, 'tool results');
    if (m.role !== 'user' && m.role !== 'assistant') throw invalidField(`${at}.role`, `must be one of system, developer, user, assistant (got '${m.role}')`);
    if (m.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0) throw notSupportedYet(`${at}.tool_calls`, 'tool calls');
    messages.push({ role: m.role, content: contentText(m.content, at) });
  });
  if (messages.length === 0) throw invalidField('messages', 'needs at least one user or assistant message');

  const stream = b.stream === true;
  return {
    model: b.model,
    includeUsage: stream && b.stream_options?.include_usage === true,
    request: {
      system: system.length > 0 ? system.join('\n\n') : undefined,
      messages,
      temperature: b.temperature ?? undefined,
      topP: b.top_p ?? undefined,
      maxTokens: b.max_completion_tokens ?? b.max_tokens ?? undefined,
      stop: typeof b.stop === 'string' ? [b.stop] : (b.stop ?? undefined),
      stream,
      purpose: 'gateway',
    },
  };
}

function contentText(content: string | { type: string; [k: string]: unknown }[] | null | undefined, at: string): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part, j) => {
      const where = fieldPath([at, 'content', j]);
      if (part.type === 'text') {
        if (typeof part.text !== 'string') throw invalidField(`${where}.text`, 'must be a string');
        return part.text;
      }
      if (part.type === 'refusal') return typeof part.refusal === 'string' ? part.refusal : '';
      if (part.type === 'image_url') throw notSupportedYet(where, 'image parts');
      throw notSupportedYet(where, `'${part.type}' content parts`);
    })
    .join('');
}
