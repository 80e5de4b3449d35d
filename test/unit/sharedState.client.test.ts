import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { configSchema } from '../../src/engine/config/schema';
import { SharedStateClient } from '../../src/engine/state/redis/sharedStateClient';
import { closedPortUrl } from '../emulator/server';
import { startRedisServer, type RedisServer } from '../support/redisServer';

const TIMEOUT_MS = 100;

function clientFor(url: string, warnings: string[], password?: string): SharedStateClient {
  const config = configSchema.parse({ sharedState: { url, namespace: 'team-a', passwordEnv: 'TEAM_REDIS_PASSWORD', timeoutMs: TIMEOUT_MS } }).sharedState;
  assert.ok(config);
  return new SharedStateClient({ config, password, warn: (m) => warnings.push(m) });
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

describe('shared state client: Redis failing is not the router failing', function () {
  this.timeout(20_000);
  let redis: RedisServer | undefined;
  let client: SharedStateClient | undefined;

  afterEach(async () => {
    await client?.close();
    await redis?.stop();
    client = redis = undefined;
  });

  it('gives up on a Redis nobody listens on after timeoutMs, then skips it at once, with one warning naming sharedState.url', async () => {
    const warnings: string[] = [];
    const url = (await closedPortUrl()).replace(/^http/, 'redis');
    client = clientFor(url, warnings);
    const first = await timed(() => client!.call((r) => r.ping()));
    assert.equal(first.value, undefined);
    assert.ok(first.ms < TIMEOUT_MS + 100, `first call gave up after ${first.ms.toFixed(0)} ms`);
    for (let i = 0; i < 20; i++) {
      const next = await timed(() => client!.call((r) => r.ping()));
      assert.equal(next.value, undefined);
      assert.ok(next.ms < 5, `a call while Redis is known down took ${next.ms.toFixed(1)} ms`);
    }
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /Shared state: Redis at redis:\/\/127\.0\.0\.1:\d+ \(sharedState\.url\) is unavailable/);
  });

  it('bounds a hung Redis by timeoutMs and uses it again, saying so, once it answers', async () => {
    redis = await startRedisServer();
    const warnings: string[] = [];
    client = clientFor(redis.url, warnings);
    assert.equal(await client.call((r) => r.ping()), 'PONG');
    redis.pause();
    const hung = await timed(() => client!.call((r) => r.ping()));
    assert.equal(hung.value, undefined);
    assert.ok(hung.ms < TIMEOUT_MS + 100, `a hung Redis held the call for ${hung.ms.toFixed(0)} ms`);
    const skipped = await timed(() => client!.call((r) => r.ping()));
    assert.equal(skipped.value, undefined);
    assert.ok(skipped.ms < 5, `the next call waited ${skipped.ms.toFixed(1)} ms on a Redis known to hang`);
    redis.resume();
    await new Promise((r) => setTimeout(r, 2_100));
    assert.equal(await client.call((r) => r.ping()), 'PONG');
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.match(warnings[0], /no answer within 100 ms \(sharedState\.timeoutMs\)/);
    assert.match(warnings[1], /answers again/);
  });

  it('names sharedState.passwordEnv when Redis refuses the password, and never shows the password', async () => {
    redis = await startRedisServer({ password: 'right-password' });
    const warnings: string[] = [];
    client = clientFor(redis.url, warnings, 'wrong-password');
    assert.equal(await client.call((r) => r.ping()), undefined);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /refused the password from the environment variable TEAM_REDIS_PASSWORD \(sharedState\.passwordEnv\)/);
    assert.doesNotMatch(warnings[0], /password'|-password/);
  });

  it("names the editor's Set Shared State Password command when the password came from secret storage, refused or missing", async () => {
    redis = await startRedisServer({ password: 'right-password' });
    const config = configSchema.parse({ sharedState: { url: redis.url, namespace: 'team-a', timeoutMs: TIMEOUT_MS } }).sharedState;
    assert.ok(config);
    const command = 'LLM Router: Set Shared State Password';
    for (const [password, expected] of [
      ['wrong-password', /refused the password stored with 'LLM Router: Set Shared State Password': run it again with the right password/],
      [undefined, /requires a password: store it with 'LLM Router: Set Shared State Password'/],
    ] as const) {
      const warnings: string[] = [];
      client = new SharedStateClient({ config, password, passwordCommand: command, warn: (m) => warnings.push(m) });
      assert.equal(await client.call((r) => r.ping()), undefined);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], expected);
      assert.doesNotMatch(warnings[0], /passwordEnv|-password/);
      await client.close();
    }
    client = undefined;
  });

  it('leaves a password in the URL out of every message', async () => {
    const warnings: string[] = [];
    const url = (await closedPortUrl()).replace(/^http:\/\//, 'redis://:hunter2@');
    client = clientFor(url, warnings);
    await client.call((r) => r.ping());
    assert.equal(client.location.includes('hunter2'), false);
    assert.doesNotMatch(warnings.join('\n'), /hunter2/);
  });
});
