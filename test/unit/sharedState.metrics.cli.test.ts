import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import type { TeamMetricsSnapshot } from '../../src/engine/metrics/teamMetrics';
import { startEmulator, type Emulator } from '../emulator/server';
import { startRedisServer, type RedisServer } from '../support/redisServer';
import { CLI_PATH, runCli, type CliRun } from '../support/runCli';

const KEY = 'sk-shared-metrics-test-0123456789';
const NAMESPACE = 'team-m';
// $1 per output token: the emulator's "Hello from primary." costs $3.
const PRICING = { inputPerMillion: 0, outputPerMillion: 1_000_000 };

interface StatsJson {
  metrics: { total: { requests: number; costUsd: number } };
  team?: TeamMetricsSnapshot;
}

describe('shared metrics: CLI processes with their own --state-dir and one Redis', function () {
  this.timeout(30_000);
  let redis: RedisServer;
  let primary: Emulator;
  let dir: string;

  before(function () {
    if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run 'npm run build' first (npm test does).`);
  });

  beforeEach(async () => {
    redis = await startRedisServer();
    primary = await startEmulator({ name: 'primary' });
    dir = await mkdtemp(path.join(tmpdir(), 'llm-router-shared-metrics-'));
  });

  afterEach(async () => {
    await primary.close();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function writeConfig(sharedState: Record<string, unknown> = {}): Promise<string> {
    const file = path.join(dir, 'cfg.json');
    const cfg = {
      providers: [{ id: 'primary', kind: 'openai', baseUrl: primary.baseUrl('openai'), model: 'gpt-4o-mini', apiKeyEnv: 'TEST_PROVIDER_KEY', pricing: PRICING }],
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 10 },
      // A Redis that answers slowly under a loaded test machine must not look like a Redis that is down.
      sharedState: { url: redis.url, namespace: NAMESPACE, timeoutMs: 2000, ...sharedState },
    };
    await writeFile(file, JSON.stringify(cfg));
    return file;
  }

  const stateDir = (member: string) => path.join(dir, member);

  async function ask(config: string, member: string): Promise<CliRun> {
    const r = await runCli(['ask', '--config', config, '--state-dir', stateDir(member), '--json', '--no-cache', '--max-tokens', '5', 'hello'], { env: { TEST_PROVIDER_KEY: KEY } });
    assert.equal(r.code, 0, r.stderr);
    return r;
  }

  async function stats(config: string, member: string, json = true): Promise<CliRun> {
    const r = await runCli(['stats', '--config', config, '--state-dir', stateDir(member), ...(json ? ['--json'] : [])], { env: { TEST_PROVIDER_KEY: KEY } });
    assert.equal(r.code, 0, r.stderr);
    return r;
  }

  async function statsJson(config: string, member: string): Promise<StatsJson> {
    return JSON.parse((await stats(config, member)).stdout) as StatsJson;
  }

  /** Each member's requests, busiest first. */
  function memberRequests(team: TeamMetricsSnapshot): number[] {
    return team.members.map((m) => m.requests);
  }

  async function redisKeys(pattern: string): Promise<string[]> {
    const client = new Redis(redis.url);
    try {
      return await client.keys(pattern);
    } finally {
      client.disconnect();
    }
  }

  it('shows both members and their sum in stats from either, and keeps the local figures per member', async () => {
    const config = await writeConfig();
    await ask(config, 'alice');
    await ask(config, 'alice');
    await ask(config, 'bob');

    const fromAlice = await statsJson(config, 'alice');
    const fromBob = await statsJson(config, 'bob');
    assert.equal(fromAlice.metrics.total.requests, 2, 'the local figures stay this member’s own');
    assert.equal(fromBob.metrics.total.requests, 1);
    for (const s of [fromAlice, fromBob]) {
      const team = s.team;
      assert.ok(team, 'a team section when metrics are shared');
      assert.deepEqual(memberRequests(team), [2, 1], 'both members, busiest first');
      assert.equal(team.total.requests, 3);
      assert.equal(team.total.routed.answered, 3);
      assert.equal(team.total.costUsd, 9);
      assert.equal(team.total.tokens.output, 9);
      assert.ok(team.total.latency.p50 !== null && team.total.latency.p50 > 0, 'latency merged from both members');
      assert.notEqual(team.members[0].id, team.members[1].id);
      for (const m of team.members) assert.match(m.label, /\([0-9a-f]{6}\)$/);
    }
    assert.equal(fromAlice.team?.self, fromAlice.team?.members[0].id, "alice's stats name alice as herself");
    assert.equal(fromBob.team?.self, fromBob.team?.members[1].id);

    const text = (await stats(config, 'bob', false)).stdout;
    assert.match(text, /^team \(sharedState; 2 members with requests in the window\)$/m);
    assert.match(text, /^ {2}total +3 requests \(3 answered\), 3 provider calls \(0 failed\)/m);
    assert.match(text, /\(this machine\) +1 requests/);

    const stored = (await redisKeys(`llmr:${NAMESPACE}:metrics:*`)).join('\n');
    assert.doesNotMatch(stored, new RegExp(KEY));
    const client = new Redis(redis.url);
    try {
      const members = JSON.stringify(await client.hgetall(`llmr:${NAMESPACE}:metrics:members`));
      assert.doesNotMatch(members, /sk-|hello/, 'no key and no prompt among the members');
    } finally {
      client.disconnect();
    }
  });

  it('merges the metrics made while Redis was killed mid-run once it is back, exactly once', async () => {
    const config = await writeConfig();
    primary.enqueue({ type: 'delay', ms: 1_500 });
    const running = ask(config, 'alice');
    while (primary.requests.length === 0) await new Promise((r) => setTimeout(r, 20));
    await redis.kill();
    const midRun = await running;
    assert.equal(midRun.stderr.match(/Shared state:/g)?.length, 1, `one warning: ${midRun.stderr}`);
    const pending = JSON.parse(await readFile(path.join(stateDir('alice'), 'shared-metrics-pending.json'), 'utf8')) as { batches: unknown[] };
    assert.equal(pending.batches.length, 1, 'the request made meanwhile waits in the state folder');

    await redis.restart();
    await ask(config, 'bob');
    const beforeAlice = await statsJson(config, 'bob');
    assert.deepEqual(memberRequests(beforeAlice.team as TeamMetricsSnapshot), [1], "alice's waiting metrics arrive with her next run, not before");

    await ask(config, 'alice');
    for (let i = 0; i < 2; i++) {
      const team = (await statsJson(config, 'alice')).team as TeamMetricsSnapshot;
      assert.deepEqual(memberRequests(team), [2, 1], 'the offline request merged once, beside the new one');
      assert.equal(team.total.requests, 3);
      assert.equal(team.total.costUsd, 9);
    }
    const left = JSON.parse(await readFile(path.join(stateDir('alice'), 'shared-metrics-pending.json'), 'utf8')) as { batches: unknown[] };
    assert.deepEqual(left.batches, [], 'nothing waits once merged');
  });

  it('writes nothing metric-related to Redis when sharedState.share leaves out "metrics"', async () => {
    const config = await writeConfig({ share: ['budget', 'breakers', 'rateLimits', 'cache'] });
    await ask(config, 'alice');
    await ask(config, 'bob');
    const s = await statsJson(config, 'alice');
    assert.equal(s.team, undefined);
    assert.equal(s.metrics.total.requests, 1);
    assert.doesNotMatch((await stats(config, 'alice', false)).stdout, /^team/m);
    assert.deepEqual(await redisKeys(`llmr:${NAMESPACE}:metrics:*`), []);
    assert.ok((await redisKeys(`llmr:${NAMESPACE}:spend:*`)).length > 0, 'the budget is still shared');
  });
});
