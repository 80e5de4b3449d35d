import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ProviderError } from '../../src/engine/errors';
import { BreakerStore } from '../../src/engine/resilience/breakerStore';
import { ProviderBreaker, type BreakerStateChange } from '../../src/engine/resilience/circuitBreaker';
import { FileStateStore } from '../../src/engine/state/fileStateStore';

function clock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

function failTimes(b: ProviderBreaker, n: number) {
  for (let i = 0; i < n; i++) b.failure(new ProviderError({ provider: b.provider, errorClass: 'server_error', message: 'HTTP 500' }));
}

describe('BreakerStore', () => {
  let dir: string;
  const c = clock();
  const breaker = (provider: string) => new ProviderBreaker({ provider, now: c.now, halfOpenAfterMs: 1_000 });

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'breakers-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('round-trips breaker state through breakers.json in the documented format', async () => {
    const a = breaker('a');
    failTimes(a, 5);
    const b = breaker('b');
    failTimes(b, 2);
    await new BreakerStore({ store: new FileStateStore({ dir: dir }) }).sync([a, b]);

    const doc = JSON.parse(await fs.readFile(path.join(dir, 'breakers.json'), 'utf8'));
    assert.equal(doc.version, 1);
    assert.deepEqual(Object.keys(doc.providers).sort(), ['a', 'b']);

    const a2 = breaker('a');
    const b2 = breaker('b');
    await new BreakerStore({ store: new FileStateStore({ dir: dir }) }).sync([a2, b2]);
    assert.deepEqual(a2.snapshot(), a.snapshot());
    assert.equal(a2.state, 'open');
    assert.equal(b2.snapshot().consecutiveFailures, 2);
  });

  it('writes the file with owner-only permissions', async () => {
    const a = breaker('a');
    failTimes(a, 1);
    await new BreakerStore({ store: new FileStateStore({ dir: dir }) }).sync([a]);
    const mode = (await fs.stat(path.join(dir, 'breakers.json'))).mode & 0o777;
    if (process.platform !== 'win32') assert.equal(mode, 0o600);
  });

  it('load() returns an empty set when there is no file yet', async () => {
    assert.deepEqual(await new BreakerStore({ store: new FileStateStore({ dir: path.join(dir, 'missing') }) }).load(), {});
  });

  for (const [name, content] of [
    ['garbage', 'not json {'],
    ['a wrong version', JSON.stringify({ version: 2, providers: {} })],
    ['a wrong shape', JSON.stringify({ version: 1, providers: [] })],
  ] as const) {
    it(`sets a file with ${name} aside, warns once and starts fresh`, async () => {
      const file = path.join(dir, 'breakers.json');
      await fs.writeFile(file, content);
      const warnings: string[] = [];
      const store = new BreakerStore({ store: new FileStateStore({ dir: dir, warn: (m) => warnings.push(m) }) });
      assert.deepEqual(await store.load(), {});
      await fs.writeFile(file, content);
      assert.deepEqual(await store.load(), {});

      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /breakers\.json/);
      const names = await fs.readdir(dir);
      assert.equal(names.filter((n) => n.startsWith('breakers.json.corrupt-')).length >= 1, true);
      assert.equal(names.includes('breakers.json'), false);

      const a = breaker('a');
      failTimes(a, 5);
      await store.sync([a]);
      const fresh = breaker('a');
      await new BreakerStore({ store: new FileStateStore({ dir: dir }) }).sync([fresh]);
      assert.equal(fresh.state, 'open');
    });
  }

  it('drops a single invalid provider entry and keeps the others', async () => {
    const a = breaker('a');
    failTimes(a, 5);
    await new BreakerStore({ store: new FileStateStore({ dir: dir }) }).sync([a]);
    const file = path.join(dir, 'breakers.json');
    const doc = JSON.parse(await fs.readFile(file, 'utf8'));
    doc.providers.bad = { state: 'sideways' };
    await fs.writeFile(file, JSON.stringify(doc));
    const loaded = await new BreakerStore({ store: new FileStateStore({ dir: dir }) }).load();
    assert.deepEqual(Object.keys(loaded), ['a']);
  });

  it('two stores on one state dir see each other’s changes, and the newer entry wins per provider', async () => {
    const storeA = new BreakerStore({ store: new FileStateStore({ dir: dir }) });
    const storeB = new BreakerStore({ store: new FileStateStore({ dir: dir }) });
    const inA = { x: breaker('x'), y: breaker('y') };
    const inB = { x: breaker('x'), y: breaker('y'), z: breaker('z') };
    const changesInB: BreakerStateChange[] = [];
    inB.x.onStateChange((e) => changesInB.push(e));

    failTimes(inA.x, 5);
    await storeA.sync(Object.values(inA));
    c.advance(10);
    failTimes(inB.y, 3);
    failTimes(inB.z, 5);
    await storeB.sync(Object.values(inB));

    assert.equal(inB.x.state, 'open', 'B adopted A’s newer x');
    assert.deepEqual(changesInB.map((e) => [e.from, e.to, e.reason]), [['closed', 'open', 'synced']]);
    assert.equal(inB.y.snapshot().consecutiveFailures, 3);

    await storeA.sync(Object.values(inA));
    assert.equal(inA.y.snapshot().consecutiveFailures, 3, 'A adopted B’s newer y');

    c.advance(10);
    inA.x.reset();
    await storeA.sync(Object.values(inA));
    await storeB.sync(Object.values(inB));
    assert.equal(inB.x.state, 'closed', 'A’s later reset reaches B');

    const onDisk = await new BreakerStore({ store: new FileStateStore({ dir: dir }) }).load();
    assert.deepEqual(Object.keys(onDisk).sort(), ['x', 'y', 'z'], 'providers only B knows are kept when A writes');
    assert.equal(onDisk.z.state, 'open');
  });

  it('a fresh breaker never overwrites persisted state, even when created later', async () => {
    const old = breaker('a');
    failTimes(old, 5);
    await new BreakerStore({ store: new FileStateStore({ dir: dir }) }).sync([old]);
    c.advance(60_000);
    const late = breaker('a');
    late.success();
    await new BreakerStore({ store: new FileStateStore({ dir: dir }) }).sync([late]);
    assert.equal(late.snapshot().consecutiveFailures, 5);
  });

  it('save() coalesces changes and flush() writes them now', async () => {
    const a = breaker('a');
    const store = new BreakerStore({ store: new FileStateStore({ dir: dir }), debounceMs: 60_000 });
    failTimes(a, 1);
    store.save([a]);
    failTimes(a, 1);
    store.save([a]);
    await assert.rejects(fs.readFile(path.join(dir, 'breakers.json')), { code: 'ENOENT' });
    await store.flush();
    const doc = JSON.parse(await fs.readFile(path.join(dir, 'breakers.json'), 'utf8'));
    assert.equal(doc.providers.a.consecutiveFailures, 2);
  });

  it('save() writes by itself after the debounce delay', async () => {
    const a = breaker('a');
    failTimes(a, 5);
    const store = new BreakerStore({ store: new FileStateStore({ dir: dir }), debounceMs: 5 });
    store.save([a]);
    const file = path.join(dir, 'breakers.json');
    for (let i = 0; i < 100; i++) {
      if (await fs.stat(file).then(() => true, () => false)) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    await store.flush();
    assert.equal(JSON.parse(await fs.readFile(file, 'utf8')).providers.a.state, 'open');
  });

  it('reports a failed save through warn instead of throwing', async () => {
    const blocker = path.join(dir, 'not-a-dir');
    await fs.writeFile(blocker, 'x');
    const warnings: string[] = [];
    const store = new BreakerStore({ store: new FileStateStore({ dir: blocker, warn: (m) => warnings.push(m) }) });
    const a = breaker('a');
    failTimes(a, 1);
    store.save([a]);
    await store.flush();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /Could not save the circuit breaker state in /);
  });
});
