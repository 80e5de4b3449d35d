import { z } from 'zod';
import { textPartsJoined } from '../../engine/chatContent';
import { parseOpenAiMessages, parseOpenAiResponseFormat, parseOpenAiToolChoice, parseOpenAiTools } from '../../engine/chatInput/openaiMessages';
import type { ParsedChat } from '../chatDialect';
import { parseOrRefuse } from '../fieldPath';
import { invalidField } from '../gatewayError';

const chatBody = z.looseObject({
  model: z.string({ error: 'is required: "auto" or a provider id (GET /v1/models)' }).min(1),
  messages: z.array(z.unknown(), { error: 'is required: an array of messages' }).min(1, 'needs at least one message'),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)], { error: 'must be a string or an array of up to 4 strings' }).nullish(),
  n: z.literal(1, { error: 'only 1 is supported: send one request per choice you want' }).nullish(),
  // Not every provider returns token log probabilities, so asking for them is refused rather than answered with null.
  logprobs: z.literal(false, { error: 'log probabilities are not served by this gateway: leave logprobs out or false' }).nullish(),
  top_logprobs: z.literal(0, { error: 'log probabilities are not served by this gateway: leave top_logprobs out' }).nullish(),
  // The engine cannot promise one call at a time on every provider; the field is accepted and the model decides.
  parallel_tool_calls: z.boolean().nullish(),
});

/** Fields this gateway refuses by name rather than ignoring, with what to send instead. */
const REFUSED_FIELDS: [string, string][] = [
  ['functions', 'the deprecated functions are not served: send them as tools'],
  ['function_call', 'the deprecated function_call is not served: send tool_choice'],
  ['audio', 'audio outputs are not served by this gateway'],
];

/** OpenAI Chat Completions request → engine request: messages, tools, tool_choice and response_format by the shared parser. */
export function parseChatCompletion(body: unknown): ParsedChat {
  const b = parseOrRefuse(chatBody, body);
  for (const [field, why] of REFUSED_FIELDS) {
    const v = b[field];
    if (v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0)) throw invalidField(field, why);
  }
  const { system, messages } = parseOpenAiMessages(b.messages);
  const tools = b.tools === undefined || b.tools === null ? [] : parseOpenAiTools(b.tools);
  const toolChoice = b.tool_choice === undefined || b.tool_choice === null ? undefined : parseOpenAiToolChoice(b.tool_choice, tools);
  const responseFormat = b.response_format === undefined || b.response_format === null ? undefined : parseOpenAiResponseFormat(b.response_format);

  const stream = b.stream === true;
  return {
    model: b.model,
    includeUsage: stream && b.stream_options?.include_usage === true,
    request: {
      system,
      // Text parts are one text, as the gateway has always read them; the adapters then send plain strings.
      messages: messages.map(textPartsJoined),
      ...(tools.length > 0 ? { tools } : {}),
      ...(tools.length > 0 && toolChoice ? { toolChoice } : {}),
      ...(responseFormat ? { responseFormat } : {}),
      temperature: b.temperature ?? undefined,
      topP: b.top_p ?? undefined,
      maxTokens: b.max_completion_tokens ?? b.max_tokens ?? undefined,
      stop: typeof b.stop === 'string' ? [b.stop] : (b.stop ?? undefined),
      stream,
      purpose: 'gateway',
    },
  };
}
