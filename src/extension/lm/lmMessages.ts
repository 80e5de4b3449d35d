import type { ChatMessage, ChatRequest, ContentPart, ImagePart, TextPart, ToolChoice, ToolDefinition, ToolResultPart } from '../../engine/types';
import { toolResultText } from '../../engine/chatContent';
import { estimateWindowTokens } from '../../engine/routing/capabilities';

/**
 * VS Code's language model messages as the engine's neutral request. Parts are recognised by their shape, not
 * their class, so this module needs no `vscode` import (and runs in unit tests as it does in the editor).
 */

/** LanguageModelChatMessageRole: User 1, Assistant 2; Copilot Chat sends its system prompt as 3 (proposed API). */
const ROLE = { user: 1, assistant: 2, system: 3 } as const;
/** LanguageModelChatToolMode.Required. */
const TOOL_MODE_REQUIRED = 2;

export interface LmMessage {
  readonly role: number;
  readonly content: ReadonlyArray<unknown>;
}

export interface LmRequestOptions {
  readonly tools?: readonly { name: string; description: string; inputSchema?: object }[];
  readonly toolMode?: number;
  readonly modelOptions?: { readonly [name: string]: unknown };
}

export function toChatRequest(messages: readonly LmMessage[], options: LmRequestOptions = {}): ChatRequest {
  const system: string[] = [];
  const out: ChatMessage[] = [];
  for (const m of messages) {
    if (m.role === ROLE.system) {
      const text = m.content.flatMap((p) => (textOf(p) === undefined ? [] : [textOf(p) as string])).join('');
      if (text) system.push(text);
      continue;
    }
    out.push(...toChatMessages(m));
  }
  const req: ChatRequest = { messages: out, stream: true };
  if (system.length > 0) req.system = system.join('\n\n');
  const tools = toToolDefinitions(options.tools);
  if (tools) {
    req.tools = tools;
    const choice = toolChoice(options.toolMode, tools);
    if (choice) req.toolChoice = choice;
  }
  Object.assign(req, samplingOptions(options.modelOptions));
  return req;
}

/** One VS Code message as engine messages: tool results travel in a `tool` message ahead of the user's other parts. */
export function toChatMessages(m: LmMessage): ChatMessage[] {
  const assistant = m.role === ROLE.assistant;
  const results: ToolResultPart[] = [];
  const parts: ContentPart[] = [];
  for (const p of m.content) {
    const text = textOf(p);
    if (text !== undefined) {
      if (text) parts.push({ type: 'text', text });
    } else if (isToolCall(p)) {
      if (assistant) parts.push({ type: 'tool_call', id: p.callId, name: p.name, arguments: asArguments(p.input) });
    } else if (isToolResult(p)) {
      results.push({ type: 'tool_result', callId: p.callId, content: toolResultContent(p.content) });
    } else if (isDataPart(p)) {
      const part = dataPart(p);
      // An assistant turn takes no images; what VS Code marks up this way (cache hints, stateful markers) is not content.
      if (part && !(assistant && part.type === 'image')) parts.push(part);
    }
  }
  const out: ChatMessage[] = [];
  if (results.length > 0) out.push({ role: 'tool', content: results });
  if (parts.length > 0) out.push({ role: assistant ? 'assistant' : 'user', content: collapse(parts) });
  return out;
}

function toolResultContent(content: readonly unknown[]): ToolResultPart['content'] {
  const parts: (TextPart | ImagePart)[] = [];
  for (const c of content) {
    const text = textOf(c);
    if (text !== undefined) parts.push({ type: 'text', text });
    else if (isDataPart(c)) {
      const part = dataPart(c);
      if (part) parts.push(part);
    } else if (isObject(c) && 'value' in c) {
      // A prompt-tsx part: its rendered tree, as JSON.
      parts.push({ type: 'text', text: JSON.stringify(c.value) });
    }
  }
  return parts.every((p) => p.type === 'text') ? parts.map((p) => (p as TextPart).text).join('') : parts;
}

/** Images as images; text and JSON data as text; any other mime type (e.g. Copilot's `cache_control`) is no content. */
function dataPart(p: { mimeType: string; data: Uint8Array }): TextPart | ImagePart | undefined {
  const mime = p.mimeType.toLowerCase();
  if (mime.startsWith('image/')) return { type: 'image', source: { kind: 'base64', mediaType: mime, data: Buffer.from(p.data).toString('base64') } };
  if (mime.startsWith('text/') || mime === 'application/json' || mime.endsWith('+json')) return { type: 'text', text: Buffer.from(p.data).toString('utf8') };
  return undefined;
}

/** A lone text part is plain text, as the engine's own tasks send it. */
function collapse(parts: ContentPart[]): ChatMessage['content'] {
  return parts.length === 1 && parts[0].type === 'text' ? parts[0].text : parts;
}

function toToolDefinitions(tools: LmRequestOptions['tools']): ToolDefinition[] | undefined {
  if (!tools || tools.length === 0) return undefined;
  return tools.map((t) => ({
    name: t.name,
    ...(t.description ? { description: t.description } : {}),
    parameters: isObject(t.inputSchema) ? (t.inputSchema as Record<string, unknown>) : { type: 'object', properties: {} },
  }));
}

function toolChoice(mode: number | undefined, tools: ToolDefinition[]): ToolChoice | undefined {
  if (mode !== TOOL_MODE_REQUIRED) return undefined;
  // VS Code's documentation: Required with one tool means that tool.
  return tools.length === 1 ? { name: tools[0].name } : 'required';
}

/** The few model options with one meaning on every wire format; anything else is left to the provider's defaults. */
function samplingOptions(o: LmRequestOptions['modelOptions']): Partial<ChatRequest> {
  if (!o) return {};
  const out: Partial<ChatRequest> = {};
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const temperature = num(o.temperature);
  const topP = num(o.top_p ?? o.topP);
  const maxTokens = num(o.max_tokens ?? o.maxTokens);
  if (temperature !== undefined) out.temperature = temperature;
  if (topP !== undefined) out.topP = topP;
  if (maxTokens !== undefined && maxTokens > 0) out.maxTokens = Math.floor(maxTokens);
  if (Array.isArray(o.stop) && o.stop.every((s) => typeof s === 'string')) out.stop = o.stop as string[];
  return out;
}

function textOf(p: unknown): string | undefined {
  if (typeof p === 'string') return p;
  return isObject(p) && typeof p.value === 'string' && !('callId' in p) ? p.value : undefined;
}

function isToolCall(p: unknown): p is { callId: string; name: string; input: unknown } {
  return isObject(p) && typeof p.callId === 'string' && typeof p.name === 'string' && 'input' in p;
}

function isToolResult(p: unknown): p is { callId: string; content: unknown[] } {
  return isObject(p) && typeof p.callId === 'string' && Array.isArray(p.content);
}

export function isDataPart(p: unknown): p is { mimeType: string; data: Uint8Array } {
  return isObject(p) && typeof p.mimeType === 'string' && p.data instanceof Uint8Array;
}

function asArguments(input: unknown): Record<string, unknown> {
  return isObject(input) ? (input as Record<string, unknown>) : {};
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Prompt tokens as the engine's window check counts them, so what VS Code fits into maxInputTokens also fits the window. */
export function estimateTokens(input: string | LmMessage): number {
  const messages: ChatMessage[] = typeof input === 'string' ? [{ role: 'user', content: input }] : toChatMessages(input);
  return estimateWindowTokens({ messages });
}

/** One part of an outgoing VS Code message, as plain data; editorModelClient.ts builds VS Code's classes from it. */
export type OutgoingPart =
  | { kind: 'text'; text: string }
  | { kind: 'tool_call'; callId: string; name: string; input: Record<string, unknown> }
  | { kind: 'tool_result'; callId: string; text: string }
  | { kind: 'image'; mimeType: string; data: Uint8Array };

export interface OutgoingMessage {
  role: 'user' | 'assistant';
  parts: OutgoingPart[];
}

/**
 * The engine's request as VS Code messages for another vendor's model (kind vscode-lm). The stable API has no system
 * role, so the system prompt leads the first user message; tool results travel in a user message, as vscode.d.ts says.
 */
export function toOutgoingMessages(req: ChatRequest): OutgoingMessage[] {
  const out: OutgoingMessage[] = [];
  if (req.system) out.push({ role: 'user', parts: [{ kind: 'text', text: req.system }] });
  for (const m of req.messages) {
    const parts: OutgoingPart[] = [];
    for (const p of typeof m.content === 'string' ? [{ type: 'text' as const, text: m.content }] : m.content) {
      if (p.type === 'text' && p.text) parts.push({ kind: 'text', text: p.text });
      else if (p.type === 'image') parts.push(p.source.kind === 'base64' ? { kind: 'image', mimeType: p.source.mediaType, data: Buffer.from(p.source.data, 'base64') } : { kind: 'text', text: p.source.url });
      else if (p.type === 'tool_call') parts.push({ kind: 'tool_call', callId: p.id, name: p.name, input: p.arguments });
      else if (p.type === 'tool_result') parts.push({ kind: 'tool_result', callId: p.callId, text: toolResultText(p) });
    }
    if (parts.length > 0) out.push({ role: m.role === 'assistant' ? 'assistant' : 'user', parts });
  }
  return out;
}
