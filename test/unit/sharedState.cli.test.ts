import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import Redis from 'ioredis';
import { startEmulator, type Emulator } from '../emulator/server';
import { startRedisServer, type RedisServer } from '../support/redisServer';
import { CLI_PATH, runCli, type CliRun } from '../support/runCli';

const KEY = 'sk-shared-state-test-0123456789';
const NAMESPACE = 'team-a';
// $1 per output token: the emulator's "Hello from primary." costs $3; --max-tokens 5 estimates $5.
const PRICING = { inputPerMillion: 0, outputPerMillion: 1_000_000 };

describe('shared state: CLI processes with their own --state-dir and one Redis', function () {
  this.timeout(30_000);
  let redis: RedisServer;
  let primary: Emulator;
  let backup: Emulator;
  let dir: string;

  before(function () {
    if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run 'npm run build' first (npm test does).`);
  });

  beforeEach(async () => {
    redis = await startRedisServer();
    primary = await startEmulator({ name: 'primary' });
    backup = await startEmulator({ name: 'backup' });
    dir = await mkdtemp(path.join(tmpdir(), 'llm-router-shared-'));
  });

  afterEach(async () => {
    await primary.close();
    await backup.close();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const withBackup = () => ({
    providers: [
      { id: 'primary', kind: 'openai', baseUrl: primary.baseUrl('openai'), model: 'gpt-4o-mini', apiKeyEnv: 'TEST_PROVIDER_KEY', pricing: PRICING, priority: 1 },
      { id: 'backup', kind: 'anthropic', baseUrl: backup.baseUrl('anthropic'), model: 'claude-3-5-haiku-latest', apiKeyEnv: 'TEST_PROVIDER_KEY', pricing: PRICING, priority: 2 },
    ],
  });

  async function writeConfig(extra: Record<string, unknown> = {}, sharedState: Record<string, unknown> = {}): Promise<string> {
    const file = path.join(dir, 'cfg.json');
    const cfg = {
      providers: [{ id: 'primary', kind: 'openai', baseUrl: primary.baseUrl('openai'), model: 'gpt-4o-mini', apiKeyEnv: 'TEST_PROVIDER_KEY', pricing: PRICING }],
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 10 },
      // A Redis that answers slowly under a loaded test machine must not look like a Redis that is down.
      sharedState: { url: redis.url, namespace: NAMESPACE, timeoutMs: 2000, ...sharedState },
      ...extra,
    };
    await writeFile(file, JSON.stringify(cfg));
    return file;
  }

  /** `member` picks the state folder, so each member keeps its own files. */
  function ask(config: string, member: string, env: Record<string, string> = {}, flags: string[] = ['--no-cache']): Promise<CliRun> {
    return runCli(['ask', '--config', config, '--state-dir', path.join(dir, member), '--json', ...flags, '--max-tokens', '5', 'hello'], { env: { TEST_PROVIDER_KEY: KEY, ...env } });
  }

  async function redisKeys(pattern: string): Promise<string[]> {
    const client = new Redis(redis.url);
    try {
      return await client.keys(pattern);
    } finally {
      client.disconnect();
    }
  }

  async function teamSpendToday(): Promise<number> {
    const client = new Redis(redis.url);
    try {
      const keys = await client.keys(`llmr:${NAMESPACE}:spend:day:*`);
      assert.ok(keys.length <= 1, `one day of spend, got ${keys.join(', ')}`);
      return keys.length === 0 ? 0 : Number(await client.get(keys[0]));
    } finally {
      client.disconnect();
    }
  }

  it('refuses the second member (exit 4) once the first has spent the team budget', async () => {
    const config = await writeConfig({ budget: { dailyUsd: 6 } });
    const first = await ask(config, 'alice');
    assert.equal(first.code, 0, first.stderr);
    assert.equal(JSON.parse(first.stdout).costUsd, 3);
    const second = await ask(config, 'bob');
    assert.equal(second.code, 4, second.stdout + second.stderr);
    assert.match(second.stderr, /Team budget.*daily budget of \$6\.00/);
    assert.equal(primary.requests.length, 1, 'the refused member sent nothing');
    assert.equal(await teamSpendToday(), 3);
  });

  it('keeps 8 racing members within the budget: the team never spends more than the limit', async () => {
    const config = await writeConfig({ budget: { dailyUsd: 20 } });
    const runs = await Promise.all(Array.from({ length: 8 }, (_, i) => ask(config, `member-${i}`)));
    const answered = runs.filter((r) => r.code === 0);
    for (const r of runs) assert.ok(r.code === 0 || r.code === 4, `exit ${r.code}: ${r.stderr}`);
    assert.ok(answered.length >= 4, `at least limit/estimate = 4 members are served, got ${answered.length}`);
    assert.ok(answered.length < 8, 'some members are refused');
    assert.equal(primary.requests.length, answered.length, 'only admitted members sent a request');
    const spent = await teamSpendToday();
    assert.equal(spent, 3 * answered.length, 'every answer is counted once, reservations are released');
    assert.ok(spent <= 20, `team spend ${spent} stays within the $20 limit (estimates cover the real costs)`);
  });

  it("skips a provider whose breaker another member opened, without sending to it", async () => {
    const config = await writeConfig({ ...withBackup(), breaker: { consecutiveFailures: 1, halfOpenAfterMs: 60_000, maxHalfOpenAfterMs: 60_000 } });
    primary.enqueue({ type: 'status', status: 503 });
    const first = await ask(config, 'alice');
    assert.equal(first.code, 0, first.stderr);
    assert.equal(JSON.parse(first.stdout).provider, 'backup', 'alice fell back after the 503');
    const second = await ask(config, 'bob');
    assert.equal(second.code, 0, second.stderr);
    const answer = JSON.parse(second.stdout) as { provider: string; attempts: { provider: string; outcome: string; errorClass?: string }[] };
    assert.equal(answer.provider, 'backup');
    assert.deepEqual(answer.attempts[0], { ...answer.attempts[0], provider: 'primary', outcome: 'skipped', errorClass: 'breaker_open' });
    assert.equal(primary.requests.length, 1, "bob sent nothing to the provider alice's breaker opened");
  });

  it("honours another member's Retry-After: the second falls back without sending to the rate-limited provider", async () => {
    const config = await writeConfig(withBackup());
    primary.enqueue({ type: 'status', status: 429, retryAfterSeconds: 30 });
    const first = await ask(config, 'alice');
    assert.equal(first.code, 0, first.stderr);
    assert.equal(JSON.parse(first.stdout).provider, 'backup');
    const second = await ask(config, 'bob');
    assert.equal(second.code, 0, second.stderr);
    const answer = JSON.parse(second.stdout) as { provider: string; attempts: { provider: string; outcome: string; errorClass?: string }[] };
    assert.equal(answer.provider, 'backup');
    assert.deepEqual(answer.attempts[0], { ...answer.attempts[0], provider: 'primary', outcome: 'skipped', errorClass: 'rate_limited' });
    assert.equal(primary.requests.length, 1, 'bob waited out the Retry-After alice was given');
  });

  type Answer = { provider: string; usage?: { inputTokens: number; outputTokens: number }; attempts: { provider: string; outcome: string; errorClass?: string; message?: string }[] };

  async function answerOf(run: Promise<CliRun>): Promise<Answer> {
    const r = await run;
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Answer;
  }

  function withLimits(limits: Record<string, number>) {
    const { providers } = withBackup();
    return { providers: [{ ...providers[0], limits }, providers[1]] };
  }

  it("counts limits.rpm team-wide: once alice used the minute's requests, bob goes to the backup without sending", async () => {
    const config = await writeConfig(withLimits({ rpm: 2 }));
    for (let i = 0; i < 2; i++) assert.equal((await answerOf(ask(config, 'alice'))).provider, 'primary');
    const bob = await answerOf(ask(config, 'bob'));
    assert.equal(bob.provider, 'backup');
    assert.deepEqual(bob.attempts[0], { ...bob.attempts[0], provider: 'primary', outcome: 'skipped', errorClass: 'client_rate_limit' });
    assert.match(bob.attempts[0].message ?? '', /limits\.rpm \(2\) reached/);
    assert.equal(primary.requests.length, 2, 'the team sent the primary 2 requests in the minute, as limits.rpm says');
  });

  it('keeps 8 racing members within limits.rpm team-wide: the primary gets exactly its 3 requests, the others go to the backup', async () => {
    const config = await writeConfig(withLimits({ rpm: 3 }));
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => answerOf(ask(config, `member-${i}`))));
    assert.equal(answers.filter((a) => a.provider === 'primary').length, 3, answers.map((a) => a.provider).join(', '));
    assert.equal(primary.requests.length, 3, 'the team sent the primary 3 requests in the minute, however the members raced');
    for (const a of answers.filter((x) => x.provider === 'backup')) {
      assert.deepEqual(a.attempts[0], { ...a.attempts[0], provider: 'primary', outcome: 'skipped', errorClass: 'client_rate_limit' });
    }
  });

  it('counts limits.tpm team-wide with the tokens the answers really used, not their estimates', async () => {
    // Each answer here uses 17 tokens (2 in, 15 out: the emulator does not stop at max_tokens); a request is estimated
    // at its prompt plus --max-tokens 5, 7 tokens. Two of alice's answers leave 2 of 36: bob's estimate no longer fits,
    // though three estimates alone would.
    const config = await writeConfig(withLimits({ tpm: 36 }));
    const fifteenWords = Array.from({ length: 15 }, (_, i) => `word${i}`).join(' ');
    primary.enqueue({ type: 'ok', reply: fifteenWords }, { type: 'ok', reply: fifteenWords });
    for (let i = 0; i < 2; i++) {
      const alice = await answerOf(ask(config, 'alice'));
      assert.equal(alice.provider, 'primary');
      assert.deepEqual(alice.usage && alice.usage.inputTokens + alice.usage.outputTokens, 17);
    }
    const bob = await answerOf(ask(config, 'bob'));
    assert.equal(bob.provider, 'backup');
    assert.deepEqual(bob.attempts[0], { ...bob.attempts[0], provider: 'primary', outcome: 'skipped', errorClass: 'client_rate_limit' });
    assert.match(bob.attempts[0].message ?? '', /limits\.tpm \(36\) reached/);
  });

  it("uses the headroom another member heard: after alice's answer said no requests are left, bob does not send to the primary", async () => {
    const config = await writeConfig(withBackup());
    primary.setRateLimit({ style: 'openai', requests: { limit: 1, windowMs: 30_000 } });
    assert.equal((await answerOf(ask(config, 'alice'))).provider, 'primary');
    const bob = await answerOf(ask(config, 'bob'));
    assert.equal(bob.provider, 'backup');
    assert.deepEqual(bob.attempts[0], { ...bob.attempts[0], provider: 'primary', outcome: 'skipped', errorClass: 'rate_limit_headroom' });
    assert.equal(primary.requests.filter((r) => r.overRateLimit).length, 0, 'no member met the 429 the headers had announced');
    assert.equal(primary.requests.length, 1);
  });

  it('keeps rate limits per member when sharedState.share leaves out "rateLimits"', async () => {
    const config = await writeConfig(withLimits({ rpm: 1 }), { share: ['budget', 'breakers', 'cache', 'metrics'] });
    assert.equal((await answerOf(ask(config, 'alice'))).provider, 'primary');
    assert.equal((await answerOf(ask(config, 'bob'))).provider, 'primary', "bob does not know alice's minute");
    assert.deepEqual(await redisKeys(`llmr:${NAMESPACE}:sent:*`), []);
  });

  it('lets one member at a time probe a half-open provider team-wide', async () => {
    const config = await writeConfig({ ...withBackup(), breaker: { consecutiveFailures: 1, halfOpenAfterMs: 1_000, maxHalfOpenAfterMs: 1_000 } });
    primary.enqueue({ type: 'status', status: 503 });
    assert.equal((await ask(config, 'alice')).code, 0);
    await new Promise((r) => setTimeout(r, 1_100));
    const lease = new Redis(redis.url);
    try {
      // A member mid-probe holds the lease; the others must not probe meanwhile.
      assert.equal(await lease.set(`llmr:${NAMESPACE}:probe:primary`, 'someone-else', 'PX', 30_000, 'NX'), 'OK');
      const blocked = JSON.parse((await ask(config, 'bob')).stdout) as { provider: string };
      assert.equal(blocked.provider, 'backup');
      assert.equal(primary.requests.length, 1, 'no second probe while the lease is held');
      await lease.del(`llmr:${NAMESPACE}:probe:primary`);
    } finally {
      lease.disconnect();
    }
    const probe = JSON.parse((await ask(config, 'carol')).stdout) as { provider: string };
    assert.equal(probe.provider, 'primary', 'with the lease free, one member probes and the provider answers');
    assert.equal(primary.requests.length, 2);
  });

  it("serves the second member from the first one's answer in the shared cache, with no upstream call", async () => {
    const config = await writeConfig();
    const first = await ask(config, 'alice', {}, []);
    assert.equal(JSON.parse(first.stdout).cached, false, first.stderr);
    const second = await ask(config, 'bob', {}, []);
    assert.equal(second.code, 0, second.stderr);
    const answer = JSON.parse(second.stdout) as { cached: boolean; text: string; costUsd: number };
    assert.deepEqual([answer.cached, answer.text, answer.costUsd], [true, 'Hello from primary.', 0]);
    assert.equal(primary.requests.length, 1, 'the provider was asked once for the team');
    const [entry] = await redisKeys(`llmr:${NAMESPACE}:cache:*`);
    const client = new Redis(redis.url);
    try {
      const stored = (await client.getBuffer(entry)) as Buffer;
      assert.equal(stored.subarray(0, 2).toString('hex'), '1f8b', 'entries are gzip-compressed');
      assert.ok((await client.pttl(entry)) > 0, 'entries expire');
      assert.doesNotMatch(gunzipSync(stored).toString('utf8'), new RegExp(KEY), 'no key in the shared entry');
    } finally {
      client.disconnect();
    }
  });

  it('keeps prompts and answers out of Redis with cacheContent: false', async () => {
    const config = await writeConfig({}, { cacheContent: false });
    assert.equal((await ask(config, 'alice', {}, [])).code, 0);
    const second = JSON.parse((await ask(config, 'bob', {}, [])).stdout) as { cached: boolean };
    assert.equal(second.cached, false);
    assert.equal(primary.requests.length, 2);
    assert.deepEqual(await redisKeys(`llmr:${NAMESPACE}:cache:*`), []);
  });

  it('loses no spend while Redis is down: the next run merges it once Redis is back, exactly once', async () => {
    const config = await writeConfig();
    await redis.kill();
    const offline = await ask(config, 'alice');
    assert.equal(offline.code, 0, 'Redis down is not the router down');
    assert.equal(offline.stderr.match(/Shared state:/g)?.length, 1, `one warning: ${offline.stderr}`);
    assert.match(offline.stderr, /sharedState\.url/);
    await redis.restart();
    const back = await ask(config, 'alice');
    assert.equal(back.code, 0, back.stderr);
    assert.equal(back.stderr, '', 'no warning once Redis answers');
    assert.equal(await teamSpendToday(), 6, 'the offline $3 merged plus the new $3');
    assert.equal((await ask(config, 'alice')).code, 0);
    assert.equal(await teamSpendToday(), 9, 'the offline spend is not merged twice');
  });

  it('loses no spend when Redis is killed while a request is in flight: its cost is merged when Redis is back', async () => {
    const config = await writeConfig({ budget: { dailyUsd: 100 } });
    primary.enqueue({ type: 'delay', ms: 1_500 });
    const running = ask(config, 'alice');
    while (primary.requests.length === 0) await new Promise((r) => setTimeout(r, 20));
    await redis.kill();
    const midRun = await running;
    assert.equal(midRun.code, 0, midRun.stderr);
    assert.match(midRun.stderr, /Shared state: Redis at .* \(sharedState\.url\) is unavailable/);
    await redis.restart();
    assert.equal((await ask(config, 'bob')).code, 0);
    assert.equal((await ask(config, 'alice')).code, 0);
    assert.equal(await teamSpendToday(), 9, "the in-flight request's $3 is merged once, beside the two later $3 answers");
  });

  it('goes on with local state and names sharedState.passwordEnv when Redis refuses the password', async () => {
    await redis.stop();
    redis = await startRedisServer({ password: 'right-password' });
    const config = await writeConfig({}, { passwordEnv: 'TEAM_REDIS_PASSWORD' });
    const r = await ask(config, 'alice', { TEAM_REDIS_PASSWORD: 'wrong-password' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /refused the password.*TEAM_REDIS_PASSWORD \(sharedState\.passwordEnv\)/);
    assert.doesNotMatch(r.stderr + r.stdout, /wrong-password|right-password/);
    const ok = await ask(config, 'bob', { TEAM_REDIS_PASSWORD: 'right-password' });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stderr, '');
  });
});
