import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { codecOf, decodeCacheFile, encodeCacheFile, entrySize } from '../../src/engine/cache/cacheFile';
import { cacheKey } from '../../src/engine/cache/cacheKey';
import { replayAsStream, splitForReplay } from '../../src/engine/cache/replay';
import {
  CACHE_FILE_NAME,
  type CacheableResponse,
  type ResponseCacheConfig,
  ResponseCache,
  type ResponseCacheOptions,
  fileTag,
} from '../../src/engine/cache/responseCache';
import { CancelledError } from '../../src/engine/errors';
import { FileStateStore } from '../../src/engine/state/fileStateStore';

const T0 = 1_700_000_000_000;
const CONFIG: ResponseCacheConfig = { enabled: true, ttlSeconds: 60, maxBytes: 1024 * 1024 };

function answer(text = 'The function sums its arguments and returns the total.'): CacheableResponse {
  return {
    text,
    provider: 'openai-main',
    model: 'gpt-4o-mini',
    usage: { inputTokens: 100, outputTokens: 12, cachedInputTokens: 40, cacheWriteTokens: 0 },
    finishReason: 'stop',
    costUsd: 0.0002,
  };
}

function keyFor(content: string): string {
  return cacheKey({
    providerKind: 'openai',
    model: 'gpt-4o-mini',
    baseUrl: 'https://api.openai.com/v1',
    request: { messages: [{ role: 'user', content }] },
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ResponseCache', () => {
  let dir: string;
  let clock: number;
  let warnings: string[];
  const opened: ResponseCache[] = [];

  function open(over: Partial<ResponseCacheOptions> = {}): ResponseCache {
    const cache = new ResponseCache({
      config: CONFIG,
      store: new FileStateStore({ dir, warn: (m) => warnings.push(m) }),
      now: () => clock,
      flushDelayMs: 10_000,
      ...over,
    });
    opened.push(cache);
    return cache;
  }

  const cacheFile = () => path.join(dir, CACHE_FILE_NAME);

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'llm-router-cache-'));
    clock = T0;
    warnings = [];
  });

  afterEach(async () => {
    for (const c of opened.splice(0)) await c.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  describe('lookups', () => {
    it('misses, then hits after set, and returns the stored fields with createdAt and expiresAt', async () => {
      const cache = open();
      const key = keyFor('q1');
      assert.equal(await cache.get(key), undefined);
      await cache.set(key, answer(), { tags: ['t'] });
      const hit = await cache.get(key);
      assert.deepEqual(hit, { ...answer(), createdAt: T0, expiresAt: T0 + 60_000, tags: ['t'] });
      assert.deepEqual(
        { hits: cache.stats().hits, misses: cache.stats().misses, hitRate: cache.stats().hitRate, entries: cache.stats().entries },
        { hits: 1, misses: 1, hitRate: 0.5, entries: 1 },
      );
    });

    it('never serves an answer stored under another key', async () => {
      const cache = open();
      await cache.set(keyFor('q1'), answer('one'));
      assert.equal(await cache.get(keyFor('q2')), undefined);
    });

    it('stores and serves nothing when disabled, and never creates a file', async () => {
      const cache = open({ config: { ...CONFIG, enabled: false } });
      assert.equal(await cache.set(keyFor('q'), answer()), undefined);
      assert.equal(await cache.get(keyFor('q')), undefined);
      await cache.flush();
      assert.deepEqual(await fs.readdir(dir), []);
    });

    it('counts memoryBytes from the entries it holds', async () => {
      const cache = open();
      const key = keyFor('q');
      const stored = await cache.set(key, answer());
      assert.ok(stored);
      assert.equal(cache.stats().memoryBytes, entrySize(key, stored));
    });
  });

  describe('TTL', () => {
    it('expires an entry once the configured ttl has passed', async () => {
      const cache = open();
      await cache.set(keyFor('q'), answer());
      clock = T0 + 59_999;
      assert.ok(await cache.get(keyFor('q')));
      clock = T0 + 60_000;
      assert.equal(await cache.get(keyFor('q')), undefined);
      assert.equal(cache.stats().entries, 0);
    });

    it('honours a per-entry ttl override', async () => {
      const cache = open();
      await cache.set(keyFor('short'), answer(), { ttlSeconds: 5 });
      await cache.set(keyFor('long'), answer(), { ttlSeconds: 3600 });
      clock = T0 + 5_000;
      assert.equal(await cache.get(keyFor('short')), undefined);
      clock = T0 + 3_599_000;
      assert.ok(await cache.get(keyFor('long')));
    });

    it('stores nothing for a ttl of 0', async () => {
      const cache = open();
      assert.equal(await cache.set(keyFor('q'), answer(), { ttlSeconds: 0 }), undefined);
      assert.equal(await cache.get(keyFor('q')), undefined);
    });

    it('does not load entries that expired while the process was away', async () => {
      const first = open();
      await first.set(keyFor('q'), answer(), { ttlSeconds: 10 });
      await first.set(keyFor('r'), answer(), { ttlSeconds: 100 });
      await first.flush();
      clock = T0 + 10_000;
      const second = open();
      assert.equal(await second.get(keyFor('q')), undefined);
      assert.ok(await second.get(keyFor('r')));
    });
  });

  describe('invalidation', () => {
    it('invalidate(tag) removes every entry carrying the tag and nothing else', async () => {
      const cache = open();
      await cache.set(keyFor('a'), answer(), { tags: ['workspace:1', 'x'] });
      await cache.set(keyFor('b'), answer(), { tags: ['workspace:1'] });
      await cache.set(keyFor('c'), answer(), { tags: ['workspace:2'] });
      assert.equal(await cache.invalidate('workspace:1'), 2);
      assert.equal(await cache.get(keyFor('a')), undefined);
      assert.equal(await cache.get(keyFor('b')), undefined);
      assert.ok(await cache.get(keyFor('c')));
      assert.equal(await cache.invalidate('x'), 0);
    });

    it('invalidateFile(path, newHash) drops analyses of older contents and keeps the current one', async () => {
      const cache = open();
      const file = path.join('src', 'util.ts');
      await cache.set(keyFor('v1'), answer('old analysis'), { tags: [fileTag(file, 'AAAA11')] });
      await cache.set(keyFor('v2'), answer('new analysis'), { tags: [fileTag(file, 'bbbb22')] });
      await cache.set(keyFor('other'), answer(), { tags: [fileTag('src/other.ts', 'aaaa11')] });
      assert.equal(await cache.invalidateFile(file, 'BBBB22'), 1);
      assert.equal(await cache.get(keyFor('v1')), undefined);
      assert.equal((await cache.get(keyFor('v2')))?.text, 'new analysis');
      assert.ok(await cache.get(keyFor('other')));
    });

    it('invalidateFile(path) without a hash drops every analysis of that file', async () => {
      const cache = open();
      await cache.set(keyFor('v1'), answer(), { tags: [fileTag('a.ts', '01')] });
      await cache.set(keyFor('v2'), answer(), { tags: [fileTag('a.ts', '02')] });
      assert.equal(await cache.invalidateFile('a.ts'), 2);
      assert.equal(cache.stats().entries, 0);
    });

    it('fileTag rejects a content hash that is not hex', () => {
      assert.throws(() => fileTag('a.ts', 'not-hex'), TypeError);
    });

    it('keeps invalidated entries out of the file even when another process wrote them there too', async () => {
      const a = open();
      const b = open();
      await a.set(keyFor('a'), answer(), { tags: [fileTag('f.ts', 'aa')] });
      await a.flush();
      clock += 1;
      await b.set(keyFor('b'), answer(), { tags: ['keep'] });
      await b.flush();
      clock += 1;
      assert.equal(await a.invalidateFile('f.ts', 'bb'), 1);
      await a.flush();
      const reader = open();
      assert.equal(await reader.get(keyFor('a')), undefined);
      assert.ok(await reader.get(keyFor('b')));
    });
  });

  describe('size bound', () => {
    it('evicts least recently used entries beyond maxBytes and counts the evictions', async () => {
      const probe = { ...answer('x'.repeat(1000)), createdAt: 0, expiresAt: 0, tags: [] };
      const one = entrySize(keyFor('k0'), probe);
      const cache = open({ config: { ...CONFIG, maxBytes: one * 3 } });
      for (let i = 0; i < 3; i++) await cache.set(keyFor(`k${i}`), answer('x'.repeat(1000)));
      assert.ok(await cache.get(keyFor('k0')));
      await cache.set(keyFor('k3'), answer('x'.repeat(1000)));
      await cache.set(keyFor('k4'), answer('x'.repeat(1000)));
      const stats = cache.stats();
      assert.equal(stats.evictions, 2);
      assert.equal(stats.entries, 3);
      assert.ok(stats.memoryBytes <= one * 3);
      assert.ok(await cache.get(keyFor('k0')), 'recently read entry survives');
      assert.equal(await cache.get(keyFor('k1')), undefined);
      assert.equal(await cache.get(keyFor('k2')), undefined);
    });

    it('refuses a single answer larger than maxBytes without disturbing the others', async () => {
      const cache = open({ config: { ...CONFIG, maxBytes: 4096 } });
      await cache.set(keyFor('small'), answer());
      assert.equal(await cache.set(keyFor('huge'), answer('y'.repeat(10_000))), undefined);
      assert.ok(await cache.get(keyFor('small')));
      assert.equal(cache.stats().evictions, 0);
    });
  });

  describe('persistence', () => {
    it('does not touch the disk in the constructor, only on ready() or the first operation', async () => {
      const missingDir = path.join(dir, 'not-created-yet');
      open({ store: new FileStateStore({ dir: missingDir }) });
      await sleep(5);
      await assert.rejects(fs.stat(missingDir), { code: 'ENOENT' });

      await fs.writeFile(cacheFile(), 'garbage');
      const lazy = open();
      await sleep(5);
      assert.deepEqual(await fs.readdir(dir), [CACHE_FILE_NAME], 'the bad file is not even read yet');
      assert.deepEqual(warnings, []);
      await lazy.get(keyFor('q'));
      assert.equal(warnings.length, 1);
    });

    it('loads on the first get, serving what an earlier instance flushed', async () => {
      const first = open();
      await first.set(keyFor('q'), answer('persisted'), { tags: [fileTag('a.ts', 'ab')] });
      await first.flush();
      const second = open();
      const hit = await second.get(keyFor('q'));
      assert.equal(hit?.text, 'persisted');
      assert.deepEqual(hit?.tags, [fileTag('a.ts', 'ab')]);
      assert.equal(await second.invalidateFile('a.ts', 'cd'), 1, 'tags are indexed after loading');
    });

    it('writes atomically: the file is replaced whole and no temp files are left', async () => {
      const cache = open();
      await cache.set(keyFor('a'), answer());
      await cache.flush();
      const before = await fs.stat(cacheFile());
      await cache.set(keyFor('b'), answer());
      await cache.flush();
      const after = await fs.stat(cacheFile());
      assert.notEqual(after.ino, before.ino, 'a new file was renamed over the old one');
      assert.deepEqual(await fs.readdir(dir), [CACHE_FILE_NAME]);
      const decoded = await decodeCacheFile(await fs.readFile(cacheFile()));
      assert.ok(decoded.ok);
      assert.deepEqual(decoded.entries.map((e) => e.key).sort(), [keyFor('a'), keyFor('b')].sort());
      assert.equal((after.mode & 0o777).toString(8), '600');
    });

    it('reports diskBytes as the size of the file after a flush and after a load', async () => {
      const cache = open();
      assert.equal(cache.stats().diskBytes, 0);
      await cache.set(keyFor('a'), answer());
      await cache.flush();
      const size = (await fs.stat(cacheFile())).size;
      assert.equal(cache.stats().diskBytes, size);
      const reader = open();
      await reader.ready();
      assert.equal(reader.stats().diskBytes, size);
    });

    it('records the codec it chose in the file header', async () => {
      const cache = open();
      await cache.set(keyFor('a'), answer('compressible '.repeat(200)));
      await cache.flush();
      const bytes = await fs.readFile(cacheFile());
      const decoded = await decodeCacheFile(bytes);
      assert.ok(decoded.ok);
      assert.ok(codecOf(bytes) === 'brotli' || codecOf(bytes) === 'gzip');
      assert.equal(codecOf(bytes), decoded.codec);
    });

    it('saves on its own after a set, once the flush delay has passed', async () => {
      const cache = open({ flushDelayMs: 15 });
      await cache.set(keyFor('a'), answer());
      await assert.rejects(fs.stat(cacheFile()), { code: 'ENOENT' });
      for (let i = 0; i < 50 && !(await exists(cacheFile())); i++) await sleep(10);
      const decoded = await decodeCacheFile(await fs.readFile(cacheFile()));
      assert.ok(decoded.ok && decoded.entries.length === 1);
    });

    it('close() saves pending changes', async () => {
      const cache = open();
      await cache.set(keyFor('a'), answer());
      await cache.close();
      const reader = open();
      assert.ok(await reader.get(keyFor('a')));
    });

    it('clear() empties memory and deletes the file, and a later flush does not bring entries back', async () => {
      const cache = open();
      await cache.set(keyFor('a'), answer());
      await cache.flush();
      await cache.clear();
      assert.equal(cache.stats().entries, 0);
      assert.equal(cache.stats().diskBytes, 0);
      assert.equal(await exists(cacheFile()), false);
      clock += 1;
      await cache.set(keyFor('b'), answer());
      await cache.flush();
      const reader = open();
      assert.equal(await reader.get(keyFor('a')), undefined);
      assert.ok(await reader.get(keyFor('b')));
    });
  });

  describe('recovery from a bad file', () => {
    const cases: Array<[string, () => Promise<Buffer>]> = [
      ['zero-length', async () => Buffer.alloc(0)],
      ['garbage', async () => Buffer.from('{"definitely": "not a cache file"}\n\x00\x01\x02')],
      [
        'truncated',
        async () => {
          const { bytes } = await encodeCacheFile([
            { key: 'k', ...answer('t '.repeat(500)), createdAt: T0, expiresAt: T0 + 1e9, tags: [] },
          ]);
          return bytes.subarray(0, bytes.length - 10);
        },
      ],
      [
        'wrong-version',
        async () => {
          const { bytes } = await encodeCacheFile([]);
          bytes[4] = 99;
          return bytes;
        },
      ],
    ];

    for (const [name, make] of cases) {
      it(`sets a ${name} file aside, warns once, starts empty, and saves normally afterwards`, async () => {
        await fs.writeFile(cacheFile(), await make());
        const cache = open();
        assert.equal(await cache.get(keyFor('k')), undefined);
        assert.equal(await cache.get(keyFor('k')), undefined);
        await cache.set(keyFor('fresh'), answer());
        await cache.flush();
        assert.equal(warnings.length, 1);
        assert.match(warnings[0], /response cache .* could not be used .*started fresh/);
        const files = await fs.readdir(dir);
        assert.equal(files.filter((f) => f.startsWith(`${CACHE_FILE_NAME}.corrupt-`)).length, 1);
        assert.ok(files.includes(CACHE_FILE_NAME));
        const reader = open();
        assert.ok(await reader.get(keyFor('fresh')));
        assert.equal(warnings.length, 1);
      });
    }
  });

  it('sets aside a file another process corrupted after this one loaded, and still saves', async () => {
    const cache = open();
    await cache.set(keyFor('a'), answer());
    await cache.flush();
    await fs.writeFile(cacheFile(), Buffer.from('LLRC\x01\x01\x02\x00\x00\x00\x00\x10broken', 'latin1'));
    await cache.set(keyFor('b'), answer());
    await cache.flush();
    assert.equal(warnings.length, 1);
    const reader = open();
    assert.ok(await reader.get(keyFor('a')));
    assert.ok(await reader.get(keyFor('b')));
    assert.equal(warnings.length, 1);
  });

  describe('two processes sharing one folder', () => {
    it('keeps both writers\u2019 entries after both flush', async () => {
      const a = open();
      const b = open();
      await a.set(keyFor('from-a'), answer('A'));
      await b.set(keyFor('from-b'), answer('B'));
      await a.flush();
      await b.flush();
      const reader = open();
      assert.equal((await reader.get(keyFor('from-a')))?.text, 'A');
      assert.equal((await reader.get(keyFor('from-b')))?.text, 'B');
    });

    it('keeps both when the two flushes run at the same time', async () => {
      const a = open();
      const b = open();
      for (let i = 0; i < 20; i++) {
        await a.set(keyFor(`a${i}`), answer(`A${i}`));
        await b.set(keyFor(`b${i}`), answer(`B${i}`));
      }
      await Promise.all([a.flush(), b.flush()]);
      await Promise.all([a.set(keyFor('a-late'), answer()), b.set(keyFor('b-late'), answer())]);
      await Promise.all([a.flush(), b.flush()]);
      await a.flush();
      const reader = open();
      await reader.ready();
      const missing: string[] = [];
      for (const k of ['a-late', 'b-late', ...Array.from({ length: 20 }, (_, i) => `a${i}`), ...Array.from({ length: 20 }, (_, i) => `b${i}`)]) {
        if (!(await reader.get(keyFor(k)))) missing.push(k);
      }
      assert.deepEqual(missing, []);
    });

    it('keeps the newer answer when both wrote the same key', async () => {
      const a = open();
      const b = open();
      await a.set(keyFor('same'), answer('older'));
      clock += 1000;
      await b.set(keyFor('same'), answer('newer'));
      await b.flush();
      await a.flush();
      const reader = open();
      assert.equal((await reader.get(keyFor('same')))?.text, 'newer');
    });

    it('bounds the merged file by maxBytes, keeping the newest entries', async () => {
      const text = 'z'.repeat(2000);
      const probe = { ...answer(text), createdAt: 0, expiresAt: 0, tags: [] };
      const config = { ...CONFIG, maxBytes: entrySize(keyFor('a0'), probe) * 2 };
      const a = open({ config });
      const b = open({ config });
      await a.set(keyFor('a0'), answer(text));
      clock += 1;
      await b.set(keyFor('b0'), answer(text));
      clock += 1;
      await a.set(keyFor('a1'), answer(text));
      await a.flush();
      await b.flush();
      const decoded = await decodeCacheFile(await fs.readFile(cacheFile()));
      assert.ok(decoded.ok);
      assert.deepEqual(decoded.entries.map((e) => e.key), [keyFor('b0'), keyFor('a1')]);
    });
  });
});

describe('streamed replay of a cached answer', () => {
  const text = 'The function sums its arguments, ignores NaN values, and returns 0 for an empty list.';

  it('delivers several deltas whose concatenation equals the text', async () => {
    const deltas: string[] = [];
    const count = await replayAsStream(text, (d) => deltas.push(d));
    assert.ok(deltas.length > 1);
    assert.equal(count, deltas.length);
    assert.equal(deltas.join(''), text);
  });

  it('splits even a two-word answer into more than one delta', async () => {
    const deltas: string[] = [];
    await replayAsStream('Hello world', (d) => deltas.push(d));
    assert.deepEqual(deltas, ['Hello ', 'world']);
  });

  it('keeps words whole and honours chunkSize', () => {
    const chunks = splitForReplay(text, 10);
    assert.equal(chunks.join(''), text);
    for (const c of chunks.slice(0, -1)) assert.match(c, /\s$/, `chunk ${JSON.stringify(c)} ends mid-word`);
    assert.ok(chunks.every((c) => c.length <= 20));
  });

  it('cuts long runs without whitespace and never separates a surrogate pair', () => {
    const run = '界'.repeat(30) + '😀'.repeat(30);
    const chunks = splitForReplay(run, 8);
    assert.ok(chunks.length > 5);
    assert.equal(chunks.join(''), run);
    for (const c of chunks) assert.ok(!/[\ud800-\udbff]$/.test(c) && !/^[\udc00-\udfff]/.test(c));
  });

  it('preserves leading, trailing and repeated whitespace and newlines', () => {
    const code = '  const x = 1;\n\n\tfunction f() {\n    return x;\n}\n';
    assert.equal(splitForReplay(code, 6).join(''), code);
  });

  it('delivers nothing for an empty answer', async () => {
    let calls = 0;
    assert.equal(await replayAsStream('', () => calls++), 0);
    assert.equal(calls, 0);
  });

  it('stops with CancelledError when the signal aborts mid-replay', async () => {
    const controller = new AbortController();
    const deltas: string[] = [];
    await assert.rejects(
      replayAsStream(
        text,
        (d) => {
          deltas.push(d);
          if (deltas.length === 2) controller.abort();
        },
        { signal: controller.signal },
      ),
      CancelledError,
    );
    assert.equal(deltas.length, 2);
  });
});

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}
