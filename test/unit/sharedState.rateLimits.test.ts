import assert from 'node:assert/strict';
import { setTimeout as wait } from 'node:timers/promises';
import { configSchema } from '../../src/engine/config/schema';
import { RedisRateLimits } from '../../src/engine/state/redis/redisRateLimits';
import { SharedStateClient } from '../../src/engine/state/redis/sharedStateClient';
import { startRedisServer, type RedisServer } from '../support/redisServer';

const WINDOW_MS = 60_000;
const SCOPE = 'primary\u0000gpt-4o-mini';

describe('RedisRateLimits: team rate limits in a real redis-server', function () {
  this.timeout(20_000);
  let redis: RedisServer;
  const clients: SharedStateClient[] = [];

  function member(): RedisRateLimits {
    const config = configSchema.parse({ sharedState: { url: redis.url, namespace: 'team-a', timeoutMs: 2_000 } }).sharedState;
    assert.ok(config);
    const client = new SharedStateClient({ config, warn: () => undefined });
    clients.push(client);
    return new RedisRateLimits(client, WINDOW_MS);
  }

  /** Writes are fire-and-forget; a round trip on the same connection has them applied. */
  async function settle(m: RedisRateLimits): Promise<void> {
    await m.read([], [], Date.now());
    await wait(20);
  }

  beforeEach(async () => {
    redis = await startRedisServer();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await redis.stop();
  });

  it('keeps the newest headroom whoever heard it: an older word arriving later does not replace it', async () => {
    const [alice, bob, carol] = [member(), member(), member()];
    const now = Date.now();
    alice.announced(SCOPE, { requests: { remaining: 0, resetAt: now + 30_000 } }, now);
    await settle(alice);
    bob.announced(SCOPE, { requests: { remaining: 40, resetAt: now + 30_000 } }, now - 500);
    await settle(bob);
    const view = await carol.read([SCOPE, 'other\u0000model'], [], Date.now());
    assert.deepEqual(view?.announced.get(SCOPE), { observedAt: now, snapshot: { requests: { remaining: 0, resetAt: now + 30_000 } } });
    assert.equal(view?.announced.has('other\u0000model'), false);
  });

  it("gives each member the others' sends in the window, the real usage replacing the estimate, never its own", async () => {
    const [alice, bob] = [member(), member()];
    const now = Date.now();
    alice.sent('primary', '1', 12, now - 2_000);
    alice.settled('primary', '1', 12, 17, now - 1_500);
    alice.sent('primary', '2', 12, now - 1_000);
    alice.sent('primary', 'old', 99, now - WINDOW_MS - 1);
    bob.sent('primary', '1', 5, now);
    await settle(alice);
    await settle(bob);
    const forBob = await bob.read([], ['primary'], Date.now());
    assert.deepEqual(forBob?.sent.get('primary'), [
      { at: now - 1_500, tokens: 17 },
      { at: now - 1_000, tokens: 12 },
    ]);
    const forAlice = await alice.read([], ['primary'], Date.now());
    assert.deepEqual(forAlice?.sent.get('primary'), [{ at: now, tokens: 5 }]);
  });

  it('reads nothing (and so adds nothing) when Redis is gone', async () => {
    const alice = member();
    await redis.kill();
    assert.equal(await alice.read([SCOPE], ['primary'], Date.now()), undefined);
  });
});
