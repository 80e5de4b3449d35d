import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { configSchema } from '../../src/engine/config/schema';
import type { RequestRecord } from '../../src/engine/metrics/metricsTypes';
import { SparseSketch } from '../../src/engine/metrics/percentiles';
import { minuteOf } from '../../src/engine/metrics/minuteBuckets';
import type { TeamWindow } from '../../src/engine/metrics/teamMetrics';
import { FileStateStore } from '../../src/engine/state/fileStateStore';
import { memberIdentity } from '../../src/engine/state/redis/memberIdentity';
import { pendingMetricsDocument } from '../../src/engine/state/redis/pendingMetrics';
import { RedisTeamMetrics } from '../../src/engine/state/redis/redisTeamMetrics';
import { SharedStateClient } from '../../src/engine/state/redis/sharedStateClient';
import { startRedisServer, type RedisServer } from '../support/redisServer';

const ok = (latencyMs: number, costUsd = 0.25): RequestRecord => ({ provider: 'p', model: 'm', outcome: 'ok', latencyMs, costUsd, inputTokens: 10, outputTokens: 2 });
const failed: RequestRecord = { provider: 'p', model: 'm', outcome: 'error', errorClass: 'server_error', latencyMs: 5, costUsd: 0 };

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('RedisTeamMetrics: every member’s metrics in the team Redis', function () {
  this.timeout(30_000);
  let redis: RedisServer;
  let dir: string;
  const clients: SharedStateClient[] = [];
  const hour = (): TeamWindow => ({ first: minuteOf(Date.now()) - 60, last: minuteOf(Date.now()) });

  function member(name: string, opts: { store?: boolean; timeoutMs?: number } = {}): RedisTeamMetrics {
    const config = configSchema.parse({ sharedState: { url: redis.url, namespace: 'team-m', timeoutMs: opts.timeoutMs ?? 2_000 } }).sharedState;
    assert.ok(config);
    const client = new SharedStateClient({ config, warn: () => undefined });
    clients.push(client);
    const store = opts.store ? new FileStateStore({ dir: path.join(dir, name), warn: () => undefined }) : undefined;
    return new RedisTeamMetrics(client, memberIdentity(path.join(dir, name), 'test-host'), store);
  }

  beforeEach(async () => {
    redis = await startRedisServer();
    dir = await mkdtemp(path.join(tmpdir(), 'llm-router-team-metrics-'));
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a day from hour hashes where whole hours fit, with the same figures as minute by minute', async () => {
    const alice = member('alice');
    const now = Date.now();
    // One request in each of 150 minutes back from now: parts of three hours and two whole ones at least.
    for (let back = 0; back < 150; back++) alice.recordRequest(ok(100 + back), now - back * 60_000);
    await alice.flush();
    const last = minuteOf(now);
    const spans: Array<[string, { first: number; last: number }]> = [
      ['24h', { first: last - 1_439, last }],
      ['3h', { first: last - 179, last }],
      ['90 min', { first: last - 89, last }],
      ['one hour, not on its boundary', { first: last - 100, last: last - 41 }],
    ];
    for (const [what, window] of spans) {
      const team = await alice.read('24h', window);
      const expected = Math.min(150, window.last - Math.max(window.first, last - 149) + 1);
      assert.equal(team?.total.requests, expected, what);
    }
    const client = clients[0].redis;
    const hours = await client.keys('llmr:team-m:metrics:hour:*');
    assert.ok(hours.length >= 3, `hour hashes written: ${hours.length}`);
    for (const key of hours) {
      const endsAt = (Number(key.split(':').at(-1)) + 1) * 3_600_000;
      assert.ok((await client.ttl(key)) * 1_000 > endsAt + 24 * 3_600_000 - Date.now(), `${key} lives until its last minute leaves the 24 h window`);
    }
  });

  it('sums the members, and merges their latency sketches exactly, so team percentiles are those of all samples', async () => {
    const alice = member('alice');
    const bob = member('bob');
    const all = new SparseSketch();
    const now = Date.now();
    for (let i = 1; i <= 40; i++) {
      alice.recordRequest(ok(i * 10), now);
      all.add(i * 10);
    }
    for (let i = 1; i <= 10; i++) {
      bob.recordRequest(ok(1_000 + i), now);
      all.add(1_000 + i);
    }
    bob.recordRequest(failed, now);
    bob.recordCache(true, now);
    await alice.flush();
    const team = await bob.read('1h', hour());
    assert.ok(team);
    assert.equal(team.members.length, 2);
    assert.deepEqual(team.members.map((m) => [m.label, m.requests, m.errorCount]), [
      [memberIdentity(path.join(dir, 'alice'), 'test-host').label, 40, 0],
      [memberIdentity(path.join(dir, 'bob'), 'test-host').label, 11, 1],
    ]);
    assert.equal(team.self, team.members[1].id);
    assert.equal(team.total.requests, 51);
    assert.equal(team.total.errors.server_error, 1);
    assert.equal(team.total.costUsd, 50 * 0.25);
    assert.deepEqual(team.total.tokens, { input: 500, output: 100, cached: 0 });
    assert.deepEqual(team.total.cache, { hits: 1, misses: 0, hitRate: 1 });
    const expected = all.quantiles();
    assert.deepEqual(team.total.latency, expected, 'the same percentiles as one sketch of every sample');
    assert.deepEqual(team.total.routed, { requests: 51, answered: 50, failed: 1, errorRate: 1 / 51 });

    const allTime = await alice.read('all', 'all');
    assert.equal(allTime?.total.requests, 51, 'all-time totals too');
  });

  it('counts a batch once when Redis applied it after the member gave up waiting (a hung Redis)', async () => {
    const alice = member('alice', { timeoutMs: 300 });
    const reader = member('reader');
    alice.recordRequest(ok(10), Date.now());
    redis.pause();
    await alice.flush(); // times out: Redis holds the command and runs it once resumed
    alice.recordRequest(ok(20), Date.now());
    redis.resume();
    await until(async () => ((await reader.read('1h', hour()))?.total.requests ?? 0) >= 1, 'the held batch to land');
    await new Promise((r) => setTimeout(r, 2_100)); // past the client's pause after a failure
    await alice.flush();
    const team = await reader.read('1h', hour());
    assert.equal(team?.total.requests, 2, 'the timed-out batch is not added again, the later one is added');
  });

  it('keeps what it made while Redis was down in the state folder and merges it when Redis is back, once', async () => {
    const alice = member('alice', { store: true, timeoutMs: 300 });
    alice.recordRequest(ok(9), Date.now());
    assert.equal((await alice.read('1h', hour()))?.total.requests, 1, 'published before the outage');
    await redis.kill();
    alice.recordRequest(ok(10), Date.now());
    alice.recordRequest(ok(11), Date.now());
    await alice.flush();
    const store = new FileStateStore({ dir: path.join(dir, 'alice'), warn: () => undefined });
    assert.equal((await store.read(pendingMetricsDocument)).length, 1, 'one batch waits in the state folder');
    // A restarted Redis is empty (no persistence here): what arrives is exactly what waited.
    await redis.restart();
    const reader = member('reader');
    await until(async () => (await store.read(pendingMetricsDocument)).length === 0, 'the reconnect to merge what waited');
    const team = await reader.read('1h', hour());
    assert.equal(team?.total.requests, 2);
    await alice.flush();
    assert.equal((await reader.read('1h', hour()))?.total.requests, 2, 'merged once');
  });

  it('writes under llmr:<namespace>:metrics: only, with expiring minute hashes', async () => {
    const alice = member('alice');
    alice.recordRequest(ok(10), Date.now());
    await alice.flush();
    const keys = await clients[0].redis.keys('*');
    assert.ok(keys.every((k) => k.startsWith('llmr:team-m:metrics:')), keys.join(', '));
    const minute = keys.find((k) => k.includes(':minute:')) as string;
    const ttl = await clients[0].redis.ttl(minute);
    assert.ok(ttl > 24 * 3_600 && ttl <= 25 * 3_600 + 120, `minute hash expires after a day (${ttl} s)`);
    assert.ok((await clients[0].redis.ttl(keys.find((k) => k.includes(':all:')) as string)) > 0, 'all-time totals expire too');
  });
});
