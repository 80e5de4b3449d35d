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
    await m.read(['settle']);
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
    const view = await carol.read([SCOPE, 'other\u0000model']);
    assert.deepEqual(view?.get(SCOPE), { observedAt: now, snapshot: { requests: { remaining: 0, resetAt: now + 30_000 } } });
    assert.equal(view?.has('other\u0000model'), false);
  });

  it("counts every member's requests in the window, each with the tokens its answer really used, and forgets those past it", async () => {
    const [alice, bob] = [member(), member()];
    const now = Date.now();
    const tpm = { tpm: 40 };
    assert.deepEqual(await alice.reserve('primary', 'old', 20, now - WINDOW_MS - 1, tpm), { ok: true });
    assert.deepEqual(await alice.reserve('primary', '1', 12, now - 2_000, tpm), { ok: true });
    alice.settled('primary', '1', 12, 17, now - 1_500);
    await settle(alice);
    assert.deepEqual(await bob.reserve('primary', '1', 12, now, tpm), { ok: true }, '17 used and 12 asked fit in 40 once the old request of 20 left the window');
    assert.deepEqual(await bob.reserve('primary', '2', 12, now, tpm), { ok: false, until: now - 1_500 + WINDOW_MS, limitedBy: 'tpm' }, '17 + 12 + 12 do not: the real usage, not the estimate of 12, is counted');
  });

  it('takes a slot for the whole team in one step: past limits.rpm or limits.tpm it refuses and says when one frees up', async () => {
    const [alice, bob] = [member(), member()];
    const now = Date.now();
    assert.deepEqual(await alice.reserve('primary', 'a1', 10, now - 3_000, { rpm: 2 }), { ok: true });
    assert.deepEqual(await bob.reserve('primary', 'b1', 10, now - 1_000, { rpm: 2 }), { ok: true });
    assert.deepEqual(await alice.reserve('primary', 'a2', 10, now, { rpm: 2 }), { ok: false, until: now - 3_000 + WINDOW_MS, limitedBy: 'rpm' }, 'the oldest leaves first');
    assert.deepEqual(await bob.reserve('other', 'b2', 300, now, { tpm: 500 }), { ok: true });
    assert.deepEqual(await alice.reserve('other', 'a3', 300, now + 1, { rpm: 10, tpm: 500 }), { ok: false, until: now + WINDOW_MS, limitedBy: 'tpm' }, 'the limit that is full is named, not just the first one set');
    assert.deepEqual(await alice.reserve('other', 'a4', 200, now + 1, { tpm: 500 }), { ok: true }, 'a smaller request still fits');
    const refused = await Promise.all(Array.from({ length: 8 }, (_, i) => member().reserve('racy', `m${i}`, 1, now, { rpm: 3 })));
    assert.equal(refused.filter((r) => r?.ok).length, 3, '8 racing members get exactly the 3 slots');
  });

  it('reads and reserves nothing when Redis is gone', async () => {
    const alice = member();
    await redis.kill();
    assert.equal(await alice.read([SCOPE]), undefined);
    assert.equal(await alice.reserve('primary', 'x', 1, Date.now(), { rpm: 1 }), undefined, 'no slot taken or refused: the member counts on its own');
  });
});
