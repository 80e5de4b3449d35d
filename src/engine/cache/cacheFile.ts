import { constants as bufferConstants } from 'node:buffer';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import type { StateDocument } from '../state/stateStore';
import type { FinishReason, ToolCall, Usage } from '../types';
import { CACHE_KEY_VERSION } from './cacheKey';

/** One cached answer. Times are wall-clock epoch milliseconds so they stay meaningful across restarts. */
export interface CachedResponse {
  text: string;
  /** The calls a tool-call answer ended in, replayed as the same calls (ids included). */
  toolCalls?: ToolCall[];
  provider: string;
  model: string;
  usage: Usage;
  finishReason: FinishReason;
  costUsd: number | null;
  createdAt: number;
  expiresAt: number;
  tags: string[];
}

export interface CacheEntry extends CachedResponse {
  key: string;
}

export type Codec = 'gzip' | 'brotli';

/** Bump when the file layout or the entry shape changes. */
export const CACHE_FILE_VERSION = 1;

// Layout: magic(4) fileVersion(1) keyVersion(1) codec(1) reserved(1) uncompressedLength(u32 BE, 4), then the
// compressed UTF-8 JSON array of CacheEntry.
const MAGIC = Buffer.from('LLRC', 'latin1');
const HEADER_BYTES = 12;
const CODEC_IDS: Record<Codec, number> = { gzip: 1, brotli: 2 };

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);
const brotli = promisify(zlib.brotliCompress);
const unbrotli = promisify(zlib.brotliDecompress);

/**
 * Compresses with both codecs and keeps the smaller. Brotli runs at a middle quality: the top levels cost
 * seconds on a full cache for a few percent, and a flush should not hog the thread pool.
 */
export async function encodeCacheFile(entries: readonly CacheEntry[]): Promise<{ bytes: Buffer; codec: Codec }> {
  const json = Buffer.from(JSON.stringify(entries), 'utf8');
  const [gz, br] = await Promise.all([
    gzip(json, { level: 6 }),
    brotli(json, {
      params: {
        [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
        [zlib.constants.BROTLI_PARAM_QUALITY]: 5,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: json.length,
      },
    }),
  ]);
  const codec: Codec = br.length < gz.length ? 'brotli' : 'gzip';
  const body = codec === 'brotli' ? br : gz;
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header[4] = CACHE_FILE_VERSION;
  header[5] = CACHE_KEY_VERSION;
  header[6] = CODEC_IDS[codec];
  header.writeUInt32BE(json.length, 8);
  return { bytes: Buffer.concat([header, body]), codec };
}

export type DecodeResult =
  | { ok: true; entries: CacheEntry[]; codec: Codec }
  | { ok: false; reason: 'corrupt' | 'version'; detail: string };

/** Never throws: anything unreadable comes back as `corrupt`, a file from another format or key version as `version`. */
export async function decodeCacheFile(bytes: Uint8Array): Promise<DecodeResult> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < HEADER_BYTES) return corrupt(`file is ${buf.length} bytes, shorter than its header`);
  if (!buf.subarray(0, 4).equals(MAGIC)) return corrupt('not a cache file (bad magic)');
  if (buf[4] !== CACHE_FILE_VERSION || buf[5] !== CACHE_KEY_VERSION) {
    return {
      ok: false,
      reason: 'version',
      detail: `file version ${buf[4]}/key version ${buf[5]}, expected ${CACHE_FILE_VERSION}/${CACHE_KEY_VERSION}`,
    };
  }
  const codec = codecFromId(buf[6]);
  if (!codec) return corrupt(`unknown codec id ${buf[6]}`);
  const length = buf.readUInt32BE(8);
  if (length > bufferConstants.MAX_LENGTH) return corrupt('declared length too large');
  let json: Buffer;
  try {
    const body = buf.subarray(HEADER_BYTES);
    // The declared length caps decompression, so a damaged or hostile file cannot balloon in memory; output
    // chunks sized near it avoid hundreds of small copies on a large cache.
    const opts = { maxOutputLength: Math.max(1, length), chunkSize: Math.min(Math.max(length, 64 * 1024), 16 * 1024 * 1024) };
    json = codec === 'brotli' ? await unbrotli(body, opts) : await gunzip(body, opts);
  } catch (err) {
    return corrupt(`cannot decompress (${(err as Error).message})`);
  }
  if (json.length !== length) return corrupt(`decompressed ${json.length} bytes, header says ${length}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(json.toString('utf8'));
  } catch {
    return corrupt('payload is not JSON');
  }
  if (!Array.isArray(parsed)) return corrupt('payload is not an array');
  for (let i = 0; i < parsed.length; i++) {
    if (!isCacheEntry(parsed[i])) return corrupt(`entry ${i} has an unexpected shape`);
  }
  return { ok: true, entries: parsed as CacheEntry[], codec };
}

/** The codec recorded in a cache file's header, or undefined when the header is not ours. */
export function codecOf(bytes: Uint8Array): Codec | undefined {
  if (bytes.length < HEADER_BYTES || !Buffer.from(bytes.subarray(0, 4)).equals(MAGIC)) return undefined;
  return codecFromId(bytes[6]);
}

/**
 * Approximate memory an entry holds (V8 strings cost up to 2 bytes per char) plus fixed object overhead.
 * Used both for the in-memory bound and when bounding a merged file, so the two agree.
 */
export function entrySize(key: string, value: CachedResponse): number {
  let chars = key.length + value.text.length + value.provider.length + value.model.length + (value.toolCalls ? JSON.stringify(value.toolCalls).length : 0);
  for (const tag of value.tags) chars += tag.length;
  return 2 * chars + 200;
}

export interface MergeOptions {
  now: number;
  maxBytes: number;
  /** Disk entries this process has invalidated since its last save; they must not come back. */
  dropFromDisk?: (entry: CacheEntry) => boolean;
}

/**
 * Union of this process's entries and another writer's: per key the newer createdAt wins (ties go to local),
 * expired entries are dropped, and the newest entries are kept up to maxBytes. Result is oldest first, so
 * loading it in order leaves the newest entries most recently used.
 */
export function mergeEntries(local: readonly CacheEntry[], disk: readonly CacheEntry[], opts: MergeOptions): CacheEntry[] {
  const byKey = new Map<string, CacheEntry>();
  for (const e of disk) {
    if (e.expiresAt <= opts.now || opts.dropFromDisk?.(e)) continue;
    const seen = byKey.get(e.key);
    if (!seen || e.createdAt > seen.createdAt) byKey.set(e.key, e);
  }
  for (const e of local) {
    if (e.expiresAt <= opts.now) continue;
    const seen = byKey.get(e.key);
    if (!seen || e.createdAt >= seen.createdAt) byKey.set(e.key, e);
  }
  const newestFirst = [...byKey.values()].sort((a, b) => b.createdAt - a.createdAt);
  const kept: CacheEntry[] = [];
  let bytes = 0;
  for (const e of newestFirst) {
    const size = entrySize(e.key, e);
    if (bytes + size > opts.maxBytes) continue;
    bytes += size;
    kept.push(e);
  }
  return kept.reverse();
}

export const CACHE_FILE_NAME = 'cache.bin';

/** The response cache document; `onSize` hears the byte size of every version read or written. */
export function cacheDocument(onSize: (bytes: number) => void): StateDocument<CacheEntry[]> {
  return {
    name: CACHE_FILE_NAME,
    label: 'response cache',
    async decode(bytes) {
      const r = await decodeCacheFile(bytes);
      if (!r.ok) return { ok: false, reason: r.reason === 'version' ? `from another version: ${r.detail}` : r.detail };
      onSize(bytes.length);
      return { ok: true, data: r.entries };
    },
    async encode(entries) {
      const { bytes } = await encodeCacheFile(entries);
      onSize(bytes.length);
      return bytes;
    },
    empty: () => [],
  };
}

function codecFromId(id: number | undefined): Codec | undefined {
  if (id === CODEC_IDS.gzip) return 'gzip';
  if (id === CODEC_IDS.brotli) return 'brotli';
  return undefined;
}

function corrupt(detail: string): DecodeResult {
  return { ok: false, reason: 'corrupt', detail };
}

const FINISH_REASONS = new Set<string>(['stop', 'length', 'content_filter', 'tool_calls', 'other']);

function isCacheEntry(v: unknown): boolean {
  return isCachedResponse(v) && typeof (v as unknown as Record<string, unknown>).key === 'string';
}

/** Whether outside bytes (a cache file, another team member's shared entry) hold a usable answer. */
export function isCachedResponse(v: unknown): v is CachedResponse {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  const u = e.usage as Record<string, unknown> | null;
  return (
    typeof e.text === 'string' &&
    typeof e.provider === 'string' &&
    typeof e.model === 'string' &&
    typeof e.finishReason === 'string' &&
    FINISH_REASONS.has(e.finishReason) &&
    (e.costUsd === null || Number.isFinite(e.costUsd)) &&
    Number.isFinite(e.createdAt) &&
    Number.isFinite(e.expiresAt) &&
    Array.isArray(e.tags) &&
    e.tags.every((t) => typeof t === 'string') &&
    typeof u === 'object' &&
    u !== null &&
    Number.isFinite(u.inputTokens) &&
    Number.isFinite(u.outputTokens) &&
    Number.isFinite(u.cachedInputTokens) &&
    (e.toolCalls === undefined || (Array.isArray(e.toolCalls) && e.toolCalls.every(isToolCall)))
  );
}

function isToolCall(v: unknown): boolean {
  const c = v as Record<string, unknown> | null;
  return typeof c === 'object' && c !== null && typeof c.id === 'string' && typeof c.name === 'string' && typeof c.arguments === 'object' && c.arguments !== null && !Array.isArray(c.arguments);
}
