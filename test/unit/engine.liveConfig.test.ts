import assert from 'node:assert/strict';
import { parseConfig } from '../../src/engine/config/loadConfig';
import { startHarness, type Harness } from '../support/engineHarness';

const ask = { messages: [{ role: 'user' as const, content: 'hi' }] };

describe('engine: configuration applied live', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('applies new breaker thresholds to providers that keep their id, without losing their state', async () => {
    h = await startHarness([{ id: 'a' }, { id: 'b' }], { cache: { enabled: false }, retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 5 } });
    h.emulators.a.enqueue({ type: 'status', status: 503 });
    await h.engine.chat(ask);
    assert.equal(h.engine.providers()[0].breaker.state, 'closed', 'one failure of five');
    const cfg = h.engine.config;
    h.engine.updateConfig(parseConfig({ ...cfg, providers: cfg.providers, breaker: { ...cfg.breaker, consecutiveFailures: 2 } }).config);
    h.emulators.a.enqueue({ type: 'status', status: 503 });
    await h.engine.chat(ask);
    assert.equal(h.engine.providers()[0].breaker.state, 'open', 'the earlier failure still counts toward the new threshold of two');
  });

  it('switches strategy and provider order for the next request', async () => {
    h = await startHarness([{ id: 'a', extra: { priority: 1 } }, { id: 'b', extra: { priority: 2 } }], { cache: { enabled: false } });
    assert.equal((await h.engine.chat(ask)).provider, 'a');
    const cfg = h.engine.config;
    h.engine.updateConfig(parseConfig({ ...cfg, providers: cfg.providers.map((p) => ({ ...p, priority: p.id === 'b' ? 0 : 9 })) }).config);
    assert.equal((await h.engine.chat(ask)).provider, 'b');
  });
});
