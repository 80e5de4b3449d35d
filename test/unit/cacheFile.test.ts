import { strict as assert } from 'node:assert';
import * as zlib from 'node:zlib';
import {
  type CacheEntry,
  CACHE_FILE_VERSION,
  codecOf,
  decodeCacheFile,
  encodeCacheFile,
  entrySize,
  mergeEntries,
} from '../../src/engine/cache/cacheFile';

const T0 = 1_700_000_000_000;

function entry(key: string, createdAt: number, over: Partial<CacheEntry> = {}): CacheEntry {
  return {
    key,
    text: `answer for ${key}: the quick brown fox jumps over the lazy dog`,
    provider: 'openai-main',
    model: 'gpt-4o-mini',
    usage: { inputTokens: 120, outputTokens: 40, cachedInputTokens: 0, cacheWriteTokens: 0 },
    finishReason: 'stop',
    costUsd: 0.00012,
    createdAt,
    expiresAt: createdAt + 86_400_000,
    tags: [],
    ...over,
  };
}

function manyEntries(n: number): CacheEntry[] {
  return Array.from({ length: n }, (_, i) => entry(`k${i}`, T0 + i, { tags: [`t${i % 3}`], costUsd: i % 2 ? null : 0.5 }));
}

describe('cache file encoding', () => {
  it('round-trips entries exactly', async () => {
    const entries = manyEntries(50);
    const { bytes } = await encodeCacheFile(entries);
    const decoded = await decodeCacheFile(bytes);
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.entries, entries);
  });

  it('records the chosen codec in the header and picks the smaller of gzip and brotli', async () => {
    const entries = manyEntries(200);
    const { bytes, codec } = await encodeCacheFile(entries);
    assert.equal(codecOf(bytes), codec);
    const json = Buffer.from(JSON.stringify(entries));
    const gz = zlib.gzipSync(json, { level: 6 }).length;
    const br = zlib.brotliCompressSync(json, {
      params: {
        [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
        [zlib.constants.BROTLI_PARAM_QUALITY]: 5,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: json.length,
      },
    }).length;
    assert.equal(codec, br < gz ? 'brotli' : 'gzip');
    assert.equal(bytes.length - 12, Math.min(gz, br));
    const decoded = await decodeCacheFile(bytes);
    assert.ok(decoded.ok && decoded.codec === codec);
  });

  it('reads a gzip-coded file as well as a brotli-coded one', async () => {
    const entries = manyEntries(5);
    const { bytes } = await encodeCacheFile(entries);
    const header = Buffer.from(bytes.subarray(0, 12));
    header[6] = 1;
    const gzFile = Buffer.concat([header, zlib.gzipSync(Buffer.from(JSON.stringify(entries)))]);
    assert.equal(codecOf(gzFile), 'gzip');
    const decoded = await decodeCacheFile(gzFile);
    assert.ok(decoded.ok);
    assert.equal(decoded.codec, 'gzip');
    assert.deepEqual(decoded.entries, entries);
  });

  it('reports an empty file as corrupt', async () => {
    const decoded = await decodeCacheFile(Buffer.alloc(0));
    assert.equal(decoded.ok, false);
    assert.equal(!decoded.ok && decoded.reason, 'corrupt');
  });

  it('reports a truncated file as corrupt, whatever the cut point', async () => {
    const { bytes } = await encodeCacheFile(manyEntries(100));
    for (const cut of [5, 12, 13, Math.floor(bytes.length / 2), bytes.length - 1]) {
      const decoded = await decodeCacheFile(bytes.subarray(0, cut));
      assert.equal(!decoded.ok && decoded.reason, 'corrupt', `cut at ${cut}`);
    }
  });

  it('reports garbage and a file with foreign magic as corrupt', async () => {
    const garbage = Buffer.from('this is not a cache file at all, just some text someone saved here');
    assert.equal((await decodeCacheFile(garbage)).ok, false);
    const { bytes } = await encodeCacheFile(manyEntries(3));
    const badMagic = Buffer.from(bytes);
    badMagic[0] = 0x58;
    const decoded = await decodeCacheFile(badMagic);
    assert.equal(!decoded.ok && decoded.reason, 'corrupt');
  });

  it('reports a damaged compressed body as corrupt', async () => {
    const { bytes } = await encodeCacheFile(manyEntries(100));
    const damaged = Buffer.from(bytes);
    for (let i = 20; i < damaged.length; i += 7) damaged[i] ^= 0xff;
    const decoded = await decodeCacheFile(damaged);
    assert.equal(!decoded.ok && decoded.reason, 'corrupt');
  });

  it('reports a file from another format version or key version as a version mismatch', async () => {
    const { bytes } = await encodeCacheFile(manyEntries(3));
    for (const offset of [4, 5]) {
      const other = Buffer.from(bytes);
      other[offset] = other[offset] + 1;
      const decoded = await decodeCacheFile(other);
      assert.equal(!decoded.ok && decoded.reason, 'version', `byte ${offset}`);
    }
    assert.equal(bytes[4], CACHE_FILE_VERSION);
  });

  it('reports a length that disagrees with the header as corrupt', async () => {
    const { bytes } = await encodeCacheFile(manyEntries(3));
    const lying = Buffer.from(bytes);
    lying.writeUInt32BE(lying.readUInt32BE(8) + 1, 8);
    const decoded = await decodeCacheFile(lying);
    assert.equal(!decoded.ok && decoded.reason, 'corrupt');
  });

  it('reports well-formed JSON with a wrong entry shape as corrupt', async () => {
    const bad = [{ ...entry('a', T0), usage: { inputTokens: 'many' } }] as unknown as CacheEntry[];
    const { bytes } = await encodeCacheFile(bad);
    const decoded = await decodeCacheFile(bytes);
    assert.equal(!decoded.ok && decoded.reason, 'corrupt');
  });
});

describe('mergeEntries', () => {
  const big = Number.MAX_SAFE_INTEGER;

  it('keeps entries from both sides', () => {
    const merged = mergeEntries([entry('a', T0)], [entry('b', T0 + 1)], { now: T0, maxBytes: big });
    assert.deepEqual(merged.map((e) => e.key).sort(), ['a', 'b']);
  });

  it('keeps the newer entry when both sides have the same key', () => {
    const localOld = entry('k', T0, { text: 'local' });
    const diskNew = entry('k', T0 + 5, { text: 'disk' });
    assert.equal(mergeEntries([localOld], [diskNew], { now: T0, maxBytes: big })[0].text, 'disk');
    const localNew = entry('k', T0 + 9, { text: 'local' });
    assert.equal(mergeEntries([localNew], [diskNew], { now: T0, maxBytes: big })[0].text, 'local');
  });

  it('drops expired entries from either side', () => {
    const expiredLocal = entry('a', T0, { expiresAt: T0 + 10 });
    const expiredDisk = entry('b', T0, { expiresAt: T0 + 10 });
    const live = entry('c', T0, { expiresAt: T0 + 1000 });
    const merged = mergeEntries([expiredLocal, live], [expiredDisk], { now: T0 + 10, maxBytes: big });
    assert.deepEqual(merged.map((e) => e.key), ['c']);
  });

  it('keeps the newest entries within maxBytes and returns them oldest first', () => {
    const entries = Array.from({ length: 10 }, (_, i) => entry(`k${i}`, T0 + i));
    const size = entrySize(entries[0].key, entries[0]);
    const merged = mergeEntries(entries.slice(0, 5), entries.slice(5), { now: T0, maxBytes: size * 3 });
    assert.deepEqual(merged.map((e) => e.key), ['k7', 'k8', 'k9']);
  });

  it('drops disk entries the caller marks as invalidated, but never local ones', () => {
    const merged = mergeEntries([entry('a', T0, { tags: ['x'] })], [entry('b', T0, { tags: ['x'] })], {
      now: T0,
      maxBytes: big,
      dropFromDisk: (e) => e.tags.includes('x'),
    });
    assert.deepEqual(merged.map((e) => e.key), ['a']);
  });
});
