import assert from 'node:assert/strict';
import { DashboardFeed } from '../../src/extension/dashboard/dashboardFeed';
import { LatestFailures } from '../../src/extension/dashboard/latestFailures';
import { parseHostMessage, type DeltaMessage, type HostMessage, type SnapshotMessage } from '../../src/extension/dashboard/protocol';
import { RoutingEventLog } from '../../src/extension/dashboard/routingEventLog';
import { startHarness, type Harness } from '../support/engineHarness';

describe('dashboard feed: the quality ranking (real engine over HTTP)', () => {
  let h: Harness | undefined;
  const disposables: Array<{ dispose(): void }> = [];
  afterEach(async () => {
    for (const d of disposables.splice(0)) d.dispose();
    await h?.close();
    h = undefined;
  });

  it('sends the ranking with its signals in the snapshot, and again in a delta when a verdict moves it', async () => {
    h = await startHarness([{ id: 'a' }, { id: 'b' }], { cache: { enabled: false }, retry: { maxAttempts: 1 } });
    const sent: HostMessage[] = [];
    const log = new RoutingEventLog(h.engine);
    const failures = new LatestFailures(h.engine);
    const feed = new DashboardFeed({ source: h.engine, log, failures, post: (m) => sent.push(m), throttleMs: 60_000, tickMs: 60_000, statsCostFactor: 0 });
    disposables.push(feed, log, failures);

    h.emulators.a.enqueue({ type: 'ok', cutByLength: true });
    await h.engine.chat({ messages: [{ role: 'user', content: 'hi' }] });
    await feed.start('5m');
    const snapshot = sent[0] as SnapshotMessage;
    assert.deepEqual(snapshot.quality?.map((q) => [q.provider, q.model, q.signals.truncated]), [['b', 'b-model', 0], ['a', 'a-model', 1]]);
    assert.equal(snapshot.quality?.[0].score, 0.5, 'b has no signals: neutral, above a');
    assert.ok(parseHostMessage(JSON.parse(JSON.stringify(snapshot))).ok, 'the webview accepts it');

    for (let i = 0; i < 3; i++) h.engine.recordVerdict({ provider: 'a', model: 'a-model', verdict: 'applied' });
    feed.flush();
    const delta = sent.at(-1) as DeltaMessage;
    assert.deepEqual(delta.quality?.map((q) => [q.provider, q.signals.applied]), [['a', 3], ['b', 0]]);
    assert.ok(parseHostMessage(JSON.parse(JSON.stringify(delta))).ok);

    const before = sent.length;
    feed.flush();
    assert.ok(sent.slice(before).every((m) => m.type !== 'delta' || m.quality === undefined), 'an unchanged ranking is not sent again');
  });
});
