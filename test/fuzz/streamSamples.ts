import type { FramedEvent, ProviderAdapter } from '../../src/engine/providers/adapter';
import { adapterFor } from '../../src/engine/providers/registry';
import { createNdjsonSplitter, createSseSplitter } from '../../src/engine/http/streamFraming';
import { wireFormats } from '../emulator/formats';
import type { EmulatedReply, WireFormat } from '../emulator/wireFormat';

export interface FormatUnderTest {
  format: WireFormat;
  adapter: ProviderAdapter;
}

/** Each emulator wire format with the engine adapter that reads it. */
export const FORMATS: FormatUnderTest[] = wireFormats.map((format) => ({ format, adapter: adapterFor(format.kind) }));

export function replyOf(text: string, chunks: number): EmulatedReply {
  const words = text.split(/(?<=\s)(?=\S)/);
  const n = Math.max(1, Math.min(chunks, words.length));
  const groups = Array.from({ length: n }, (_, i) => words.slice(Math.floor((i * words.length) / n), Math.floor(((i + 1) * words.length) / n)).join(''));
  return { text, model: 'fuzz-model', chunks: groups, usage: { inputTokens: 12, outputTokens: words.length, cachedInputTokens: 3 } };
}

/** Runs bytes through UTF-8 stream decoding and a splitter exactly as the transport does, piece by piece. */
export function frameBytes(framing: 'sse' | 'ndjson', pieces: Uint8Array[]): FramedEvent[] {
  const frames: FramedEvent[] = [];
  const sink = (ev: FramedEvent) => frames.push(ev);
  const splitter = framing === 'sse' ? createSseSplitter(sink) : createNdjsonSplitter(sink);
  const decoder = new TextDecoder('utf-8');
  for (const p of pieces) splitter.feed(decoder.decode(p, { stream: true }));
  splitter.feed(decoder.decode());
  splitter.end();
  return frames;
}
