import assert from 'node:assert/strict';
import type { EngineOptions } from '../../src/engine/engine';
import { AllProvidersFailedError } from '../../src/engine/errors';
import type { ChatRequest } from '../../src/engine/types';
import { startHarness, type Harness, type HarnessProvider } from '../support/engineHarness';
import { seededRandom } from '../support/seededRandom';

const ask: ChatRequest = { messages: [{ role: 'user', content: 'Say hello' }], maxTokens: 100 };

/**
 * The response cache would answer repeated prompts itself; these tests are about reaching providers.
 * A random source that always draws 0 makes `weighted` pick the first-listed provider.
 */
function start(providers: HarnessProvider[], settings: Record<string, unknown> = {}, opts: Partial<EngineOptions> = {}): Promise<Harness> {
  return startHarness(providers, { cache: { enabled: false }, ...settings }, { random: () => 0, ...opts });
}

/** The order the engine tries providers in, read off a request that every provider fails. */
async function triedOrder(h: Harness): Promise<string[]> {
  for (const e of Object.values(h.emulators)) e.enqueue({ type: 'status', status: 500 });
  const err = await h.engine.chat(ask).then(
    () => assert.fail('every provider was told to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof AllProvidersFailedError);
  return err.attempts.map((a) => a.provider);
}

describe('router: routing strategies', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('weighted: sends 3 of 4 requests to weight 3 over 400 requests, drawing from the engine\'s random source', async () => {
    h = await start([{ id: 'light', extra: { weight: 1 } }, { id: 'heavy', extra: { weight: 3 } }], { routing: { strategy: 'weighted' } }, { random: seededRandom(9) });
    const picks = { heavy: 0, light: 0 };
    for (let i = 0; i < 400; i++) picks[(await h.engine.chat(ask)).provider as 'heavy' | 'light']++;
    // Seeded, so the count is fixed; the bound is what any seed gives 99.9 % of the time (±3.3 sd of 8.7).
    assert.ok(picks.heavy >= 272 && picks.heavy <= 328, `heavy got ${picks.heavy} of 400`);
    assert.equal(h.emulators.heavy.requests.length, picks.heavy);
    assert.equal(h.emulators.light.requests.length, 400 - picks.heavy);
  });

  it('weighted: a draw below 3/4 of the total weight picks weight 3, from 3/4 up weight 1, whatever the config order', async () => {
    const providers: HarnessProvider[] = [{ id: 'light', extra: { weight: 1 } }, { id: 'heavy', extra: { weight: 3 } }];
    let draw = 0;
    h = await start([...providers].reverse(), { routing: { strategy: 'weighted' } }, { random: () => draw });
    const pick = async (d: number) => {
      draw = d;
      return (await h!.engine.chat(ask)).provider;
    };
    assert.deepEqual([await pick(0), await pick(0.7499), await pick(0.75), await pick(0.9999)], ['heavy', 'heavy', 'light', 'light']);
    await h.close();
    h = await start(providers, { routing: { strategy: 'weighted' } }, { random: () => draw });
    // Listed first, weight 1 owns the first quarter of the draws.
    assert.deepEqual([await pick(0), await pick(0.2499), await pick(0.25), await pick(0.9999)], ['light', 'light', 'heavy', 'heavy']);
  });

  it('weighted: falls back to the other provider when the picked one fails', async () => {
    h = await start([{ id: 'heavy', extra: { weight: 3 } }, { id: 'light', extra: { weight: 1 } }], { routing: { strategy: 'weighted' }, retry: { maxAttempts: 1 } });
    h.emulators.heavy.enqueue({ type: 'status', status: 500 });
    const res = await h.engine.chat(ask);
    assert.equal(res.provider, 'light');
    assert.deepEqual(res.attempts.map((a) => a.provider), ['heavy', 'light']);
  });

  it('latency: orders the provider with slower recent answers last once every provider has been measured', async () => {
    h = await start([{ id: 'slow' }, { id: 'fast1' }, { id: 'fast2' }], { routing: { strategy: 'latency' }, retry: { maxAttempts: 1 } });
    h.emulators.slow.enqueue({ type: 'delay', ms: 150 });
    // Unmeasured providers go first, so three requests measure each once.
    const warmUp: string[] = [];
    for (let i = 0; i < 3; i++) warmUp.push((await h.engine.chat(ask)).provider);
    assert.deepEqual([...warmUp].sort(), ['fast1', 'fast2', 'slow']);

    const order = await triedOrder(h);
    assert.equal(order.length, 3);
    assert.equal(order[2], 'slow');
    const res = await h.engine.chat(ask);
    assert.notEqual(res.provider, 'slow');
  });

  it('cost: tries the free local model first, then cheaper prices, and unknown prices last', async () => {
    h = await start(
      [
        { id: 'unknown' },
        { id: 'pricey', extra: { pricing: { inputPerMillion: 10, outputPerMillion: 30 } } },
        { id: 'local', kind: 'ollama' },
        { id: 'cheap', extra: { pricing: { inputPerMillion: 0.15, outputPerMillion: 0.6 } } },
      ],
      { routing: { strategy: 'cost' }, retry: { maxAttempts: 1 } },
    );
    assert.deepEqual(await triedOrder(h), ['local', 'cheap', 'pricey', 'unknown']);
    assert.equal((await h.engine.chat(ask)).provider, 'local');
  });

  it('priority: honours priority numbers, then config order for providers without one', async () => {
    h = await start([{ id: 'none1' }, { id: 'second', extra: { priority: 2 } }, { id: 'none2' }, { id: 'first', extra: { priority: 1 } }], { retry: { maxAttempts: 1 } });
    assert.deepEqual(await triedOrder(h), ['first', 'second', 'none1', 'none2']);
  });

  // 'pref' comes first under every strategy: lowest priority, highest weight, cheapest, and first in config.
  const preferred: HarnessProvider[] = [
    { id: 'pref', extra: { priority: 1, weight: 5, pricing: { inputPerMillion: 0.1, outputPerMillion: 0.1 } } },
    { id: 'other', extra: { priority: 2, weight: 1, pricing: { inputPerMillion: 5, outputPerMillion: 15 } } },
  ];
  for (const strategy of ['priority', 'weighted', 'latency', 'cost'] as const) {
    it(`${strategy}: skips a provider whose breaker is open without sending to it`, async () => {
      h = await start(preferred, { routing: { strategy } });
      h.engine.isolate('pref');
      const res = await h.engine.chat(ask);
      assert.equal(res.provider, 'other');
      assert.deepEqual(res.attempts.map((a) => [a.provider, a.outcome, a.errorClass]), [
        ['pref', 'skipped', 'breaker_open'],
        ['other', 'ok', undefined],
      ]);
      assert.equal(h.emulators.pref.requests.length, 0);
    });

    it(`${strategy}: falls back to the next provider when the first one fails`, async () => {
      h = await start(preferred, { routing: { strategy }, retry: { maxAttempts: 1 } });
      h.emulators.pref.enqueue({ type: 'status', status: 503 });
      const res = await h.engine.chat(ask);
      assert.equal(res.provider, 'other');
      assert.deepEqual(res.attempts.map((a) => [a.provider, a.outcome]), [
        ['pref', 'error'],
        ['other', 'ok'],
      ]);
    });
  }
});
