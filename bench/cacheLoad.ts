import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { decodeCacheFile } from '../src/engine/cache/cacheFile';
import { FileStateStore } from '../src/engine/state/fileStateStore';
import { CACHE_FILE_NAME, cacheKey, DEFAULT_CACHE_CONFIG, fileTag, ResponseCache } from '../src/engine/cache/responseCache';
import { answerText, seededRandom } from './answerText';
import { gcFunction } from './memory';
import { median, round } from './stats';

export interface CacheLoadFigures {
  entries: number;
  loads: number;
  loadMs: number;
  loadMsAll: number[];
  /** Process CPU time of one load (main thread plus the thread pool that decompresses), median. */
  loadCpuMs: number;
  /** decodeCacheFile alone (decompress, JSON.parse, shape check), median. */
  decodeMs: number;
  diskBytes: number;
  /** The uncompressed JSON payload (what the file would be without compression). */
  rawJsonBytes: number;
  answerTextBytes: number;
  compressionRatio: number;
  codec: string;
}

const MIN_CHARS = 300;
const MAX_CHARS = 1_500;

export async function measureCacheLoad(entries: number, loads: number): Promise<CacheLoadFigures> {
  const stateDir = await mkdtemp(path.join(tmpdir(), 'llm-router-bench-'));
  try {
    const answerTextBytes = await writeCache(stateDir, entries);
    const bytes = await readFile(path.join(stateDir, CACHE_FILE_NAME));
    const { codec, rawJsonBytes } = await describeFile(bytes, entries);

    // Each load starts from a collected heap holding no other copy of the cache, as a fresh process would.
    const gc = gcFunction();
    const decodeTimes: number[] = [];
    for (let i = 0; i < loads; i++) {
      gc();
      const t0 = performance.now();
      const d = await decodeCacheFile(bytes);
      decodeTimes.push(performance.now() - t0);
      if (!d.ok) throw new Error('decode failed');
    }
    const loadTimes: number[] = [];
    const loadCpu: number[] = [];
    for (let i = 0; i < loads; i++) {
      gc();
      const reader = new ResponseCache({ config: DEFAULT_CACHE_CONFIG, store: new FileStateStore({ dir: stateDir }) });
      const cpu0 = process.cpuUsage();
      const t1 = performance.now();
      await reader.ready();
      loadTimes.push(performance.now() - t1);
      const cpu = process.cpuUsage(cpu0);
      loadCpu.push((cpu.user + cpu.system) / 1000);
      const loaded = reader.stats().entries;
      await reader.close();
      if (loaded !== entries) throw new Error(`loaded ${loaded} entries, expected ${entries}`);
    }
    return {
      entries,
      loads,
      loadMs: round(median(loadTimes), 1),
      loadMsAll: loadTimes.map((t) => round(t, 1)),
      loadCpuMs: round(median(loadCpu), 1),
      decodeMs: round(median(decodeTimes), 1),
      diskBytes: bytes.length,
      rawJsonBytes,
      answerTextBytes,
      compressionRatio: round(rawJsonBytes / bytes.length, 2),
      codec,
    };
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

function pick(rnd: () => number): string {
  return rnd() < 0.6 ? 'openai' : rnd() < 0.5 ? 'anthropic' : 'gemini';
}

/** Fills a cache on stateDir with `entries` varied answers and saves it; returns the bytes of answer text. */
async function writeCache(stateDir: string, entries: number): Promise<number> {
  const rnd = seededRandom(42);
  const writer = new ResponseCache({ config: DEFAULT_CACHE_CONFIG, store: new FileStateStore({ dir: stateDir }), flushDelayMs: 60_000 });
  let answerTextBytes = 0;
  for (let i = 0; i < entries; i++) {
    const text = answerText(rnd, MIN_CHARS + Math.floor(rnd() * (MAX_CHARS - MIN_CHARS + 1)));
    answerTextBytes += Buffer.byteLength(text);
    const request = { messages: [{ role: 'user' as const, content: `Question ${i}: explain part ${Math.floor(rnd() * 1e6)} of the code.` }], maxTokens: 512 };
    const key = cacheKey({ providerKind: 'openai', model: 'gpt-4o-mini', baseUrl: 'https://api.openai.com/v1', request });
    const tags = rnd() < 0.3 ? [fileTag(`/home/dev/project/src/module${i % 400}.ts`, Math.floor(rnd() * 2 ** 48).toString(16))] : [];
    const out = Math.ceil(text.length / 4);
    const stored = await writer.set(
      key,
      { text, provider: pick(rnd), model: 'gpt-4o-mini', usage: { inputTokens: 20 + Math.floor(rnd() * 2000), outputTokens: out, cachedInputTokens: 0, cacheWriteTokens: 0 }, finishReason: 'stop', costUsd: round(out * 6e-7, 9) },
      { tags },
    );
    if (!stored) throw new Error('the cache refused an entry (maxBytes too small?)');
  }
  await writer.flush();
  await writer.close();
  return answerTextBytes;
}

async function describeFile(bytes: Buffer, entries: number): Promise<{ codec: string; rawJsonBytes: number }> {
  const decoded = await decodeCacheFile(bytes);
  if (!decoded.ok) throw new Error(`the written cache file does not decode: ${decoded.detail}`);
  if (decoded.entries.length !== entries) throw new Error(`the file holds ${decoded.entries.length} entries, expected ${entries}`);
  return { codec: decoded.codec, rawJsonBytes: Buffer.byteLength(JSON.stringify(decoded.entries)) };
}
