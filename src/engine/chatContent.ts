import type { ChatMessage, ContentPart, TextPart, ToolCallPart, ToolResultPart } from './types';

/** Reading the neutral message model: a string content is one text part. */

export function messageParts(m: ChatMessage): ContentPart[] {
  return typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
}

/** The message's text parts joined (no tool calls, results, images or reasoning). */
export function messageText(m: ChatMessage): string {
  if (typeof m.content === 'string') return m.content;
  return m.content
    .filter((p): p is TextPart => p.type === 'text')
    .map((p) => p.text)
    .join('');
}

export function toolCallsOf(m: ChatMessage): ToolCallPart[] {
  return typeof m.content === 'string' ? [] : m.content.filter((p): p is ToolCallPart => p.type === 'tool_call');
}

export function toolResultsOf(m: ChatMessage): ToolResultPart[] {
  return typeof m.content === 'string' ? [] : m.content.filter((p): p is ToolResultPart => p.type === 'tool_result');
}

/** A tool result's content as text: text parts joined, other parts left out. */
export function toolResultText(r: ToolResultPart): string {
  if (typeof r.content === 'string') return r.content;
  return r.content
    .filter((p): p is TextPart => p.type === 'text')
    .map((p) => p.text)
    .join('');
}

/** Characters the message puts in a prompt, for token estimates: text, tool arguments and results, reasoning. */
export function promptChars(m: ChatMessage): number {
  let chars = 0;
  for (const p of messageParts(m)) {
    if (p.type === 'text' || p.type === 'reasoning') chars += p.text.length;
    else if (p.type === 'tool_call') chars += p.name.length + JSON.stringify(p.arguments).length;
    else if (p.type === 'tool_result') chars += toolResultText(p).length;
  }
  return chars;
}

/** A message whose parts are all text as one string (the parts joined), as a plain chat message is sent. */
export function textPartsJoined(m: ChatMessage): ChatMessage {
  if (typeof m.content === 'string' || !m.content.every((p) => p.type === 'text')) return m;
  return { role: m.role, content: messageText(m) };
}
