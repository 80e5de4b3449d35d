import assert from 'node:assert/strict';
import type { ChatRequest } from '../../src/engine/types';
import { startHarness, type Harness } from '../support/engineHarness';

let n = 0;
const ask = (): ChatRequest => ({ messages: [{ role: 'user', content: `health question ${++n}` }] });

describe('engine.providerHealth() (real engine, emulated providers over HTTP)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const states = (harness: Harness, engine = harness.engine) => Object.fromEntries(engine.providerHealth().map((p) => [p.provider, p.state]));

  it('is unknown before any answer, healthy after one, degraded after a failure, unavailable once the breaker opens, healthy after a reset', async () => {
    h = await startHarness([{ id: 'a' }, { id: 'b' }], { retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000, maxHalfOpenAfterMs: 60_000 }, cache: { enabled: false } });
    assert.deepEqual(states(h), { a: 'unknown', b: 'unknown' });

    assert.equal((await h.engine.chat(ask())).provider, 'a');
    assert.deepEqual(states(h), { a: 'healthy', b: 'unknown' });

    h.emulators.a.enqueue({ type: 'status', status: 503 });
    assert.equal((await h.engine.chat(ask())).provider, 'b');
    assert.deepEqual(states(h), { a: 'degraded', b: 'healthy' });
    assert.match(h.engine.providerHealth()[0].reason, /^Last request failed at \d\d:\d\d:\d\d: server error — /);

    h.emulators.a.enqueue({ type: 'status', status: 503 });
    await h.engine.chat(ask());
    assert.deepEqual(states(h), { a: 'unavailable', b: 'healthy' });
    assert.match(h.engine.providerHealth()[0].reason, /^Breaker open until \d\d:\d\d:\d\d after 2 consecutive server error failures$/);

    h.engine.resetBreaker('a');
    assert.deepEqual(states(h), { a: 'healthy', b: 'healthy' });
  });

  it('labels each provider after a health probe with the same definition', async () => {
    h = await startHarness([{ id: 'up' }, { id: 'down' }]);
    h.emulators.down.enqueue({ type: 'status', status: 500 });
    const probes = await h.engine.health();
    assert.deepEqual(probes.map((p) => [p.provider, p.ok]), [['up', true], ['down', false]]);
    assert.deepEqual(states(h), { up: 'healthy', down: 'degraded' });
  });

  it('remembers across a restart that a provider has answered, so it is not unknown again', async () => {
    h = await startHarness([{ id: 'a' }, { id: 'b' }], { cache: { enabled: false } });
    await h.engine.chat(ask());
    await h.engine.close();
    const restarted = h.newEngine();
    await restarted.ready();
    assert.deepEqual(states(h, restarted), { a: 'healthy', b: 'unknown' });
    assert.equal(restarted.providerHealth()[0].reason, 'Answered before; no request since the router started');
  });
});
