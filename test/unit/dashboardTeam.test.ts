import assert from 'node:assert/strict';
import { DashboardFeed } from '../../src/extension/dashboard/dashboardFeed';
import { LatestFailures } from '../../src/extension/dashboard/latestFailures';
import { EMPTY_STATS, parseHostMessage, type DeltaMessage, type HostMessage, type SnapshotMessage, type TeamDto } from '../../src/extension/dashboard/protocol';
import { RoutingEventLog } from '../../src/extension/dashboard/routingEventLog';
import { teamView } from '../../webview/teamView';
import { DashboardStore } from '../../webview/viewModel';
import { startHarness, type Harness } from '../support/engineHarness';
import { startRedisServer, type RedisServer } from '../support/redisServer';

const NOW = Date.UTC(2026, 10, 22, 14, 32, 10);

function figures(requests: number, failed: number, costUsd: number, p95: number) {
  return {
    stats: { ...EMPTY_STATS, requests: requests + 1, successes: requests - failed, errorCount: failed + 1, costUsd, tokens: { input: requests * 1_500, output: requests * 40, cached: 0 }, latency: { p50: p95 / 2, p95, p99: p95 } },
    routed: { requests, answered: requests - failed, failed, errorRate: requests > 0 ? failed / requests : null },
  };
}

const TEAM: TeamDto = {
  total: figures(30, 1, 0.75, 1_900),
  members: [
    { id: 'a1b2c3d4e5f6', label: 'build-agent (a1b2c3)', self: false, lastSeenAt: NOW - 120_000, ...figures(20, 1, 0.5, 2_000) },
    { id: '0f9e8d7c6b5a', label: 'laptop (0f9e8d)', self: true, lastSeenAt: NOW - 1_000, ...figures(10, 0, 0.25, 800) },
  ],
};

function snapshot(team?: TeamDto): SnapshotMessage {
  return {
    type: 'snapshot',
    seq: 1,
    now: NOW,
    window: '1h',
    providers: [],
    stats: [],
    totals: EMPTY_STATS,
    routed: { requests: 0, answered: 0, failed: 0, errorRate: null },
    history: [],
    costs: { today: { costUsd: 0, requests: 0, unknownCostRequests: 0, providers: [] }, month: { costUsd: 0, requests: 0, unknownCostRequests: 0, providers: [] }, budget: { warnAtPercent: 80 } },
    cache: { enabled: true, entries: 0, memoryBytes: 0, diskBytes: 0, evictions: 0, hits: 0, misses: 0, hitRate: null },
    events: [],
    ...(team ? { team } : {}),
  };
}

describe('dashboard: the team section', () => {
  it('accepts the team in a snapshot and a delta, and refuses a member id that is not a short hex id', () => {
    assert.ok(parseHostMessage(snapshot(TEAM)).ok);
    assert.ok(parseHostMessage({ type: 'delta', seq: 2, now: NOW, team: TEAM }).ok);
    const bad = { ...TEAM, members: [{ ...TEAM.members[0], id: 'sk-live-0123' }] };
    const r = parseHostMessage(snapshot(bad));
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.problem, /team\.members\.0\.id/);
  });

  it('keeps the team from the snapshot, replaces it with a delta that carries one, and keeps it through one that does not', () => {
    const store = new DashboardStore();
    store.apply(snapshot(TEAM), NOW);
    assert.deepEqual(store.team, TEAM);
    store.apply({ type: 'delta', seq: 2, now: NOW, routed: { requests: 1, answered: 1, failed: 0, errorRate: 0 } }, NOW);
    assert.deepEqual(store.team, TEAM, 'a delta without team leaves it');
    const grown = { ...TEAM, total: figures(31, 1, 0.8, 1_900) };
    store.apply({ type: 'delta', seq: 3, now: NOW, team: grown }, NOW);
    assert.equal(store.team?.total.routed.requests, 31);
    store.apply(snapshot(), NOW);
    assert.equal(store.team, undefined, 'a snapshot without team (metrics not shared) hides it');
  });

  it('shows the total and one row per member, busiest first, with this machine marked', () => {
    const view = teamView(TEAM, '1 hour', NOW);
    assert.ok(view);
    assert.equal(view.caption, '2 members with requests in the last 1 hour');
    assert.deepEqual(view.total, { key: 'total', label: 'Team total', self: false, requests: '30', failed: '3.3%', calls: '31 (2 failed)', tokens: '45k in · 1.2k out', cost: '$0.75', p95: '1.90 s', seen: '' });
    assert.deepEqual(
      view.members.map((m) => [m.label, m.self, m.requests, m.cost, m.p95, m.seen]),
      [
        ['build-agent (a1b2c3)', false, '20', '$0.50', '2.00 s', 'last seen 2 min ago'],
        ['laptop (0f9e8d) (this machine)', true, '10', '$0.25', '800 ms', 'last seen just now'],
      ],
    );
    assert.equal(teamView(undefined, '1 hour', NOW), undefined, 'no section without shared metrics');
  });
});

describe('dashboard feed: team metrics from a real Redis', function () {
  this.timeout(20_000);
  let redis: RedisServer;
  let h: Harness | undefined;
  const disposables: Array<{ dispose(): void }> = [];

  beforeEach(async () => {
    redis = await startRedisServer();
  });

  afterEach(async () => {
    for (const d of disposables.splice(0)) d.dispose();
    await h?.close();
    h = undefined;
    await redis.stop();
  });

  function feedOf(engine: Harness['engine'], sent: HostMessage[]): DashboardFeed {
    const log = new RoutingEventLog(engine);
    const failures = new LatestFailures(engine);
    const feed = new DashboardFeed({ source: engine, log, failures, post: (m) => sent.push(m), throttleMs: 10, tickMs: 20, teamRefreshMs: 0, statsCostFactor: 0 });
    disposables.push(feed, log, failures);
    return feed;
  }

  async function until<T>(find: () => T | undefined, what: string): Promise<T> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it("sends the team's total and each member in a delta once Redis answers, and the webview accepts it", async () => {
    h = await startHarness([{ id: 'a' }], { cache: { enabled: false }, sharedState: { url: redis.url, namespace: 'dash', timeoutMs: 2_000 } });
    const other = h.newEngine({}, { stateDir: `${h.stateDir}-other` });
    await other.chat({ messages: [{ role: 'user', content: 'hi' }] });
    await other.chat({ messages: [{ role: 'user', content: 'hi' }] });
    await other.close();
    await h.engine.chat({ messages: [{ role: 'user', content: 'hi' }] });

    const sent: HostMessage[] = [];
    await feedOf(h.engine, sent).start('5m');
    const delta = await until(() => sent.find((m): m is DeltaMessage => m.type === 'delta' && m.team !== undefined), 'a delta with the team');
    assert.ok(parseHostMessage(JSON.parse(JSON.stringify(delta))).ok);
    const team = delta.team as TeamDto;
    assert.equal(team.total.routed.requests, 3);
    assert.deepEqual(team.members.map((m) => [m.routed.requests, m.self]), [[2, false], [1, true]]);
  });

  it('sends no team when sharedState.share leaves out metrics', async () => {
    h = await startHarness([{ id: 'a' }], { cache: { enabled: false }, sharedState: { url: redis.url, namespace: 'dash', share: ['budget'], timeoutMs: 2_000 } });
    await h.engine.chat({ messages: [{ role: 'user', content: 'hi' }] });
    const sent: HostMessage[] = [];
    await feedOf(h.engine, sent).start('5m');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(sent.every((m) => (m.type !== 'snapshot' && m.type !== 'delta') || m.team === undefined));
  });
});
