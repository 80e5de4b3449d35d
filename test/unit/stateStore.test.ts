import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RouterEngine } from '../../src/engine/engine';
import { parseConfig } from '../../src/engine/config/loadConfig';
import { FileStateStore } from '../../src/engine/state/fileStateStore';
import { startEmulator, type Emulator } from '../emulator/server';
import { BULK_DOCUMENT, COUNTER_DOCUMENT } from '../support/stateWriter';

const WRITER = path.join(__dirname, '..', 'support', 'stateWriter.ts');
const WRITERS = 4;

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function startWriter(args: string[]): { child: ChildProcess; finished: Promise<Finished> } {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, ...args], { stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const finished = new Promise<Finished>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, finished };
}

/** Runs the writers at once; each must exit 0 without a warning. */
async function runWriters(argsOf: (writer: number) => string[]): Promise<void> {
  const results = await Promise.all(Array.from({ length: WRITERS }, (_, i) => startWriter(argsOf(i)).finished));
  for (const [i, r] of results.entries()) {
    assert.equal(r.code, 0, `writer ${i} failed: ${r.stderr}`);
    assert.deepEqual(JSON.parse(r.stdout), [], `writer ${i} warned`);
  }
}

const lockOf = (dir: string, name: string) => path.join(dir, `${name}.lock`);

async function pidOfExitedProcess(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('close', resolve));
  return child.pid as number;
}

describe('state store: one lock, durable writes, several processes', function () {
  this.timeout(120_000);
  let dir: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'llm-router-store-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  describe('four processes writing one state folder at once', () => {
    let emulator: Emulator;
    before(async () => {
      emulator = await startEmulator();
    });
    after(async () => {
      await emulator.close();
    });

    it('lose no update of a shared document: 4 × 50 increments give exactly 200', async () => {
      await runWriters((i) => ['counter', dir, String(i), '50']);
      assert.equal(await new FileStateStore({ dir }).read(COUNTER_DOCUMENT), 200);
      assert.deepEqual((await fs.readdir(dir)).sort(), ['counter.json'], 'no lock or temp file is left');
    });

    it('lose no cache entry, metric count, spend or breaker transition of any engine', async () => {
      const rounds = 5;
      await runWriters((i) => ['engine', dir, String(i), String(rounds), emulator.baseUrl('openai')]);

      const config = parseConfig({ providers: [{ id: 'a', kind: 'openai', model: 'gpt-4o-mini', baseUrl: emulator.baseUrl('openai') }] }).config;
      const warnings: string[] = [];
      const reader = new RouterEngine({ config, stateDir: dir, resolveKey: () => 'sk-state-reader', warn: (m) => warnings.push(m) });
      try {
        const stats = await reader.stats('all');
        assert.equal(stats.cache.entries, WRITERS * rounds, 'cache entries');
        assert.equal(stats.metrics.providers.a?.requests, WRITERS * rounds, 'metric counts');
        assert.equal(stats.costs.today.requests, WRITERS * rounds, 'spend: requests');
        const one = stats.costs.today.costUsd / (WRITERS * rounds);
        assert.ok(one > 0, 'the emulator reported usage, so each request has a price');
        for (let i = 0; i < WRITERS; i++) {
          assert.deepEqual(stats.metrics.providers[`own-${i}`]?.breakerTransitions, { isolated: 3, closed: 2 }, `breaker transitions of own-${i}`);
        }
      } finally {
        await reader.close();
      }
      const breakers = JSON.parse(await fs.readFile(path.join(dir, 'breakers.json'), 'utf8')) as { providers: Record<string, { state: string }> };
      for (let i = 0; i < WRITERS; i++) assert.equal(breakers.providers[`own-${i}`]?.state, 'isolated', `breaker of own-${i}`);
      assert.deepEqual(warnings, []);
      assert.deepEqual((await fs.readdir(dir)).filter((n) => n.endsWith('.lock') || n.endsWith('.tmp')), []);
    });
  });

  describe('stale locks', () => {
    it('takes over at once a lock whose holder died, however fresh the lock file', async () => {
      const dead = await pidOfExitedProcess();
      await fs.writeFile(lockOf(dir, COUNTER_DOCUMENT.name), `${dead}\n${os.hostname()}\n`);
      const store = new FileStateStore({ dir, lock: { timeoutMs: 2_000, staleMs: 600_000 } });
      const started = Date.now();
      assert.equal(await store.update(COUNTER_DOCUMENT, (n) => n + 1), 1);
      assert.ok(Date.now() - started < 1_000, `took ${Date.now() - started} ms`);
      await assert.rejects(fs.stat(lockOf(dir, COUNTER_DOCUMENT.name)), { code: 'ENOENT' });
    });

    it('takes over a lock older than staleMs whose holder it cannot check (another host)', async () => {
      const lock = lockOf(dir, COUNTER_DOCUMENT.name);
      await fs.writeFile(lock, `1\nsome-other-host\n`);
      const old = new Date(Date.now() - 60_000);
      await fs.utimes(lock, old, old);
      const store = new FileStateStore({ dir, lock: { timeoutMs: 2_000, staleMs: 10_000 } });
      assert.equal(await store.update(COUNTER_DOCUMENT, (n) => n + 1), 1);
    });

    it('waits for a live holder, then gives up with one warning naming the document, and writes nothing', async () => {
      await fs.writeFile(lockOf(dir, COUNTER_DOCUMENT.name), `${process.pid}\n${os.hostname()}\n`);
      const warnings: string[] = [];
      const store = new FileStateStore({ dir, warn: (m) => warnings.push(m), lock: { timeoutMs: 60, retryMs: 5 } });
      await assert.rejects(store.update(COUNTER_DOCUMENT, (n) => n + 1), /Timed out after 60 ms waiting for the lock/);
      assert.equal(await store.read(COUNTER_DOCUMENT), 0, 'reads need no lock');
      await assert.rejects(store.update(COUNTER_DOCUMENT, (n) => n + 1), /Timed out/);
      assert.equal(warnings.length, 1, 'warned once, not on every attempt, though a read worked in between');
      assert.match(warnings[0], /Could not save the test counter in .*counter\.json: Timed out/);
      await assert.rejects(fs.stat(path.join(dir, COUNTER_DOCUMENT.name)), { code: 'ENOENT' });
    });

    it('runs concurrent updates in one process one at a time and removes the lock afterwards', async () => {
      const store = new FileStateStore({ dir });
      await Promise.all(Array.from({ length: 20 }, () => store.update(COUNTER_DOCUMENT, (n) => n + 1)));
      assert.equal(await store.read(COUNTER_DOCUMENT), 20);
      assert.deepEqual(await fs.readdir(dir), ['counter.json']);
    });

    it('releases the lock when the merge throws, and writes nothing', async () => {
      const store = new FileStateStore({ dir });
      await assert.rejects(store.update(COUNTER_DOCUMENT, () => Promise.reject(new Error('boom'))), /boom/);
      assert.deepEqual(await fs.readdir(dir), []);
    });
  });

  describe('crash safety', () => {
    it('a writer killed mid-write leaves the previous whole document, and its lock is taken over at once', async () => {
      const store = new FileStateStore({ dir, lock: { timeoutMs: 2_000, staleMs: 600_000 } });
      for (let kill = 0; kill < 3; kill++) {
        const before = await store.read(BULK_DOCUMENT);
        const { child, finished } = startWriter(['bulk', dir]);
        // Wait until it has written at least once, then kill it wherever it is.
        for (let i = 0; i < 400 && (await store.read(BULK_DOCUMENT)) === before; i++) await new Promise((r) => setTimeout(r, 25));
        await new Promise((r) => setTimeout(r, 37 * (kill + 1)));
        child.kill('SIGKILL');
        assert.equal((await finished).signal, 'SIGKILL');
        const generation = await store.read(BULK_DOCUMENT);
        assert.ok(generation > before, `generation ${generation} after ${before}`);
        assert.equal(await store.update(BULK_DOCUMENT, (g) => g + 1), generation + 1);
      }
      assert.deepEqual(await fs.readdir(dir), ['bulk.json'], 'no lock or temp file left, nothing set aside');
    });

    it('removes the temp file a dead writer left, and keeps a live writer\'s', async () => {
      const dead = await pidOfExitedProcess();
      const orphan = path.join(dir, `${COUNTER_DOCUMENT.name}.${dead}.abcd1234.tmp`);
      const live = path.join(dir, `${COUNTER_DOCUMENT.name}.${process.pid}.abcd1234.tmp`);
      await fs.writeFile(orphan, '12');
      await fs.writeFile(live, '3');
      await new FileStateStore({ dir }).update(COUNTER_DOCUMENT, (n) => n + 1);
      assert.deepEqual((await fs.readdir(dir)).sort(), [path.basename(live), COUNTER_DOCUMENT.name].sort());
    });

    it('a reader never sees a partly written document while another process rewrites it', async () => {
      const { child, finished } = startWriter(['bulk', dir]);
      const store = new FileStateStore({ dir });
      const seen = new Set<number>();
      try {
        const until = Date.now() + 3_000;
        while (Date.now() < until || seen.size < 3) {
          const bytes = await fs.readFile(path.join(dir, BULK_DOCUMENT.name)).catch(() => undefined);
          if (!bytes) continue;
          const decoded = BULK_DOCUMENT.decode(bytes) as { ok: boolean; data?: number; reason?: string };
          assert.ok(decoded.ok, `a reader saw a torn document (${decoded.reason})`);
          seen.add(decoded.data as number);
          if (Date.now() > until + 20_000) break;
        }
      } finally {
        child.kill('SIGKILL');
        await finished;
      }
      assert.ok(seen.size >= 3, `read ${seen.size} generations`);
      assert.ok((await store.read(BULK_DOCUMENT)) > 0);
    });
  });
});
