import { randomUUID } from 'node:crypto';
import type { ChatResult, FinishReason, ToolCall, Usage } from '../../engine/types';
import type { ChatDialect, ParsedChat, StreamTranslator } from '../chatDialect';
import { parseChatCompletion } from './chatRequest';
import { openaiErrorBody } from './openaiError';

function finishReason(reason: FinishReason): string {
  return reason === 'other' ? 'stop' : reason;
}

function usageOf(u: Usage): unknown {
  return { prompt_tokens: u.inputTokens, completion_tokens: u.outputTokens, total_tokens: u.inputTokens + u.outputTokens, prompt_tokens_details: { cached_tokens: u.cachedInputTokens } };
}

function completionId(): string {
  return `chatcmpl-${randomUUID().replace(/-/g, '')}`;
}

/** OpenAI's function call: the arguments as a JSON string. */
function wireToolCall(call: ToolCall): { id: string; type: 'function'; function: { name: string; arguments: string } } {
  return { id: call.id, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.arguments) } };
}

function completion(result: ChatResult): unknown {
  const calls = result.toolCalls;
  // As OpenAI answers: content is null when the message is tool calls alone; text before the calls stays in content.
  const message = { role: 'assistant', content: calls.length > 0 && result.text === '' ? null : result.text, refusal: null, ...(calls.length > 0 ? { tool_calls: calls.map(wireToolCall) } : {}) };
  return {
    id: completionId(),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: result.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(result.finishReason) }],
    usage: usageOf(result.usage),
  };
}

function stream(parsed: ParsedChat): StreamTranslator {
  const id = completionId();
  const created = Math.floor(Date.now() / 1000);
  let model = parsed.model;
  let toolCalls = 0;
  // With include_usage every chunk carries `usage: null` except the last, as OpenAI sends it.
  const usageField = parsed.includeUsage ? ',"usage":null' : '';
  const chunk = (choices: string, usage = usageField): string => `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"choices":${choices}${usage}}\n\n`;
  return {
    start(answeringModel) {
      model = answeringModel;
      return chunk('[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]');
    },
    text(delta) {
      return chunk(`[{"index":0,"delta":{"content":${JSON.stringify(delta)}},"logprobs":null,"finish_reason":null}]`);
    },
    toolCall(call) {
      // OpenAI opens each call with its id, type and name, then sends argument pieces; a complete call fits one delta.
      const delta = { tool_calls: [{ index: toolCalls++, ...wireToolCall(call) }] };
      return chunk(`[{"index":0,"delta":${JSON.stringify(delta)},"logprobs":null,"finish_reason":null}]`);
    },
    finish(result) {
      model = result.model;
      const last = chunk(`[{"index":0,"delta":{},"logprobs":null,"finish_reason":"${finishReason(result.finishReason)}"}]`);
      const usage = parsed.includeUsage ? chunk('[]', `,"usage":${JSON.stringify(usageOf(result.usage))}`) : '';
      return `${last}${usage}data: [DONE]\n\n`;
    },
    fail(err) {
      return `data: ${JSON.stringify(openaiErrorBody(err))}\n\n`;
    },
  };
}

/** OpenAI Chat Completions (`POST /v1/chat/completions`). */
export const openaiChat: ChatDialect = { parseChat: parseChatCompletion, completion, stream, errorBody: openaiErrorBody, toolCallId: (id) => id };
