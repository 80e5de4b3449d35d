import assert from 'node:assert/strict';
import { configSchema } from '../../src/engine/config/schema';
import { RedisStateStore, SharedStateUnavailableError } from '../../src/engine/state/redis/redisStateStore';
import { SharedStateClient } from '../../src/engine/state/redis/sharedStateClient';
import type { StateDocument } from '../../src/engine/state/stateStore';
import { startRedisServer, type RedisServer } from '../support/redisServer';

const counter: StateDocument<number> = {
  name: 'counter.json',
  label: 'test counter',
  decode: (bytes) => ({ ok: true, data: Number(bytes.toString('utf8')) }),
  encode: (n) => String(n),
  empty: () => 0,
};

describe('RedisStateStore: state documents in the team Redis', function () {
  this.timeout(20_000);
  let redis: RedisServer;
  const clients: SharedStateClient[] = [];

  function member(): RedisStateStore {
    const config = configSchema.parse({ sharedState: { url: redis.url, namespace: 'team-a', timeoutMs: 2_000 } }).sharedState;
    assert.ok(config);
    const client = new SharedStateClient({ config, warn: () => undefined });
    clients.push(client);
    return new RedisStateStore(client);
  }

  beforeEach(async () => {
    redis = await startRedisServer();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await redis.stop();
  });

  it('loses no update when four members update the same document at once', async () => {
    const stores = [member(), member(), member(), member()];
    // Each member updates one after another, as BreakerStore does; the members race each other.
    await Promise.all(
      stores.map(async (store) => {
        for (let i = 0; i < 10; i++) await store.update(counter, (n) => n + 1);
      }),
    );
    assert.equal(await stores[0].read(counter), 40);
  });

  it('reads a missing document as empty, writes nothing when merge returns undefined, and removes it', async () => {
    const store = member();
    assert.equal(await store.read(counter), 0);
    assert.equal(await store.update(counter, () => undefined), 0);
    await store.update(counter, () => 7);
    assert.equal(await member().read(counter), 7, 'another member sees it');
    await store.remove(counter);
    assert.equal(await store.read(counter), 0);
  });

  it('throws when Redis is unavailable, so the caller keeps what it could not save', async () => {
    const store = member();
    await redis.kill();
    await assert.rejects(store.update(counter, (n) => n + 1), SharedStateUnavailableError);
  });
});
