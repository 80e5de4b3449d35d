import type { ChatRequest } from '../types';
import { extractSuggestion } from './suggestCode';

export const CURSOR_MARKER = '<CURSOR>';
const PREFIX_CHARS = 2_000;
const SUFFIX_CHARS = 500;
const MAX_TOKENS = 128;

const SYSTEM_PROMPT = [
  `You are a code completion engine. The user shows a file with the cursor marked ${CURSOR_MARKER}.`,
  'Reply with only the text to insert at the cursor: usually the rest of the line or statement, at most a few lines, so that the code before and after it reads correctly.',
  'No explanation, no code fences, and never repeat code that is already before or after the cursor. If nothing sensible fits, reply with nothing.',
].join('\n');

export interface InlineInput {
  fileName: string;
  languageId: string;
  /** The code just before the cursor (see inlineWindow). */
  prefix: string;
  /** The code just after the cursor. */
  suffix: string;
}

/** The text around the cursor sent as context: a bounded prefix and suffix, cut at line boundaries where possible. */
export function inlineWindow(text: string, offset: number): { prefix: string; suffix: string } {
  let from = Math.max(0, offset - PREFIX_CHARS);
  if (from > 0) {
    const nl = text.indexOf('\n', from);
    if (nl !== -1 && nl < offset) from = nl + 1;
  }
  let to = Math.min(text.length, offset + SUFFIX_CHARS);
  if (to < text.length) {
    const nl = text.lastIndexOf('\n', to);
    if (nl > offset) to = nl;
  }
  return { prefix: text.slice(from, offset), suffix: text.slice(offset, to) };
}

/** A small, deterministic request, so that an unchanged context is answered from the response cache. */
export function buildInlineRequest(input: InlineInput): ChatRequest {
  return {
    system: SYSTEM_PROMPT,
    messages: [{ role: 'user', content: `File: ${input.fileName} (${input.languageId})\n\n${input.prefix}${CURSOR_MARKER}${input.suffix}` }],
    temperature: 0,
    maxTokens: MAX_TOKENS,
    purpose: 'inline',
  };
}

/**
 * The text to insert, from a model's answer: without code fences, an echoed cursor marker, a repeat of the
 * current line's start, or a repeat of what already follows the cursor on its line.
 */
export function cleanInlineCompletion(answer: string, prefix: string, suffix: string): string {
  let text = /^ {0,3}(`{3,}|~{3,})/m.test(answer) ? extractSuggestion(answer) : answer;
  text = text.split(CURSOR_MARKER).join('');
  const linePrefix = prefix.slice(prefix.lastIndexOf('\n') + 1);
  if (linePrefix.trim() !== '') {
    if (text.startsWith(linePrefix)) text = text.slice(linePrefix.length);
    else if (text.startsWith(linePrefix.trimStart())) text = text.slice(linePrefix.trimStart().length);
  }
  text = text.trimEnd();
  const nl = suffix.indexOf('\n');
  const lineSuffix = (nl === -1 ? suffix : suffix.slice(0, nl)).trim();
  // Drop a repeat of the rest of the line, but not a closer the completion itself needs (`foo(|)` + `bar()`).
  if (lineSuffix !== '' && !text.includes('\n') && text.endsWith(lineSuffix)) {
    const rest = text.slice(0, text.length - lineSuffix.length);
    if (!/[()[\]{}]/.test(lineSuffix) || bracketBalance(text) > 0) text = rest.trimEnd();
  }
  return text.trim() === '' ? '' : text;
}

/** Closing minus opening brackets: positive when the text closes brackets opened before it. */
function bracketBalance(text: string): number {
  let n = 0;
  for (const c of text) {
    if (c === ')' || c === ']' || c === '}') n++;
    else if (c === '(' || c === '[' || c === '{') n--;
  }
  return n;
}
