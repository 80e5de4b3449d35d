import assert from 'node:assert/strict';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseConfig } from '../../src/engine/config/loadConfig';
import { RouterEngine } from '../../src/engine/engine';
import { BudgetExceededError } from '../../src/engine/errors';
import type { ChatRequest } from '../../src/engine/types';
import { startEmulator, type Emulator } from '../emulator/server';

const FILES = ['breakers.json', 'cache.bin', 'metrics.json', 'costs.json'] as const;
type StateFile = (typeof FILES)[number];

const ask = (content: string): ChatRequest => ({ messages: [{ role: 'user', content }] });

/** Each way a state file can be damaged; returns a note on how it was done when that differs by platform. */
const DAMAGES: Record<string, (file: string) => Promise<string | void>> = {
  truncated: async (file) => {
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
  },
  garbage: async (file) => {
    await writeFile(file, Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 131 + 7) % 256)));
  },
  'zero-length': async (file) => {
    await writeFile(file, '');
  },
  'wrong-version': async (file) => {
    const bytes = await readFile(file);
    if (file.endsWith('.bin')) {
      // Byte 4 of the cache header is its file version.
      bytes[4] = 99;
      await writeFile(file, bytes);
      return;
    }
    const doc = JSON.parse(bytes.toString('utf8')) as { version: number };
    doc.version = 99;
    await writeFile(file, JSON.stringify(doc));
  },
  unreadable: async (file) => {
    await chmod(file, 0o000);
    const stillReadable = await readFile(file).then(
      () => true,
      () => false,
    );
    if (!stillReadable) return;
    // Running as root, permissions do not stop reads: a directory in the file's place is unreadable for anyone.
    await rm(file, { force: true });
    await mkdir(file);
    return 'replaced by a directory (root ignores chmod 000)';
  },
};

describe('state files: damaged, unreadable and concurrently written', function () {
  this.timeout(30_000);
  let a: Emulator;
  let b: Emulator;
  let golden: string;
  const dirs: string[] = [];

  const config = () =>
    parseConfig({
      providers: [
        { id: 'a', kind: 'openai', model: 'gpt-4o-mini', baseUrl: a.baseUrl('openai'), priority: 1 },
        { id: 'b', kind: 'anthropic', model: 'claude-3-5-haiku-latest', baseUrl: b.baseUrl('anthropic'), priority: 2 },
      ],
      retry: { maxAttempts: 1 },
    }).config;

  function engineOn(stateDir: string, warnings: string[]): RouterEngine {
    return new RouterEngine({ config: config(), stateDir, resolveKey: () => 'sk-state-test', warn: (m) => warnings.push(m) });
  }

  async function freshDir(): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), 'llm-router-state-'));
    dirs.push(dir);
    return dir;
  }

  before(async () => {
    a = await startEmulator({ name: 'a' });
    b = await startEmulator({ name: 'b' });
    // A state dir with every file valid: a cached answer, metrics and spend for one request, provider b isolated.
    golden = await freshDir();
    const warnings: string[] = [];
    const engine = engineOn(golden, warnings);
    assert.equal((await engine.chat(ask('remember me'))).provider, 'a');
    engine.isolate('b');
    await engine.close();
    assert.deepEqual(warnings, []);
    const names = await readdir(golden);
    for (const f of FILES) assert.ok(names.includes(f), `${f} was not written`);
  });

  after(async () => {
    await a.close();
    await b.close();
    for (const dir of dirs) {
      await chmod(dir, 0o700).catch(() => undefined);
      for (const f of FILES) await chmod(path.join(dir, f), 0o600).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });

  beforeEach(() => {
    a.reset();
    b.reset();
  });

  /** What the golden state says, checked on a new engine: each file's content that was not damaged is still in effect. */
  async function assertKept(engine: RouterEngine, damaged: StateFile, what: string): Promise<void> {
    const stats = await engine.stats('today');
    if (damaged !== 'breakers.json') assert.equal(engine.providers().find((p) => p.id === 'b')?.breaker.state, 'isolated', `${what}: breaker state lost`);
    if (damaged !== 'metrics.json') {
      const requests = stats.metrics.providers.a?.requests ?? 0;
      assert.ok(requests >= 1, `${what}: metrics lost`);
    }
    if (damaged !== 'costs.json') assert.ok(stats.costs.today.requests >= 1, `${what}: recorded spend lost`);
    if (damaged !== 'cache.bin') {
      const again = await engine.chat(ask('remember me'));
      assert.equal(again.cached, true, `${what}: cached answer lost`);
    }
  }

  for (const file of FILES) {
    for (const [damage, apply] of Object.entries(DAMAGES)) {
      it(`${file} ${damage}: the engine starts, answers, warns once about ${file} and keeps every other file's content`, async () => {
        const dir = await freshDir();
        await cp(golden, dir, { recursive: true });
        const how = await apply(path.join(dir, file));
        const what = `${file} ${damage}${how ? ` (${how})` : ''}`;
        const warnings: string[] = [];
        const engine = engineOn(dir, warnings);
        try {
          const answer = await engine.chat(ask(`a new question after ${damage}`));
          assert.equal(answer.provider, 'a', `${what}: no answer`);
          await assertKept(engine, file, what);
        } finally {
          await engine.close();
        }
        const about = warnings.filter((w) => w.includes(file));
        assert.equal(about.length, 1, `${what}: expected one warning about ${file}, got:\n${warnings.join('\n')}`);
        assert.equal(warnings.length, 1, `${what}: warnings about other files:\n${warnings.join('\n')}`);
        assert.ok(!/sk-state-test/.test(about[0]), 'the key is in a warning');
      });
    }
  }

  it('sets a damaged file aside for inspection and writes a fresh one, so the next start is clean', async () => {
    const dir = await freshDir();
    await cp(golden, dir, { recursive: true });
    for (const f of FILES) await DAMAGES.garbage(path.join(dir, f));
    const first: string[] = [];
    const engine = engineOn(dir, first);
    await engine.chat(ask('refill'));
    await engine.close();
    assert.equal(first.length, 4, first.join('\n'));
    const names = await readdir(dir);
    for (const f of FILES) assert.ok(names.some((n) => n.startsWith(`${f}.corrupt-`)), `${f} was not set aside`);
    const second: string[] = [];
    const again = engineOn(dir, second);
    assert.equal((await again.chat(ask('refill'))).cached, true);
    await again.close();
    assert.deepEqual(second, []);
  });

  it('a budget counts what another process spent since this one started: the spend is the user\'s, not the window\'s', async () => {
    const dir = await freshDir();
    let skewMs = 0;
    const engine = (budget: { dailyUsd?: number }, pricing?: { inputPerMillion: number; outputPerMillion: number }) =>
      new RouterEngine({
        now: () => Date.now() + skewMs,
        config: parseConfig({
          providers: [{ id: 'a', kind: 'openai-compatible', model: 'house-model', baseUrl: a.baseUrl('openai-compatible'), pricing }],
          budget,
          retry: { maxAttempts: 1 },
        }).config,
        stateDir: dir,
        resolveKey: () => 'sk-state-test',
      });
    // The window knows no price, so it may send while any of its $0.01 is left; the CLI, without a budget, pays $1 a token.
    const window = engine({ dailyUsd: 0.01 });
    const cli = engine({}, { inputPerMillion: 1_000_000, outputPerMillion: 1_000_000 });
    try {
      assert.equal((await window.chat(ask('first'))).provider, 'a', 'the budget is not used up at first');
      const spent = await cli.chat(ask('an expensive question'));
      assert.ok((spent.costUsd as number) > 0.01, `the other process spent ${spent.costUsd}`);
      await cli.flush();
      // Other processes' spend is read again at most once a second: move the clocks on, before any background save runs.
      skewMs = 1_500;
      await assert.rejects(window.chat(ask('again')), BudgetExceededError);
    } finally {
      await Promise.all([window.close(), cli.close()]);
    }
  });

  it('two engines writing one state dir at once lose neither one’s cache entries, metrics, spend nor breaker changes', async () => {
    const dir = await freshDir();
    const w1: string[] = [];
    const w2: string[] = [];
    const e1 = engineOn(dir, w1);
    const e2 = engineOn(dir, w2);
    const rounds = 4;
    for (let r = 0; r < rounds; r++) {
      await Promise.all([e1.chat(ask(`one-${r}`)), e2.chat(ask(`two-${r}`))]);
      // Both save at the same moment, every round: the merges race on every file.
      await Promise.all([e1.flush(), e2.flush()]);
    }
    e1.isolate('b');
    await Promise.all([e1.close(), e2.close()]);
    assert.deepEqual([...w1, ...w2], []);

    a.reset();
    const w3: string[] = [];
    const e3 = engineOn(dir, w3);
    try {
      for (let r = 0; r < rounds; r++) {
        assert.equal((await e3.chat(ask(`one-${r}`))).cached, true, `one-${r} lost from the cache`);
        assert.equal((await e3.chat(ask(`two-${r}`))).cached, true, `two-${r} lost from the cache`);
      }
      assert.equal(a.requests.length, 0, 'a cached answer was asked again');
      const stats = await e3.stats('today');
      assert.equal(stats.metrics.providers.a?.requests, 2 * rounds, 'metrics of one engine lost');
      assert.equal(stats.costs.today.requests, 2 * rounds, 'spend of one engine lost');
      assert.equal(e3.providers().find((p) => p.id === 'b')?.breaker.state, 'isolated', 'breaker change lost');
    } finally {
      await e3.close();
    }
    assert.deepEqual(w3, []);
  });
});
