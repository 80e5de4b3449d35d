import assert from 'node:assert/strict';
import { setTimeout as wait } from 'node:timers/promises';
import type { RouterEngine } from '../../src/engine/engine';
import { AllProvidersFailedError, CancelledError } from '../../src/engine/errors';
import type { ChatRequest } from '../../src/engine/types';
import { startHarness, type Harness, type HarnessProvider } from '../support/engineHarness';

const ask: ChatRequest = { messages: [{ role: 'user', content: 'Say hello' }] };

/** One try per provider and a breaker that opens after 3 failures, so tests can open it on purpose. */
function start(providers: HarnessProvider[], settings: Record<string, unknown> = {}): Promise<Harness> {
  return startHarness(providers, { cache: { enabled: false }, retry: { maxAttempts: 1 }, ...settings });
}

function breakerOf(engine: RouterEngine, id: string) {
  const status = engine.providers().find((p) => p.id === id);
  assert.ok(status, `provider ${id} is listed`);
  return status.breaker;
}

/** Opens `id`'s breaker with three 503s; the engine must route to `id` first. */
async function openBreaker(h: Harness, id: string): Promise<void> {
  h.emulators[id].enqueue(...Array.from({ length: 3 }, () => ({ type: 'status' as const, status: 503 })));
  for (let i = 0; i < 3; i++) await h.engine.chat(ask).catch(() => undefined);
  assert.equal(breakerOf(h.engine, id).state, 'open');
}

async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => assert.fail('expected the call to fail'),
    (err: unknown) => err,
  );
}

describe('router: waiting for a provider instead of failing while the request budget has time left', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('waits until an open breaker goes half-open, sending nothing to it before openUntil, then probes it once', async () => {
    h = await start([{ id: 'a' }], { breaker: { consecutiveFailures: 3, halfOpenAfterMs: 300 } });
    await openBreaker(h, 'a');
    const { openUntil } = breakerOf(h.engine, 'a');
    const sentBefore = h.emulators.a.requests.length;
    let sentWhileOpen: number | undefined;
    h.engine.onEvent((e) => {
      if (e.type === 'breaker' && e.to === 'half-open') sentWhileOpen = h?.emulators.a.requests.length;
    });

    const res = await h.engine.chat(ask);
    assert.ok(Date.now() >= (openUntil ?? Infinity), 'answered only after the breaker could go half-open');
    assert.equal(res.provider, 'a');
    assert.equal(sentWhileOpen, sentBefore, 'nothing reached a while its breaker was open');
    assert.equal(h.emulators.a.requests.length, sentBefore + 1, 'exactly one probe');
    assert.deepEqual(res.attempts.map((a) => [a.provider, a.outcome, a.errorClass]), [
      ['a', 'skipped', 'breaker_open'],
      ['a', 'ok', undefined],
    ]);
    assert.equal(breakerOf(h.engine, 'a').state, 'closed');
  });

  it("waits for a half-open probe's verdict instead of failing when the only other provider is open", async () => {
    h = await start([{ id: 'a' }, { id: 'b' }], { breaker: { consecutiveFailures: 3, halfOpenAfterMs: 150, maxHalfOpenAfterMs: 60_000 } });
    for (const id of ['a', 'b']) h.emulators[id].enqueue(...Array.from({ length: 3 }, () => ({ type: 'status' as const, status: 503 })));
    for (let i = 0; i < 3; i++) await rejectionOf(h.engine.chat(ask));
    assert.deepEqual([breakerOf(h.engine, 'a').state, breakerOf(h.engine, 'b').state], ['open', 'open']);
    await wait(160);
    // a's probe is slow; b's probe fails, so b is open again for 300 ms, past a's verdict.
    h.emulators.a.enqueue({ type: 'delay', ms: 200 });
    h.emulators.b.enqueue({ type: 'status', status: 503 });
    const probe = h.engine.chat(ask);
    await wait(20);
    const waiting = await h.engine.chat(ask);
    assert.equal((await probe).provider, 'a');
    assert.equal(waiting.provider, 'a');
    assert.deepEqual(waiting.attempts.map((a) => [a.provider, a.outcome, a.errorClass]), [
      ['a', 'skipped', 'breaker_open'],
      ['b', 'error', 'server_error'],
      ['a', 'ok', undefined],
    ]);
    assert.match(waiting.attempts[0].message ?? '', /half-open/);
    assert.equal(breakerOf(h.engine, 'b').state, 'open');
  });

  it('keeps waiting for a probe\'s verdict when the provider that became available first fails', async () => {
    h = await start([{ id: 'a' }, { id: 'b' }], { breaker: { consecutiveFailures: 3, halfOpenAfterMs: 150, maxHalfOpenAfterMs: 60_000 } });
    for (const id of ['a', 'b']) h.emulators[id].enqueue(...Array.from({ length: 3 }, () => ({ type: 'status' as const, status: 503 })));
    for (let i = 0; i < 3; i++) await rejectionOf(h.engine.chat(ask));
    await wait(160);
    // a's probe fails (open again for 300 ms); b's probe is slow, and its verdict comes after a is half-open again.
    h.emulators.a.enqueue({ type: 'status', status: 503 }, { type: 'status', status: 503 });
    h.emulators.b.enqueue({ type: 'delay', ms: 700 });
    const probe = h.engine.chat(ask);
    await wait(40);
    const waiting = await h.engine.chat(ask);
    assert.equal((await probe).provider, 'b');
    assert.equal(waiting.provider, 'b');
    assert.deepEqual(waiting.attempts.map((a) => [a.provider, a.outcome, a.errorClass]), [
      ['a', 'skipped', 'breaker_open'],
      ['b', 'skipped', 'breaker_open'],
      ['a', 'error', 'server_error'],
      ['b', 'ok', undefined],
    ]);
  });

  it('waits until Retry-After ends when it is the only candidate and the budget allows, and sends nothing before', async () => {
    h = await start([{ id: 'a' }]);
    h.emulators.a.enqueue({ type: 'status', status: 429, retryAfterMs: 300 });
    const limited = Date.now();
    await rejectionOf(h.engine.chat(ask));
    assert.equal(h.emulators.a.requests.length, 1);

    const res = await h.engine.chat(ask);
    assert.ok(Date.now() - limited >= 299, `answered ${Date.now() - limited} ms after the 429`);
    assert.equal(h.emulators.a.requests.length, 2);
    assert.deepEqual(res.attempts.map((a) => [a.provider, a.outcome, a.errorClass]), [
      ['a', 'skipped', 'rate_limited'],
      ['a', 'ok', undefined],
    ]);
  });

  it('fails at once when the earliest availability is past the request budget', async () => {
    h = await start([{ id: 'a' }, { id: 'b' }], { routing: { requestBudgetMs: 1_000 }, breaker: { consecutiveFailures: 3, halfOpenAfterMs: 5_000, maxHalfOpenAfterMs: 60_000 } });
    await openBreaker(h, 'a');
    h.emulators.b.enqueue({ type: 'status', status: 429, retryAfterSeconds: 30 });
    await h.engine.chat(ask).catch(() => undefined);

    const started = Date.now();
    const err = await rejectionOf(h.engine.chat(ask));
    assert.ok(Date.now() - started < 200, `took ${Date.now() - started} ms`);
    assert.ok(err instanceof AllProvidersFailedError);
    assert.deepEqual(err.attempts.map((a) => [a.provider, a.outcome, a.errorClass]), [
      ['a', 'skipped', 'breaker_open'],
      ['b', 'skipped', 'rate_limited'],
    ]);
  });

  it('fails at once when every candidate is isolated or has no key', async () => {
    h = await start([{ id: 'a' }, { id: 'b' }]);
    const engine = h.newEngine({}, { resolveKey: (p) => (p.id === 'a' ? 'sk-test-key' : undefined) });
    engine.isolate('a');
    const started = Date.now();
    const err = await rejectionOf(engine.chat(ask));
    assert.ok(Date.now() - started < 200, `took ${Date.now() - started} ms`);
    assert.ok(err instanceof AllProvidersFailedError);
    assert.deepEqual(err.attempts.map((a) => [a.provider, a.outcome, a.errorClass]), [
      ['a', 'skipped', 'breaker_open'],
      ['b', 'error', 'missing_key'],
    ]);
  });

  it('a cancelled waiting request ends promptly with CancelledError and counts against no provider', async () => {
    h = await start([{ id: 'a' }], { breaker: { consecutiveFailures: 3, halfOpenAfterMs: 2_000, maxHalfOpenAfterMs: 60_000 } });
    await openBreaker(h, 'a');
    const before = breakerOf(h.engine, 'a');
    const controller = new AbortController();
    const pending = h.engine.chat(ask, { signal: controller.signal });
    await wait(50);
    const cancelledAt = Date.now();
    controller.abort();
    const err = await rejectionOf(pending);
    assert.ok(err instanceof CancelledError, String(err));
    assert.ok(Date.now() - cancelledAt < 50, `ended ${Date.now() - cancelledAt} ms after the cancel`);
    const after = breakerOf(h.engine, 'a');
    assert.deepEqual([after.state, after.consecutiveFailures, after.openUntil, after.requestsInWindow], [before.state, before.consecutiveFailures, before.openUntil, before.requestsInWindow]);
    assert.equal(h.emulators.a.requests.length, 3);
  });

  it('100 concurrent requests waiting on one half-open provider: one probe, the rest answered after it succeeds', async () => {
    h = await start([{ id: 'a' }, { id: 'b' }], { breaker: { consecutiveFailures: 3, halfOpenAfterMs: 200 } });
    h.engine.isolate('b');
    await openBreaker(h, 'a');
    const emulator = h.emulators.a;
    const transitions: string[] = [];
    let sentWhenClosed: number | undefined;
    h.engine.onEvent((e) => {
      if (e.type !== 'breaker') return;
      transitions.push(`${e.from}→${e.to}`);
      if (e.to === 'closed') sentWhenClosed = emulator.requests.length;
    });
    emulator.enqueue({ type: 'delay', ms: 100 });

    const results = await Promise.all(Array.from({ length: 100 }, () => h?.engine.chat(ask)));
    assert.ok(results.every((r) => r?.provider === 'a'), 'every request was answered by a');
    assert.deepEqual(transitions, ['open→half-open', 'half-open→closed']);
    assert.equal(sentWhenClosed, 3 + 1, 'only the probe reached a before its verdict');
    assert.equal(emulator.requests.length, 3 + 100);
    // One record per reason a request waited, not one per wake-up.
    for (const r of results) assert.ok((r?.attempts.length ?? 0) <= 4, JSON.stringify(r?.attempts));
  });
});
