import { CancelledError } from '../errors';

export interface ReplayOptions {
  /** Target characters per delta; whole words are kept together where possible. Default 16 (a few tokens). */
  chunkSize?: number;
  /** Stops the replay between deltas and rejects with CancelledError. */
  signal?: AbortSignal;
}

const DEFAULT_CHUNK_SIZE = 16;

/**
 * Splits text into stream-like deltas whose concatenation is exactly the text. Words stay whole unless a
 * single run without whitespace is much longer than the chunk size (e.g. CJK text or a long identifier).
 * The target shrinks for short texts so that any text with two or more words yields several deltas.
 */
export function splitForReplay(text: string, chunkSize = DEFAULT_CHUNK_SIZE): string[] {
  if (text.length === 0) return [];
  const target = Math.max(1, Math.min(Math.floor(chunkSize), Math.ceil(text.length / 2)));
  const pieces = text.match(/\s*\S+\s*|\s+/g) ?? [text];
  const chunks: string[] = [];
  let current = '';
  for (const piece of pieces) {
    if (piece.length > 2 * target) {
      if (current) chunks.push(current);
      current = '';
      for (const part of splitLong(piece, target)) chunks.push(part);
      continue;
    }
    if (current && current.length + piece.length > target) {
      chunks.push(current);
      current = '';
    }
    current += piece;
    if (current.length >= target) {
      chunks.push(current);
      current = '';
    }
  }
  if (current) chunks.push(current);
  return chunks;
}

/** Cuts every `size` UTF-16 units without separating a surrogate pair. */
function splitLong(piece: string, size: number): string[] {
  const out: string[] = [];
  let start = 0;
  while (start < piece.length) {
    let end = Math.min(piece.length, start + size);
    const code = piece.charCodeAt(end - 1);
    if (end < piece.length && code >= 0xd800 && code <= 0xdbff) end++;
    out.push(piece.slice(start, end));
    start = end;
  }
  return out;
}

/**
 * Delivers a cached answer to a streaming caller as several deltas, one per microtask, so it looks like a
 * provider stream to the consumer. Resolves with the number of deltas delivered.
 */
export async function replayAsStream(text: string, onText: (delta: string) => void, opts: ReplayOptions = {}): Promise<number> {
  const chunks = splitForReplay(text, opts.chunkSize);
  for (let i = 0; i < chunks.length; i++) {
    if (opts.signal?.aborted) throw new CancelledError();
    onText(chunks[i]);
    if (i + 1 < chunks.length) await Promise.resolve();
  }
  return chunks.length;
}
