import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { QualityRegistry } from '../../src/engine/quality/qualityRegistry';
import { FileStateStore } from '../../src/engine/state/fileStateStore';

const HOUR = 3_600_000;

describe('quality.json: the scores kept in the state folder', () => {
  let dir: string;
  let t: number;
  let warnings: string[];

  const open = () => new QualityRegistry({ store: new FileStateStore({ dir, warn: (m) => warnings.push(m) }), now: () => t, halfLifeMs: () => 24 * HOUR, flushIntervalMs: 0 });

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'llm-router-quality-'));
    t = Date.UTC(2026, 11, 1, 12, 0, 0);
    warnings = [];
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('merges two registries saving at different times by bringing both to the later moment', async () => {
    const a = open();
    const b = open();
    a.record('p', 'm', ['answers', 'flagged', 'truncated']);
    await a.flush();
    t += 24 * HOUR;
    b.record('p', 'm', ['answers']);
    await b.flush();
    const c = open();
    await c.load();
    const [rank] = c.ranking([{ provider: 'p', model: 'm' }]);
    assert.deepEqual([rank.signals.answers, rank.signals.truncated], [1.5, 0.5], 'the older truncation counts half, one half-life on');
    const stored = JSON.parse(await fs.readFile(path.join(dir, 'quality.json'), 'utf8'));
    assert.equal(stored.version, 1);
    assert.deepEqual(stored.cells.map((cell: { provider: string; model: string; at: number }) => [cell.provider, cell.model, cell.at]), [['p', 'm', t]]);
  });

  it('sets aside a file it cannot read, says so, and starts from neutral scores', async () => {
    await fs.writeFile(path.join(dir, 'quality.json'), JSON.stringify({ version: 1, cells: [{ provider: 'p', model: 'm', at: 0, signals: { answers: -3 } }] }));
    const q = open();
    await q.load();
    assert.equal(q.score('p', 'm'), 0.5);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /quality scores/);
  });

  it('forgets a cell once its results have faded to nothing', async () => {
    const q = open();
    q.record('p', 'm', ['answers']);
    await q.flush();
    t += 24 * HOUR * 11;
    q.record('other', 'm', ['answers']);
    await q.flush();
    const stored = JSON.parse(await fs.readFile(path.join(dir, 'quality.json'), 'utf8'));
    assert.deepEqual(stored.cells.map((cell: { provider: string }) => cell.provider), ['other']);
  });
});
