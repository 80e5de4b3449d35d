import { createHash } from 'node:crypto';
import { canonicalJson } from '../cache/cacheKey';
import type { ChatRequest } from '../types';

export interface SuggestInput {
  /** Shown to the model; a workspace-relative path reads best. */
  fileName: string;
  languageId: string;
  /** The whole document. */
  text: string;
  /** Offsets into `text` of the code to improve. */
  start: number;
  end: number;
  /** A reported problem to fix in that code (a finding's message); without it the code is improved in general. */
  problem?: string;
}

const MAX_CODE_CHARS = 30_000;
const CONTEXT_BEFORE_CHARS = 1_500;
const CONTEXT_AFTER_CHARS = 800;

const SYSTEM_PROMPT = [
  'You are an expert programmer improving one piece of code inside a larger file.',
  'Return an improved version of exactly the code marked "Code to improve": the same scope and purpose, fixing bugs, clarifying names and structure, handling errors, without changing its public behaviour or signature unless it is wrong.',
  'Your answer replaces that code verbatim, so keep its indentation, do not repeat the surrounding context, and do not add imports or code outside it.',
  'Answer with the replacement code alone, in one fenced code block, with no explanation before or after it. If the code is already good, return it unchanged.',
].join('\n');

const FIX_PROMPT = [
  'You are an expert programmer fixing one reported problem in a piece of code inside a larger file.',
  'Return a corrected version of exactly the code marked "Code to fix": fix the problem described under "Problem", keep everything else as it is, and do not change its public behaviour or signature unless the problem requires it.',
  'Your answer replaces that code verbatim, so keep its indentation, do not repeat the surrounding context, and do not add imports or code outside it.',
  'Answer with the replacement code alone, in one fenced code block, with no explanation before or after it.',
].join('\n');

/** The request that asks a model for a better version of one span of a document (or, with `problem`, for that problem's fix). */
export function buildSuggestRequest(input: SuggestInput): ChatRequest {
  const { text, start, end } = input;
  if (start < 0 || end > text.length || start > end) throw new RangeError('The code range lies outside the document.');
  const code = text.slice(start, end);
  if (code.trim() === '') throw new RangeError('There is no code to improve here.');
  if (code.length > MAX_CODE_CHARS) {
    throw new RangeError(`The code is too large to improve in one go (${code.length} characters; the limit is ${MAX_CODE_CHARS}). Select a smaller part.`);
  }
  const before = wholeLinesBefore(text, start, CONTEXT_BEFORE_CHARS);
  const after = wholeLinesAfter(text, end, CONTEXT_AFTER_CHARS);
  const firstLine = lineOf(text, start);
  const lastLine = lineOf(text, Math.max(start, end - (code.endsWith('\n') ? 1 : 0)));
  const lang = input.languageId;
  const problem = input.problem?.replace(/\s+/g, ' ').trim();
  const parts = [`File: ${input.fileName} (${lang}), lines ${firstLine}-${lastLine}.`];
  if (problem) parts.push(`Problem (reported at these lines): ${problem}`);
  if (before.trim() !== '') parts.push(`Context before the code (do not repeat it):\n${fenced(before, lang)}`);
  parts.push(`${problem ? 'Code to fix' : 'Code to improve'}:\n${fenced(code, lang)}`);
  if (after.trim() !== '') parts.push(`Context after the code (do not repeat it):\n${fenced(after, lang)}`);
  return {
    system: problem ? FIX_PROMPT : SYSTEM_PROMPT,
    messages: [{ role: 'user', content: parts.join('\n\n') }],
    temperature: 0.2,
    purpose: problem ? 'fix' : 'suggest',
  };
}

/**
 * The cache tag of one suggestion request: every cached answer to exactly this request carries it, so a
 * discarded answer can be dropped without touching any other.
 */
export function suggestionCacheTag(request: ChatRequest): string {
  const { stream: _stream, ...asked } = request;
  return `suggestion:${createHash('sha256').update(canonicalJson(asked)).digest('hex')}`;
}

/**
 * The code from the model's answer: the first fenced block (an unclosed fence runs to the end, as when a
 * stream stops early), or the whole answer without surrounding blank lines when it has no fence.
 * Indentation is kept as given.
 */
export function extractSuggestion(answer: string): string {
  const lines = answer.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})[^`]*$/.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    const close = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    const body: string[] = [];
    for (let j = i + 1; j < lines.length && !close.test(lines[j]); j++) body.push(lines[j]);
    return body.join('\n');
  }
  return trimBlankLines(lines).join('\n');
}

/**
 * Makes a suggestion fit the exact span it replaces: the span's line endings, its trailing newline or lack of
 * one, and its indentation when the model returned the code dedented.
 * @param lineIndent the whitespace before the span on its first line, when only whitespace precedes it there.
 */
export function fitSuggestion(original: string, suggestion: string, lineIndent = ''): string {
  const eol = original.includes('\r\n') ? '\r\n' : '\n';
  let lines = trimBlankLines(suggestion.split(/\r?\n/));
  if (lines.length === 0) return '';
  // A model that mirrors the span's shape leaves its first line unindented while the rest keep the file's indent.
  if (lineIndent !== '' && !lines[0].startsWith(lineIndent) && lines.length > 1 && commonIndent(lines.slice(1)).startsWith(lineIndent)) {
    lines[0] = lineIndent + lines[0];
  }
  const wanted = commonIndent((lineIndent + original).split(/\r?\n/));
  const given = commonIndent(lines);
  if (given.length < wanted.length && wanted.startsWith(given)) {
    const extra = wanted.slice(given.length);
    lines = lines.map((l) => (l.trim() === '' ? l : extra + l));
  }
  if (lineIndent !== '' && lines[0].startsWith(lineIndent)) lines[0] = lines[0].slice(lineIndent.length);
  const body = lines.join(eol);
  return /\r?\n$/.test(original) ? body + eol : body;
}

/** A zero-based line/character span, as an editor reports a symbol's range. */
export interface Span {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/** The smallest span containing the position, or undefined when none does. */
export function smallestEnclosing<T extends Span>(spans: readonly T[], pos: { line: number; character: number }): T | undefined {
  let best: T | undefined;
  for (const s of spans) {
    if (compare(s.start, pos) > 0 || compare(pos, s.end) > 0) continue;
    if (!best || (compare(s.start, best.start) >= 0 && compare(s.end, best.end) <= 0)) best = s;
  }
  return best;
}

function compare(a: { line: number; character: number }, b: { line: number; character: number }): number {
  return a.line !== b.line ? a.line - b.line : a.character - b.character;
}

function commonIndent(lines: string[]): string {
  let indent: string | undefined;
  for (const l of lines) {
    if (l.trim() === '') continue;
    const own = /^[ \t]*/.exec(l)?.[0] ?? '';
    if (indent === undefined) indent = own;
    else {
      let n = 0;
      while (n < indent.length && n < own.length && indent[n] === own[n]) n++;
      indent = indent.slice(0, n);
    }
  }
  return indent ?? '';
}

function trimBlankLines(lines: string[]): string[] {
  let from = 0;
  let to = lines.length;
  while (from < to && lines[from].trim() === '') from++;
  while (to > from && lines[to - 1].trim() === '') to--;
  return lines.slice(from, to);
}

/** A fence longer than any backtick run in the code, so code containing fences cannot close it early. */
function fenced(code: string, lang: string): string {
  const longest = Math.max(0, ...(code.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${code.replace(/\r?\n$/, '')}\n${fence}`;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Up to `max` characters ending at `offset`, starting at a line start when the limit cuts a line. */
function wholeLinesBefore(text: string, offset: number, max: number): string {
  const from = Math.max(0, offset - max);
  const cut = from === 0 ? 0 : text.indexOf('\n', from) + 1;
  return text.slice(cut > 0 && cut <= offset ? cut : from, offset);
}

/** Up to `max` characters starting at `offset`, ending at a line end when the limit cuts a line. */
function wholeLinesAfter(text: string, offset: number, max: number): string {
  const to = Math.min(text.length, offset + max);
  if (to === text.length) return text.slice(offset);
  const cut = text.lastIndexOf('\n', to);
  return text.slice(offset, cut > offset ? cut : to);
}
