import { randomUUID } from 'node:crypto';
import type { ChatResult, FinishReason, ToolCall, Usage } from '../../engine/types';
import type { ResponseSettings } from './responsesRequest';
import { CUSTOM_INPUT } from './responsesTools';

/**
 * The Response object and its output items, as the openai npm client 6.30.1 types them (Response,
 * ResponseOutputMessage, ResponseFunctionToolCall, ResponseUsage; read 2026-12-04). `output_text` is left out:
 * the API documents it as a convenience the SDKs compute, not a field the server sends.
 */

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';
export type ResponseStatus = ItemStatus | 'failed';

export interface OutputText {
  type: 'output_text';
  text: string;
  annotations: never[];
  logprobs: never[];
}

export interface MessageItem {
  type: 'message';
  id: string;
  status: ItemStatus;
  role: 'assistant';
  content: OutputText[];
}

export interface FunctionCallItem {
  type: 'function_call';
  id: string;
  call_id: string;
  name: string;
  arguments: string;
  status: ItemStatus;
}

/** A custom tool's call: its input is plain text, not JSON arguments (ResponseCustomToolCall; it has no status). */
export interface CustomToolCallItem {
  type: 'custom_tool_call';
  id: string;
  call_id: string;
  name: string;
  input: string;
}

export type OutputItem = MessageItem | FunctionCallItem | CustomToolCallItem;
export type CallItem = FunctionCallItem | CustomToolCallItem;

function hexId(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '')}`;
}

export const responseId = (): string => hexId('resp');

export function outputText(text: string): OutputText {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

export function messageItem(text: string, status: ItemStatus): MessageItem {
  return { type: 'message', id: hexId('msg'), status, role: 'assistant', content: [outputText(text)] };
}

/** The call id is the one the client sends back in function_call_output; the item id only names this output item. */
export function functionCallItem(call: ToolCall, status: ItemStatus): FunctionCallItem {
  return { type: 'function_call', id: hexId('fc'), call_id: call.id, name: call.name, arguments: JSON.stringify(call.arguments), status };
}

/**
 * A call as its tool's item: a custom tool's (responsesTools.ts) carries the text the model put in its one `input`
 * argument; should a model have sent other arguments, they go as JSON text rather than being lost.
 */
export function callItem(call: ToolCall, customTools: ReadonlySet<string>): CallItem {
  if (!customTools.has(call.name)) return functionCallItem(call, 'completed');
  const args = call.arguments;
  const input = typeof args[CUSTOM_INPUT] === 'string' && Object.keys(args).length === 1 ? args[CUSTOM_INPUT] : JSON.stringify(args);
  return { type: 'custom_tool_call', id: hexId('ctc'), call_id: call.id, name: call.name, input };
}

/** Text first (as one message), then the calls; an answer with neither is one empty message, as a stream's is. */
export function outputItems(result: ChatResult, textStatus: ItemStatus, customTools: ReadonlySet<string>): OutputItem[] {
  const text = result.text !== '' || result.toolCalls.length === 0 ? [messageItem(result.text, textStatus)] : [];
  return [...text, ...result.toolCalls.map((c) => callItem(c, customTools))];
}

/** OpenAI counts cached tokens inside input_tokens, as the engine does; the engine counts no reasoning tokens apart. */
export function usageOf(u: Usage): unknown {
  return {
    input_tokens: u.inputTokens,
    input_tokens_details: { cached_tokens: u.cachedInputTokens },
    output_tokens: u.outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: u.inputTokens + u.outputTokens,
  };
}

/** An answer cut by the token limit or a content filter is `incomplete`, with the reason. */
export function endStatus(reason: FinishReason): { status: 'completed' | 'incomplete'; incompleteReason?: 'max_output_tokens' | 'content_filter' } {
  if (reason === 'length') return { status: 'incomplete', incompleteReason: 'max_output_tokens' };
  if (reason === 'content_filter') return { status: 'incomplete', incompleteReason: 'content_filter' };
  return { status: 'completed' };
}

export interface ResponseState {
  id: string;
  createdAt: number;
  model: string;
  status: ResponseStatus;
  output: readonly OutputItem[];
  usage?: Usage;
  incompleteReason?: string;
  error?: { code: string; message: string; attempts?: unknown };
}

/** The Response object: what happened, and the settings it was made with. */
export function responseObject(state: ResponseState, settings: ResponseSettings): Record<string, unknown> {
  return {
    id: state.id,
    object: 'response',
    created_at: state.createdAt,
    status: state.status,
    background: false,
    completed_at: state.status === 'completed' ? Math.floor(Date.now() / 1000) : null,
    error: state.error ?? null,
    incomplete_details: state.incompleteReason ? { reason: state.incompleteReason } : null,
    instructions: settings.instructions,
    max_output_tokens: settings.maxOutputTokens,
    metadata: settings.metadata,
    model: state.model,
    output: state.output,
    parallel_tool_calls: settings.parallelToolCalls,
    previous_response_id: null,
    ...(settings.promptCacheKey ? { prompt_cache_key: settings.promptCacheKey } : {}),
    reasoning: settings.reasoning,
    // Nothing is kept, whatever the request asked: there is no response to retrieve later.
    store: false,
    temperature: settings.temperature,
    text: settings.text,
    tool_choice: settings.toolChoice,
    tools: settings.tools,
    top_p: settings.topP,
    truncation: 'disabled',
    usage: state.usage ? usageOf(state.usage) : null,
    ...(settings.user ? { user: settings.user } : {}),
  };
}
