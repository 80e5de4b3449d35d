import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { METRICS_FILE_NAME } from '../../src/engine/metrics/metricsFile';
import type { FileLockOptions } from '../../src/engine/state/fileLock';
import { MetricsRegistry, type MetricsRegistryOptions } from '../../src/engine/metrics/metricsRegistry';
import type { RequestRecord } from '../../src/engine/metrics/metricsTypes';
import { FileStateStore } from '../../src/engine/state/fileStateStore';

const MIN = 60_000;

function ok(provider: string, model: string, latencyMs: number, extra: Partial<RequestRecord> = {}): RequestRecord {
  return { provider, model, outcome: 'ok', latencyMs, ttftMs: latencyMs / 4, costUsd: 0.01, inputTokens: 10, outputTokens: 5, ...extra } as RequestRecord;
}

describe('metrics persistence', () => {
  let dir: string;
  let t: number;

  function open(opts: MetricsRegistryOptions & { lock?: FileLockOptions } = {}) {
    const warnings: string[] = [];
    const store = new FileStateStore({ dir, warn: (m) => warnings.push(m), lock: opts.lock });
    const metrics = new MetricsRegistry({ store, now: () => t, flushIntervalMs: 0, ...opts });
    return { metrics, warnings };
  }

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'llm-router-metrics-'));
    t = Date.UTC(2025, 0, 15, 12, 0, 0);
  });

  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('saves to metrics.json and a new registry on the same dir answers the same snapshot and history', async () => {
    const { metrics: a } = open();
    for (let i = 1; i <= 50; i++) a.recordRequest(ok('openai', 'gpt-4o', i * 20));
    a.recordRequest(ok('openai', 'gpt-4o-mini', 70, { costUsd: null }));
    a.recordRequest({ provider: 'anthropic', model: 'claude', outcome: 'error', errorClass: 'overloaded', latencyMs: 9, costUsd: 0 });
    a.recordBreakerTransition('anthropic', 'closed', 'open');
    a.recordCacheHit();
    t += 3 * MIN;
    a.recordRequest(ok('openai', 'gpt-4o', 400));
    await a.close();

    const doc = JSON.parse(await fs.readFile(path.join(dir, METRICS_FILE_NAME), 'utf8'));
    assert.equal(doc.version, 1);
    assert.equal(doc.minutes.length, 2);

    const { metrics: b, warnings } = open();
    await b.load();
    assert.deepEqual(warnings, []);
    for (const w of ['5m', '1h', 'today', '24h', 'all'] as const) assert.deepEqual(b.snapshot(w), a.snapshot(w), w);
    assert.deepEqual(b.history(), a.history());
    assert.deepEqual(b.history('openai'), a.history('openai'));
    const s = b.snapshot('1h');
    assert.equal(s.providers.openai.requests, 52);
    assert.equal(s.providers.openai.unknownCostRequests, 1);
    assert.equal(s.providers.anthropic.errors.overloaded, 1);
    assert.deepEqual(s.providers.anthropic.breakerTransitions, { open: 1 });
    assert.equal(s.cache.hits, 1);
  });

  it('keeps provider prompt-cache figures across a save, and reads a file saved before they were kept as zeros', async () => {
    const { metrics: a } = open();
    a.recordRequest(ok('claude', 'claude-sonnet-4-5', 100, { inputTokens: 3_000, cachedInputTokens: 2_000, cacheWriteTokens: 900, cacheSavedUsd: 0.0054, cacheWritePremiumUsd: 0.000675 }));
    await a.close();
    const { metrics: b } = open();
    await b.load();
    assert.deepEqual(b.snapshot('all').providers.claude.providerCache, {
      inputTokens: 3_000,
      cachedInputTokens: 2_000,
      cacheWriteTokens: 900,
      share: 2_000 / 3_000,
      savedUsd: 0.0054,
      writePremiumUsd: 0.000675,
      netSavedUsd: 0.0054 - 0.000675,
    });

    const file = path.join(dir, METRICS_FILE_NAME);
    const doc = JSON.parse(await fs.readFile(file, 'utf8'));
    const older = JSON.stringify(doc, (key, value) => (['cacheWriteTokens', 'cacheSavedUsd', 'cacheWritePremiumUsd'].includes(key) ? undefined : value));
    await fs.writeFile(file, older);
    const { metrics: c, warnings } = open();
    await c.load();
    assert.deepEqual(warnings, []);
    const pc = c.snapshot('all').providers.claude.providerCache;
    assert.deepEqual([pc.cachedInputTokens, pc.cacheWriteTokens, pc.savedUsd], [2_000, 0, 0]);
  });

  it('drops minutes older than 24 h when reloaded a day later but keeps the all-time totals', async () => {
    const { metrics: a } = open();
    a.recordRequest(ok('p', 'm', 100));
    await a.close();
    t += 25 * 60 * MIN;
    const { metrics: b } = open();
    await b.load();
    assert.equal(b.snapshot('24h').total.requests, 0);
    assert.equal(b.snapshot('all').total.requests, 1);
  });

  it('sets a corrupt file aside, warns once and starts empty, then saves a fresh file', async () => {
    const file = path.join(dir, METRICS_FILE_NAME);
    await fs.writeFile(file, '{"version":1,"minutes":[tru');
    const { metrics, warnings } = open();
    await metrics.load();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /could not be used \(not valid JSON\)/);
    const names = await fs.readdir(dir);
    assert.equal(names.filter((n) => n.startsWith(`${METRICS_FILE_NAME}.corrupt-`)).length, 1);
    assert.equal(names.includes(METRICS_FILE_NAME), false);
    assert.equal(metrics.snapshot('all').total.requests, 0);

    metrics.recordRequest(ok('p', 'm', 100));
    await metrics.flush();
    await metrics.load();
    assert.equal(warnings.length, 1);
    assert.equal(metrics.snapshot('all').total.requests, 1);
  });

  it('sets aside a file of another version, and one whose content does not fit the schema', async () => {
    const file = path.join(dir, METRICS_FILE_NAME);
    await fs.writeFile(file, JSON.stringify({ version: 2, whatever: true }));
    const first = open();
    await first.metrics.load();
    assert.equal(first.warnings.length, 1);
    assert.match(first.warnings[0], /unsupported version 2/);

    await fs.writeFile(file, JSON.stringify({ version: 1, relativeAccuracy: 0.01, savedAt: 0, since: null, allTime: {}, minutes: [] }));
    const second = open();
    await second.metrics.load();
    assert.equal(second.warnings.length, 1);
    assert.match(second.warnings[0], /unexpected content at allTime/);
    assert.equal((await fs.readdir(dir)).filter((n) => n.includes('.corrupt-')).length, 2);
  });

  it('adds up two registries saving to one dir at the same time without losing a count', async () => {
    const { metrics: a } = open();
    const { metrics: b } = open();
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 30; i++) a.recordRequest(ok('p', 'm', 100 + i));
      for (let i = 0; i < 20; i++) b.recordRequest(ok('p', 'm', 500 + i, { outputTokens: 1 }));
      b.recordBreakerTransition('p', 'closed', 'open');
      await Promise.all([a.flush(), b.flush(), a.flush()]);
      t += 20_000;
    }
    const { metrics: reader } = open();
    await reader.load();
    const s = reader.snapshot('1h');
    assert.equal(s.total.requests, 5 * 50);
    assert.equal(s.total.tokens.output, 5 * (30 * 5 + 20 * 1));
    assert.deepEqual(s.total.breakerTransitions, { open: 5 });
    assert.equal(reader.snapshot('all').total.requests, 250);
    await a.flush();
    assert.equal(a.snapshot('1h').total.requests, 250, 'a writer sees the other one after its next save');
    assert.equal((await fs.readdir(dir)).filter((n) => n.endsWith('.lock') || n.endsWith('.tmp')).length, 0);
  });

  it('keeps unsaved counts when a save fails (lock held elsewhere) and saves them on the next try', async () => {
    const lock = path.join(dir, `${METRICS_FILE_NAME}.lock`);
    await fs.writeFile(lock, 'someone else');
    const { metrics } = open({ lock: { timeoutMs: 40, retryMs: 5 } });
    metrics.recordRequest(ok('p', 'm', 100));
    await assert.rejects(metrics.flush(), /Timed out after 40 ms waiting for the lock/);
    metrics.recordRequest(ok('p', 'm', 100));
    assert.equal(metrics.snapshot('5m').total.requests, 2);

    await fs.rm(lock);
    await metrics.flush();
    const { metrics: reader } = open();
    await reader.load();
    assert.equal(reader.snapshot('5m').total.requests, 2);
  });

  it('breaks a lock left behind by a crashed process once it is stale', async () => {
    const lock = path.join(dir, `${METRICS_FILE_NAME}.lock`);
    await fs.writeFile(lock, '12345\n');
    const old = new Date(Date.now() - 60_000);
    await fs.utimes(lock, old, old);
    const { metrics } = open({ lock: { timeoutMs: 200, staleMs: 10_000 } });
    metrics.recordRequest(ok('p', 'm', 100));
    await metrics.flush();
    await assert.rejects(fs.stat(lock), { code: 'ENOENT' });
    const { metrics: reader } = open();
    await reader.load();
    assert.equal(reader.snapshot('5m').total.requests, 1);
  });

  it('reads other processes\' counts on a flush with nothing of its own to save', async () => {
    const { metrics: reader } = open();
    await reader.load();
    const { metrics: writer } = open();
    writer.recordRequest(ok('p', 'm', 100));
    await writer.flush();
    assert.equal(reader.snapshot('5m').total.requests, 0);
    await reader.flush();
    assert.equal(reader.snapshot('5m').total.requests, 1);
  });

  it('saves in the background every flushIntervalMs once something was recorded, and open() loads it', async () => {
    const { metrics } = open({ flushIntervalMs: 15 });
    metrics.recordRequest(ok('p', 'm', 100));
    const file = path.join(dir, METRICS_FILE_NAME);
    for (let i = 0; i < 100 && !(await fs.stat(file).catch(() => undefined)); i++) await new Promise((r) => setTimeout(r, 5));
    const reader = await MetricsRegistry.open({ store: new FileStateStore({ dir: dir }), now: () => t, flushIntervalMs: 0 });
    assert.equal(reader.snapshot('5m').total.requests, 1);
    await metrics.close();
  });

  it('warns once, not on every tick, while background saves keep failing', async () => {
    await fs.writeFile(path.join(dir, `${METRICS_FILE_NAME}.lock`), 'held');
    const { metrics, warnings } = open({ flushIntervalMs: 5, lock: { timeoutMs: 1, retryMs: 1 } });
    metrics.recordRequest(ok('p', 'm', 100));
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /Could not save the metrics in /);
    await assert.rejects(metrics.close(), /Timed out/);
    assert.equal(metrics.snapshot('5m').total.requests, 1);
  });

  it('persists nothing and touches no file without a state dir', async () => {
    const metrics = new MetricsRegistry({ now: () => t, flushIntervalMs: 0 });
    metrics.recordRequest(ok('p', 'm', 100));
    await metrics.close();
    assert.deepEqual(await fs.readdir(dir), []);
  });
});
