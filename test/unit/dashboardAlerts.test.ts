import assert from 'node:assert/strict';
import { DashboardFeed } from '../../src/extension/dashboard/dashboardFeed';
import { LatestFailures } from '../../src/extension/dashboard/latestFailures';
import { parseHostMessage, type DeltaMessage, type HostMessage, type SnapshotMessage } from '../../src/extension/dashboard/protocol';
import { RoutingEventLog } from '../../src/extension/dashboard/routingEventLog';
import { startHarness, type Harness } from '../support/engineHarness';

describe('dashboard feed: the alert list (real engine over HTTP)', () => {
  let h: Harness | undefined;
  const disposables: Array<{ dispose(): void }> = [];
  afterEach(async () => {
    for (const d of disposables.splice(0)) d.dispose();
    await h?.close();
    h = undefined;
  });

  it('sends the active alerts in the snapshot, and again in a delta when they change, valid by the protocol', async () => {
    h = await startHarness([{ id: 'a' }, { id: 'b' }], { cache: { enabled: false }, retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 1, halfOpenAfterMs: 600_000, maxHalfOpenAfterMs: 600_000 } });
    const sent: HostMessage[] = [];
    const log = new RoutingEventLog(h.engine);
    const failures = new LatestFailures(h.engine);
    const feed = new DashboardFeed({ source: h.engine, log, failures, post: (m) => sent.push(m), throttleMs: 60_000, tickMs: 60_000, statsCostFactor: 0 });
    disposables.push(feed, log, failures);
    await feed.start('5m');
    assert.deepEqual((sent[0] as SnapshotMessage).alerts, []);

    h.emulators.a.enqueue({ type: 'status', status: 503 });
    await h.engine.chat({ messages: [{ role: 'user', content: 'hi' }] });
    feed.flush();
    const delta = sent.at(-1) as DeltaMessage;
    assert.deepEqual(delta.alerts?.map((a) => [a.kind, a.provider]), [['breaker-open', 'a']]);
    assert.ok(parseHostMessage(JSON.parse(JSON.stringify(delta))).ok, 'the webview accepts it');

    const before = sent.length;
    feed.flush();
    assert.ok(sent.slice(before).every((m) => m.type !== 'delta' || m.alerts === undefined), 'unchanged alerts are not sent again');

    h.engine.resetBreaker('a');
    feed.flush();
    assert.deepEqual((sent.at(-1) as DeltaMessage).alerts, []);
  });
});
