import { z } from 'zod';
import type { ChatMessage, ChatRequest } from '../../engine/types';
import type { ParsedChat } from '../chatDialect';
import { parseOrRefuse } from '../fieldPath';
import { invalidField, notSupportedYet } from '../gatewayError';

const block = z.looseObject({ type: z.string() });
const content = z.union([z.string(), z.array(block)], { error: 'must be a string or an array of content blocks' });

const countBody = z.looseObject({
  model: z.string({ error: 'is required: "auto" or a provider id (GET /v1/models)' }).min(1),
  messages: z.array(z.looseObject({ role: z.enum(['user', 'assistant']), content }), { error: 'is required: an array of messages' }).min(1, 'needs at least one message'),
  system: content.optional(),
});

const messagesBody = countBody.extend({
  max_tokens: z.number({ error: 'is required: the maximum number of tokens to generate' }).int().positive(),
  stop_sequences: z.array(z.string()).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  stream: z.boolean().optional(),
});

type Blocks = z.output<typeof content>;

/** Anthropic Messages request → engine request (text only for now; tools and images come with full chat). */
export function parseMessages(body: unknown): ParsedChat {
  const b = parseOrRefuse(messagesBody, body);
  const { system, messages } = conversation(b);
  return {
    model: b.model,
    includeUsage: false,
    request: {
      system,
      messages,
      maxTokens: b.max_tokens,
      temperature: b.temperature,
      topP: b.top_p,
      stop: b.stop_sequences,
      stream: b.stream === true,
      purpose: 'gateway',
    },
  };
}

/** The part of a count_tokens body the estimate reads. */
export function parseCountTokens(body: unknown): { model: string; request: Pick<ChatRequest, 'system' | 'messages'> } {
  const b = parseOrRefuse(countBody, body);
  return { model: b.model, request: conversation(b) };
}

function conversation(b: z.output<typeof countBody>): Pick<ChatRequest, 'system' | 'messages'> {
  const tools = b.tools;
  if (Array.isArray(tools) ? tools.length > 0 : tools !== undefined) throw notSupportedYet('tools', 'tools');
  if (b.tool_choice !== undefined) throw notSupportedYet('tool_choice', 'tools');
  const messages: ChatMessage[] = b.messages.map((m, i) => ({ role: m.role, content: blocksText(m.content, `messages[${i}].content`) }));
  const system = b.system === undefined ? undefined : blocksText(b.system, 'system');
  return { system: system || undefined, messages };
}

function blocksText(value: Blocks, at: string): string {
  if (typeof value === 'string') return value;
  return value
    .map((b, j) => {
      const where = `${at}[${j}]`;
      switch (b.type) {
        case 'text':
          if (typeof b.text !== 'string') throw invalidField(`${where}.text`, 'must be a string');
          return b.text;
        // Reasoning from an earlier turn; the engine has no reasoning parts yet, and the text still stands without it.
        case 'thinking':
        case 'redacted_thinking':
          return '';
        case 'image':
        case 'document':
          throw notSupportedYet(where, `${b.type} blocks`);
        case 'tool_use':
        case 'tool_result':
        case 'server_tool_use':
          throw notSupportedYet(where, 'tool blocks');
        default:
          throw notSupportedYet(where, `'${b.type}' blocks`);
      }
    })
    .join('');
}
