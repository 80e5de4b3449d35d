import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { COST_FILE_NAME, CostLedger, localDayKey, localMonthKey, type CostLedgerOptions } from '../../src/engine/cost/costLedger';
import { FileStateStore } from '../../src/engine/state/fileStateStore';

/** Local wall-clock time, so day and month boundaries hold in any time zone. */
const local = (y: number, month: number, d: number, h = 12, min = 0) => new Date(y, month - 1, d, h, min).getTime();

function clock(start: number) {
  let t = start;
  return { now: () => t, set: (ms: number) => (t = ms) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('cost ledger', () => {
  let dir: string;
  const ledgers: CostLedger[] = [];
  const make = (opts: CostLedgerOptions & { warn?: (message: string) => void } = {}) => {
    const l = new CostLedger({ store: new FileStateStore({ dir, warn: opts.warn }), saveDelayMs: 0, ...opts });
    ledgers.push(l);
    return l;
  };

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'costs-'));
  });
  afterEach(async () => {
    ledgers.length = 0;
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('totals spend per day and month, per provider and per model, counting unknown costs apart', () => {
    const c = clock(local(2026, 11, 22));
    const l = make({ now: c.now });
    l.record({ provider: 'oa', model: 'gpt-4o-mini', costUsd: 0.25 });
    l.record({ provider: 'oa', model: 'gpt-4o', costUsd: 0.5 });
    l.record({ provider: 'local', model: 'llama3', costUsd: 0 });
    l.record({ provider: 'proxy', model: 'mystery', costUsd: null });

    const day = l.totals('daily');
    assert.equal(day.costUsd, 0.75);
    assert.equal(day.requests, 4);
    assert.equal(day.unknownCostRequests, 1);
    assert.deepEqual(day.providers.oa, {
      costUsd: 0.75,
      requests: 2,
      unknownCostRequests: 0,
      models: {
        'gpt-4o-mini': { costUsd: 0.25, requests: 1, unknownCostRequests: 0 },
        'gpt-4o': { costUsd: 0.5, requests: 1, unknownCostRequests: 0 },
      },
    });
    assert.deepEqual(day.providers.proxy.models.mystery, { costUsd: 0, requests: 1, unknownCostRequests: 1 });
    assert.deepEqual(l.totals('monthly'), day);
    assert.equal(l.spentUsd('daily'), 0.75);
  });

  it('starts a new day at local midnight and a new month on the 1st, keeping the old ones', () => {
    const c = clock(local(2026, 11, 30, 23, 59));
    const l = make({ now: c.now });
    l.record({ provider: 'oa', model: 'm', costUsd: 1 });
    c.set(local(2026, 12, 1, 0, 1));
    l.record({ provider: 'oa', model: 'm', costUsd: 2 });

    assert.equal(l.spentUsd('daily'), 2);
    assert.equal(l.spentUsd('monthly'), 2);
    assert.equal(l.spentUsd('daily', local(2026, 11, 30)), 1);
    assert.equal(l.spentUsd('monthly', local(2026, 11, 5)), 1);
    c.set(local(2026, 12, 1, 23, 59));
    l.record({ provider: 'oa', model: 'm', costUsd: 4 });
    assert.equal(l.spentUsd('daily'), 6);
    assert.deepEqual(Object.keys(l.history().days), ['2026-11-30', '2026-12-01']);
    assert.deepEqual(Object.keys(l.history().months), ['2026-11', '2026-12']);
    assert.equal(localDayKey(local(2026, 1, 2)), '2026-01-02');
    assert.equal(localMonthKey(local(2026, 1, 2)), '2026-01');
  });

  it('persists to costs.json (version 1, owner-only) and a new ledger reloads the same totals', async () => {
    const c = clock(local(2026, 11, 22));
    const a = make({ now: c.now });
    a.record({ provider: 'oa', model: 'gpt-4o', costUsd: 0.125 });
    a.record({ provider: 'oa', model: 'gpt-4o', costUsd: null });
    await a.flush();

    const file = path.join(dir, COST_FILE_NAME);
    const doc = JSON.parse(await fs.readFile(file, 'utf8'));
    assert.equal(doc.version, 1);
    assert.equal(doc.days['2026-11-22'].costUsd, 0.125);
    assert.equal(doc.months['2026-11'].unknownCostRequests, 1);
    if (process.platform !== 'win32') assert.equal((await fs.stat(file)).mode & 0o777, 0o600);

    const b = make({ now: c.now });
    await b.load();
    assert.deepEqual(b.totals('daily'), a.totals('daily'));
    // Flushing again with nothing new must not double what is on disk.
    await a.flush();
    const again = make({ now: c.now });
    await again.load();
    assert.equal(again.spentUsd('daily'), 0.125);
  });

  it('adds up two processes sharing a state dir instead of one overwriting the other', async () => {
    const c = clock(local(2026, 11, 22));
    const a = make({ now: c.now });
    const b = make({ now: c.now });
    await Promise.all([a.load(), b.load()]);
    a.record({ provider: 'oa', model: 'gpt-4o', costUsd: 1 });
    b.record({ provider: 'an', model: 'claude', costUsd: 2 });
    b.record({ provider: 'oa', model: 'gpt-4o', costUsd: 4 });
    await Promise.all([a.flush(), b.flush()]);
    a.record({ provider: 'oa', model: 'gpt-4o', costUsd: 8 });
    await a.flush();

    const reader = make({ now: c.now });
    await reader.load();
    const day = reader.totals('daily');
    assert.equal(day.costUsd, 15);
    assert.equal(day.requests, 4);
    assert.equal(day.providers.oa.models['gpt-4o'].costUsd, 13);
    assert.equal(day.providers.an.costUsd, 2);
    assert.equal(a.spentUsd('daily'), 15, 'a sees b’s spend after its own save');
  });

  it('sets a corrupt file aside, warns once and starts empty', async () => {
    const file = path.join(dir, COST_FILE_NAME);
    await fs.writeFile(file, '{"version":1,"days":');
    const warnings: string[] = [];
    const c = clock(local(2026, 11, 22));
    const l = make({ now: c.now, warn: (m) => warnings.push(m) });
    await l.load();
    assert.equal(l.spentUsd('daily'), 0);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /cost ledger .*costs\.json could not be used/);
    const names = await fs.readdir(dir);
    assert.ok(names.some((n) => n.startsWith(`${COST_FILE_NAME}.corrupt-`)), names.join(','));

    await fs.writeFile(file, 'garbage again');
    l.record({ provider: 'oa', model: 'm', costUsd: 1 });
    await l.flush();
    assert.equal(warnings.length, 1, 'still one warning');
    assert.equal(JSON.parse(await fs.readFile(file, 'utf8')).days['2026-11-22'].costUsd, 1);
  });

  it('treats a file of another version or shape as unreadable', async () => {
    const file = path.join(dir, COST_FILE_NAME);
    for (const content of [{ version: 2, days: {}, months: {} }, { version: 1, days: { '2026-11-22': { costUsd: -1 } }, months: {} }]) {
      await fs.writeFile(file, JSON.stringify(content));
      const warnings: string[] = [];
      const l = make({ now: () => local(2026, 11, 22), warn: (m) => warnings.push(m) });
      await l.load();
      assert.equal(warnings.length, 1, JSON.stringify(content));
      await assert.rejects(fs.access(file));
    }
  });

  it('keeps about 400 days of daily entries', async () => {
    const c = clock(local(2025, 1, 1));
    const l = make({ now: c.now });
    l.record({ provider: 'oa', model: 'm', costUsd: 1 });
    c.set(local(2025, 2, 1));
    l.record({ provider: 'oa', model: 'm', costUsd: 1 });
    await l.flush();
    c.set(local(2026, 1, 20)); // 384 days after 2025-01-01
    l.record({ provider: 'oa', model: 'm', costUsd: 1 });
    await l.flush();
    assert.ok('2025-01-01' in l.history().days);

    c.set(local(2026, 2, 10)); // 405 days after 2025-01-01, 374 after 2025-02-01
    l.record({ provider: 'oa', model: 'm', costUsd: 1 });
    await l.flush();
    const doc = JSON.parse(await fs.readFile(path.join(dir, COST_FILE_NAME), 'utf8'));
    assert.deepEqual(Object.keys(doc.days), ['2025-02-01', '2026-01-20', '2026-02-10']);
    assert.ok('2025-01' in doc.months, 'months are kept longer than days');
  });

  it('keeps unsaved spend when a save fails, warns once, and saves it all once the folder works', async () => {
    const blocker = path.join(dir, 'not-a-dir');
    await fs.writeFile(blocker, '');
    const warnings: string[] = [];
    const l = new CostLedger({ store: new FileStateStore({ dir: blocker, warn: (m) => warnings.push(m) }), saveDelayMs: 0, now: () => local(2026, 11, 22) });
    l.record({ provider: 'oa', model: 'm', costUsd: 3 });
    await assert.rejects(l.flush());
    l.record({ provider: 'oa', model: 'm', costUsd: 1 });
    await assert.rejects(l.flush());
    assert.equal(l.spentUsd('daily'), 4);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /Could not save the cost ledger in .*not-a-dir/);
    await fs.rm(blocker);
    await l.flush();
    assert.equal(JSON.parse(await fs.readFile(path.join(blocker, COST_FILE_NAME), 'utf8')).days['2026-11-22'].costUsd, 4);
  });

  it('saves in the background shortly after a record', async () => {
    const l = make({ now: () => local(2026, 11, 22), saveDelayMs: 10 });
    l.record({ provider: 'oa', model: 'm', costUsd: 0.5 });
    const file = path.join(dir, COST_FILE_NAME);
    for (let i = 0; i < 100; i++) {
      const exists = await fs.access(file).then(() => true, () => false);
      if (exists) break;
      await sleep(10);
    }
    assert.equal(JSON.parse(await fs.readFile(file, 'utf8')).days['2026-11-22'].costUsd, 0.5);
    await l.close();
  });

  it('works in memory without a state dir', async () => {
    const l = new CostLedger({ now: () => local(2026, 11, 22) });
    l.record({ provider: 'oa', model: 'm', costUsd: 2 });
    await l.close();
    assert.equal(l.spentUsd('monthly'), 2);
    assert.deepEqual(await fs.readdir(dir), []);
  });
});
