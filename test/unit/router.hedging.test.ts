import assert from 'node:assert/strict';
import { setTimeout as wait } from 'node:timers/promises';
import { Agent } from 'undici';
import type { EngineOptions } from '../../src/engine/engine';
import { AllProvidersFailedError, CancelledError } from '../../src/engine/errors';
import type { ChatRequest } from '../../src/engine/types';
import { startHarness, type Harness, type HarnessProvider } from '../support/engineHarness';

const ask: ChatRequest = { messages: [{ role: 'user', content: 'Say hello' }] };
const HEDGING = { routing: { hedging: { enabled: true, minDelayMs: 60 } } };

let dispatcher: Agent | undefined;

/**
 * The response cache would answer repeated prompts itself, so it is off. Connections are not kept alive,
 * so an emulator's open connections are exactly the requests still in flight.
 */
function start(providers: HarnessProvider[], settings: Record<string, unknown> = {}, opts: Partial<EngineOptions> = {}): Promise<Harness> {
  dispatcher = new Agent({ pipelining: 0 });
  return startHarness(providers, { cache: { enabled: false }, ...settings }, { dispatcher, ...opts });
}

/** Five quick answers give the engine the recent p95 it needs before it hedges. */
async function warmUp(h: Harness, times = 5): Promise<void> {
  for (let i = 0; i < times; i++) assert.equal((await h.engine.chat(ask)).provider, 'primary');
}

async function until(cond: () => boolean, what: string, timeoutMs = 2_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await wait(10);
  }
}

describe('router: hedging', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    await dispatcher?.close();
    h = undefined;
    dispatcher = undefined;
  });

  it('is off by default: a slow primary is awaited and the secondary is never called', async () => {
    h = await start([{ id: 'primary' }, { id: 'secondary' }]);
    await warmUp(h);
    h.emulators.primary.enqueue({ type: 'delay', ms: 200 });
    const res = await h.engine.chat(ask);
    assert.equal(res.provider, 'primary');
    assert.equal(h.emulators.secondary.requests.length, 0);
  });

  it('does not hedge before the primary has enough recent samples', async () => {
    h = await start([{ id: 'primary' }, { id: 'secondary' }], HEDGING);
    await warmUp(h, 4);
    h.emulators.primary.enqueue({ type: 'delay', ms: 200 });
    const res = await h.engine.chat(ask);
    assert.equal(res.provider, 'primary');
    assert.equal(h.emulators.secondary.requests.length, 0);
  });

  it('starts the secondary after minDelayMs when the warmed-up primary turns slow, takes its answer and cancels the primary', async () => {
    h = await start([{ id: 'primary' }, { id: 'secondary' }], HEDGING);
    await warmUp(h);
    h.emulators.primary.enqueue({ type: 'delay', ms: 1_000 });
    const started = Date.now();
    const res = await h.engine.chat(ask);
    assert.ok(Date.now() - started >= 59, 'the secondary was not started before minDelayMs');
    assert.equal(res.provider, 'secondary');
    assert.equal(res.text, 'Hello from secondary.');
    assert.equal(h.emulators.primary.requests.length, 6);
    assert.equal(h.emulators.secondary.requests.length, 1);

    const byProvider = Object.fromEntries(res.attempts.map((a) => [a.provider, a]));
    assert.deepEqual([byProvider.secondary.outcome, byProvider.secondary.hedged], ['ok', true]);
    assert.deepEqual([byProvider.primary.outcome, byProvider.primary.errorClass], ['skipped', 'cancelled']);
    assert.equal(res.attempts.length, 2);
    await until(() => h!.emulators.primary.openConnections() === 0, "the primary's connection to close");

    const snap = h.engine.providers().find((p) => p.id === 'primary')?.breaker;
    assert.equal(snap?.consecutiveFailures, 0, 'losing a hedge is not a failure');
  });

  it("waits the primary's recent p95 before hedging when that is longer than minDelayMs", async () => {
    h = await start([{ id: 'primary' }, { id: 'secondary' }], { routing: { hedging: { enabled: true, minDelayMs: 10 } } });
    h.emulators.primary.enqueue(...Array.from({ length: 5 }, () => ({ type: 'delay' as const, ms: 60 })));
    await warmUp(h);
    h.emulators.primary.enqueue({ type: 'delay', ms: 1_000 });
    const started = Date.now();
    const res = await h.engine.chat(ask);
    assert.equal(res.provider, 'secondary');
    assert.ok(Date.now() - started >= 59, 'the secondary was not started before the p95 of at least 60 ms');
  });

  it('keeps the primary answer when it arrives before the hedge delay', async () => {
    h = await start([{ id: 'primary' }, { id: 'secondary' }], { routing: { hedging: { enabled: true, minDelayMs: 500 } } });
    await warmUp(h);
    h.emulators.primary.enqueue({ type: 'delay', ms: 50 });
    const res = await h.engine.chat(ask);
    assert.equal(res.provider, 'primary');
    assert.equal(h.emulators.secondary.requests.length, 0);
  });

  it('takes whichever racer answers first, even the primary after the hedge started, and cancels the other', async () => {
    h = await start([{ id: 'primary' }, { id: 'secondary' }, { id: 'third' }], { ...HEDGING, retry: { maxAttempts: 1 } });
    await warmUp(h);
    h.emulators.primary.enqueue({ type: 'delay', ms: 120 });
    h.emulators.secondary.enqueue({ type: 'delay', ms: 300 });
    const res = await h.engine.chat(ask);
    assert.equal(res.provider, 'primary');
    assert.equal(h.emulators.secondary.requests.length, 1, 'the hedge was started');
    assert.deepEqual(
      res.attempts.filter((a) => a.provider === 'secondary').map((a) => [a.outcome, a.errorClass, a.hedged]),
      [['skipped', 'cancelled', true]],
    );
    assert.equal(h.emulators.third.requests.length, 0);
    await until(() => h!.emulators.secondary.openConnections() === 0, "the loser's connection to close");
  });

  it('with streaming, only the winner text reaches onText', async () => {
    h = await start([{ id: 'primary' }, { id: 'secondary' }], HEDGING);
    await warmUp(h);
    // The primary sends its headers and an empty first frame at once, then crawls.
    h.emulators.primary.enqueue({ type: 'slow', chunkDelayMs: 300 });
    const deltas: string[] = [];
    const res = await h.engine.chat({ ...ask, stream: true }, { onText: (d) => deltas.push(d) });
    assert.equal(res.provider, 'secondary');
    assert.equal(deltas.join(''), 'Hello from secondary.');
    assert.equal(res.text, 'Hello from secondary.');
    await wait(350);
    assert.equal(deltas.join(''), 'Hello from secondary.', 'nothing from the primary arrived later either');
    await until(() => h!.emulators.primary.openConnections() === 0, "the primary's connection to close");
  });

  it('fails as incomplete when the hedge that won the stream breaks after its text reached the caller, asking nobody else', async () => {
    h = await start([{ id: 'primary' }, { id: 'secondary' }, { id: 'third' }], HEDGING);
    await warmUp(h);
    h.emulators.primary.enqueue({ type: 'delay', ms: 1_000 });
    h.emulators.secondary.enqueue({ type: 'cut', afterChunks: 1 });
    const deltas: string[] = [];
    const err = await h.engine.chat({ ...ask, stream: true }, { onText: (d) => deltas.push(d) }).then(
      () => assert.fail('a broken stream must not resolve as complete'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof AllProvidersFailedError, `got ${String(err)}`);
    assert.equal(err.partialText, 'Hello ');
    assert.equal(deltas.join(''), 'Hello ');
    assert.match(err.message, /incomplete/);
    assert.equal(h.emulators.third.requests.length, 0);
    await until(() => h!.emulators.primary.openConnections() === 0, "the primary's connection to close");
  });

  it('cancels both racers when the caller aborts during a hedge, counting against neither', async () => {
    h = await start([{ id: 'primary' }, { id: 'secondary' }], HEDGING);
    await warmUp(h);
    h.emulators.primary.enqueue({ type: 'hang' });
    h.emulators.secondary.enqueue({ type: 'hang' });
    const ac = new AbortController();
    const call = h.engine.chat(ask, { signal: ac.signal });
    await until(() => h!.emulators.secondary.requests.length === 1, 'the hedge to start');
    ac.abort();
    const err = await call.then(
      () => assert.fail('expected cancellation'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof CancelledError, `got ${String(err)}`);
    for (const p of h.engine.providers()) assert.equal(p.breaker.consecutiveFailures, 0, p.id);
    await until(() => h!.emulators.primary.openConnections() + h!.emulators.secondary.openConnections() === 0, 'both connections to close');
  });

  it('does not hedge a stream that has already delivered text', async () => {
    h = await start([{ id: 'primary' }, { id: 'secondary' }], HEDGING);
    await warmUp(h);
    h.emulators.primary.enqueue({ type: 'slow', chunkDelayMs: 40 });
    const deltas: string[] = [];
    const res = await h.engine.chat({ ...ask, stream: true }, { onText: (d) => deltas.push(d) });
    assert.equal(res.provider, 'primary');
    assert.equal(deltas.join(''), 'Hello from primary.');
    assert.equal(h.emulators.secondary.requests.length, 0);
  });
});
