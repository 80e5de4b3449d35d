import assert from 'node:assert/strict';
import { setTimeout as wait } from 'node:timers/promises';
import { CancelledError } from '../../src/engine/errors';
import type { EngineOptions, RouterEngine } from '../../src/engine/engine';
import type { ChatRequest } from '../../src/engine/types';
import { startHarness, type Harness, type HarnessProvider } from '../support/engineHarness';

const ask: ChatRequest = { messages: [{ role: 'user', content: 'Say hello' }] };

/** The response cache would answer repeated prompts itself; these tests are about reaching providers. */
function start(providers: HarnessProvider[], settings: Record<string, unknown> = {}, opts: Partial<EngineOptions> = {}): Promise<Harness> {
  return startHarness(providers, { cache: { enabled: false }, ...settings }, opts);
}

function breakerOf(engine: RouterEngine, id: string) {
  const status = engine.providers().find((p) => p.id === id);
  assert.ok(status, `provider ${id} is listed`);
  return status.breaker;
}

async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => assert.fail('expected the call to fail'),
    (err: unknown) => err,
  );
}

/** A clock the test moves by hand, so breaker waits pass without sleeping. */
function manualClock() {
  const clock = { t: Date.now(), now: () => clock.t, advance: (ms: number) => void (clock.t += ms) };
  return clock;
}

async function until(cond: () => boolean, what: string, timeoutMs = 2_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await wait(10);
  }
}

describe('router: circuit breakers', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('opens the breaker after 3 consecutive 503s and then sends nothing to that provider while the next one answers', async () => {
    h = await start([{ id: 'a' }, { id: 'b' }], { retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 3 } });
    h.emulators.a.enqueue(...Array.from({ length: 3 }, () => ({ type: 'status' as const, status: 503 })));
    for (let i = 0; i < 3; i++) assert.equal((await h.engine.chat(ask)).provider, 'b');
    assert.equal(breakerOf(h.engine, 'a').state, 'open');

    const res = await h.engine.chat(ask);
    assert.equal(res.provider, 'b');
    assert.equal(res.text, 'Hello from b.');
    assert.equal(h.emulators.a.requests.length, 3, 'no 4th request reached a');
    assert.deepEqual(
      res.attempts.map((a) => [a.provider, a.outcome, a.errorClass]),
      [
        ['a', 'skipped', 'breaker_open'],
        ['b', 'ok', undefined],
      ],
    );
    assert.match(res.attempts[0].message ?? '', /circuit breaker open/);
  });

  it('opens the breaker on the failure rate over the window even though failures are never consecutive', async () => {
    h = await start([{ id: 'a' }, { id: 'b' }], {
      retry: { maxAttempts: 1 },
      breaker: { consecutiveFailures: 100, failureRateThreshold: 0.5, minimumRequests: 4 },
    });
    // ok, fail, ok, fail: 2 of 4 failed, never two in a row.
    h.emulators.a.enqueue({ type: 'ok' }, { type: 'status', status: 500 }, { type: 'ok' }, { type: 'status', status: 500 });
    const served = [];
    for (let i = 0; i < 4; i++) served.push((await h.engine.chat(ask)).provider);
    assert.deepEqual(served, ['a', 'b', 'a', 'b']);
    const snap = breakerOf(h.engine, 'a');
    assert.equal(snap.state, 'open');
    assert.equal(snap.consecutiveFailures, 1);
    assert.equal(snap.failureRate, 0.5);

    const res = await h.engine.chat(ask);
    assert.equal(res.provider, 'b');
    assert.equal(h.emulators.a.requests.length, 4);
    assert.deepEqual([res.attempts[0].outcome, res.attempts[0].errorClass], ['skipped', 'breaker_open']);
  });

  it('lets exactly one probe through after halfOpenAfterMs and closes the breaker when it succeeds', async () => {
    const clock = manualClock();
    h = await start([{ id: 'a' }, { id: 'b' }], { retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 200 } }, { now: clock.now });
    h.emulators.a.enqueue({ type: 'status', status: 503 }, { type: 'status', status: 503 });
    await h.engine.chat(ask);
    await h.engine.chat(ask);
    assert.equal(breakerOf(h.engine, 'a').state, 'open');

    clock.advance(199);
    assert.equal((await h.engine.chat(ask)).provider, 'b', 'still open 1 ms before halfOpenAfterMs');
    assert.equal(h.emulators.a.requests.length, 2);

    clock.advance(1);
    // The probe is slow, so the other requests arrive while it is in flight.
    h.emulators.a.enqueue({ type: 'delay', ms: 150 });
    const results = await Promise.all([h.engine.chat(ask), h.engine.chat(ask), h.engine.chat(ask)]);
    assert.equal(h.emulators.a.requests.length, 3, 'exactly one probe reached a');
    assert.deepEqual(results.map((r) => r.provider).sort(), ['a', 'b', 'b']);
    for (const r of results.filter((x) => x.provider === 'b')) {
      assert.deepEqual([r.attempts[0].provider, r.attempts[0].outcome, r.attempts[0].errorClass], ['a', 'skipped', 'breaker_open']);
      assert.match(r.attempts[0].message ?? '', /half-open/);
    }
    const snap = breakerOf(h.engine, 'a');
    assert.equal(snap.state, 'closed');
    assert.equal(snap.consecutiveFailures, 0);

    assert.equal((await h.engine.chat(ask)).provider, 'a', 'closed again: a serves normally');
  });

  it('re-opens the breaker with a doubled wait when the half-open probe fails', async () => {
    const clock = manualClock();
    h = await start([{ id: 'a' }, { id: 'b' }], { retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 200, maxHalfOpenAfterMs: 1_000 } }, { now: clock.now });
    h.emulators.a.enqueue({ type: 'status', status: 503 }, { type: 'status', status: 503 }, { type: 'status', status: 503 });
    await h.engine.chat(ask);
    await h.engine.chat(ask);
    const first = breakerOf(h.engine, 'a');
    assert.equal((first.openUntil ?? 0) - first.since, 200);

    clock.advance(200);
    const probe = await h.engine.chat(ask);
    assert.deepEqual(probe.attempts.map((a) => [a.provider, a.outcome]), [
      ['a', 'error'],
      ['b', 'ok'],
    ]);
    assert.equal(h.emulators.a.requests.length, 3);
    const reopened = breakerOf(h.engine, 'a');
    assert.equal(reopened.state, 'open');
    assert.equal((reopened.openUntil ?? 0) - reopened.since, 400);

    clock.advance(200);
    assert.equal((await h.engine.chat(ask)).provider, 'b', 'the first wait is no longer enough');
    assert.equal(h.emulators.a.requests.length, 3);
    clock.advance(200);
    assert.equal((await h.engine.chat(ask)).provider, 'a', 'after the doubled wait the next probe succeeds');
    assert.equal(breakerOf(h.engine, 'a').state, 'closed');
  });

  it('does not count a caller cancellation while the provider hangs, and rejects with CancelledError without falling back', async () => {
    h = await start([{ id: 'a' }, { id: 'b' }], { breaker: { consecutiveFailures: 1 } });
    h.emulators.a.enqueue({ type: 'hang' });
    const ac = new AbortController();
    const call = h.engine.chat(ask, { signal: ac.signal });
    await until(() => h!.emulators.a.requests.length === 1, 'the request to reach a');
    ac.abort();
    const err = await rejectionOf(call);
    assert.ok(err instanceof CancelledError, `got ${String(err)}`);
    assert.equal(h.emulators.b.requests.length, 0, 'no fallback after the caller cancelled');
    const snap = breakerOf(h.engine, 'a');
    assert.equal(snap.state, 'closed');
    assert.equal(snap.consecutiveFailures, 0);
    assert.equal(snap.requestsInWindow, 0);
    await until(() => h!.emulators.a.openConnections() === 0, 'the hung connection to close');
  });

  it('does not count a caller cancellation in the middle of a slow stream', async () => {
    h = await start([{ id: 'a' }, { id: 'b' }], { breaker: { consecutiveFailures: 1 } });
    h.emulators.a.enqueue({ type: 'slow', chunkDelayMs: 100 });
    const ac = new AbortController();
    const deltas: string[] = [];
    const call = h.engine.chat({ ...ask, stream: true }, {
      signal: ac.signal,
      onText: (d) => {
        deltas.push(d);
        ac.abort();
      },
    });
    const err = await rejectionOf(call);
    assert.ok(err instanceof CancelledError, `got ${String(err)}`);
    assert.equal(deltas.length, 1);
    assert.equal(h.emulators.b.requests.length, 0);
    const snap = breakerOf(h.engine, 'a');
    assert.equal(snap.state, 'closed');
    assert.equal(snap.consecutiveFailures, 0);
  });

  it('rejects at once with CancelledError when the signal is already aborted, sending nothing', async () => {
    h = await start([{ id: 'a' }]);
    const err = await rejectionOf(h.engine.chat(ask, { signal: AbortSignal.abort() }));
    assert.ok(err instanceof CancelledError);
    assert.equal(h.emulators.a.requests.length, 0);
  });

  it('does not count a 400 context_length error against the provider', async () => {
    h = await start([{ id: 'a' }, { id: 'b' }], { breaker: { consecutiveFailures: 2 } });
    for (let i = 0; i < 4; i++) h.emulators.a.enqueue({ type: 'status', status: 400, message: "This model's maximum context length is 8192 tokens." });
    for (let i = 0; i < 4; i++) {
      const res = await h.engine.chat(ask);
      assert.equal(res.provider, 'b');
      assert.equal(res.attempts[0].errorClass, 'context_length');
    }
    assert.equal(h.emulators.a.requests.length, 4, 'a was asked every time');
    const snap = breakerOf(h.engine, 'a');
    assert.equal(snap.state, 'closed');
    assert.equal(snap.consecutiveFailures, 0);
  });

  it('isolates a provider on request (no probe ever) and restores it', async () => {
    const clock = manualClock();
    h = await start([{ id: 'a' }, { id: 'b' }], {}, { now: clock.now });
    h.engine.isolate('a');
    assert.equal(breakerOf(h.engine, 'a').state, 'isolated');
    clock.advance(60_000);
    const res = await h.engine.chat(ask);
    assert.equal(res.provider, 'b');
    assert.deepEqual([res.attempts[0].outcome, res.attempts[0].errorClass], ['skipped', 'breaker_open']);
    assert.match(res.attempts[0].message ?? '', /isolated/);
    assert.equal(h.emulators.a.requests.length, 0);

    h.engine.restore('a');
    assert.equal(breakerOf(h.engine, 'a').state, 'closed');
    assert.equal((await h.engine.chat(ask)).provider, 'a');
  });

  it('closes an open breaker and forgets a Retry-After wait on resetBreaker()', async () => {
    h = await start([{ id: 'a' }, { id: 'b' }, { id: 'c' }], { retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 1 } });
    h.emulators.a.enqueue({ type: 'status', status: 503 });
    h.emulators.b.enqueue({ type: 'status', status: 429, retryAfterSeconds: 60 });
    assert.equal((await h.engine.chat(ask)).provider, 'c');
    assert.equal(breakerOf(h.engine, 'a').state, 'open');
    assert.ok((h.engine.providers().find((p) => p.id === 'b')?.coolingDownUntil ?? 0) > Date.now() + 50_000);

    h.engine.resetBreaker('a');
    assert.equal(breakerOf(h.engine, 'a').state, 'closed');
    assert.equal(breakerOf(h.engine, 'a').consecutiveFailures, 0);
    assert.equal((await h.engine.chat(ask)).provider, 'a');

    h.engine.resetBreaker();
    assert.equal(h.engine.providers().find((p) => p.id === 'b')?.coolingDownUntil, undefined);
  });

  it('keeps an open breaker across a restart: the new engine skips the provider without sending to it', async () => {
    h = await start([{ id: 'a' }, { id: 'b' }], { retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000, maxHalfOpenAfterMs: 60_000 } });
    h.emulators.a.enqueue({ type: 'status', status: 503 }, { type: 'status', status: 503 });
    await h.engine.chat(ask);
    await h.engine.chat(ask);
    assert.equal(breakerOf(h.engine, 'a').state, 'open');
    await h.engine.close();

    const engine2 = h.newEngine();
    const res = await engine2.chat(ask);
    assert.equal(res.provider, 'b');
    assert.equal(h.emulators.a.requests.length, 2, 'the restarted engine sent nothing to a');
    assert.deepEqual([res.attempts[0].provider, res.attempts[0].outcome, res.attempts[0].errorClass], ['a', 'skipped', 'breaker_open']);
    const snap = breakerOf(engine2, 'a');
    assert.equal(snap.state, 'open');
    assert.equal(snap.lastError?.errorClass, 'server_error');
  });

  it('shares a breaker opened by a request that failed everywhere with a second engine on the same state dir', async () => {
    h = await start([{ id: 'a' }], { retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000, maxHalfOpenAfterMs: 60_000 } });
    h.emulators.a.enqueue({ type: 'status', status: 503 }, { type: 'status', status: 503 });
    await h.engine.chat(ask).catch(() => undefined);
    await h.engine.chat(ask).catch(() => undefined);
    assert.equal(breakerOf(h.engine, 'a').state, 'open');
    // Longer than the store's write debounce (250 ms).
    await wait(400);
    const engine2 = h.newEngine();
    await engine2.chat(ask).catch(() => undefined);
    assert.equal(h.emulators.a.requests.length, 2, 'the second engine knew the breaker was open');
  });

  it('keeps an isolation across a restart', async () => {
    h = await start([{ id: 'a' }, { id: 'b' }]);
    h.engine.isolate('a');
    await h.engine.close();
    const engine2 = h.newEngine();
    assert.equal((await engine2.chat(ask)).provider, 'b');
    assert.equal(h.emulators.a.requests.length, 0);
    assert.equal(breakerOf(engine2, 'a').state, 'isolated');
  });

  it('describes every provider in providers(): identity, breaker counters, last error and cooldown', async () => {
    h = await start([{ id: 'a' }, { id: 'b', kind: 'anthropic' }], { retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 5 } });
    const before = h.engine.providers();
    assert.deepEqual(
      before.map((p) => [p.id, p.kind, p.model, p.baseUrl, p.breaker.state, p.breaker.consecutiveFailures, p.coolingDownUntil]),
      [
        ['a', 'openai', 'a-model', h.emulators.a.baseUrl('openai'), 'closed', 0, undefined],
        ['b', 'anthropic', 'b-model', h.emulators.b.baseUrl('anthropic'), 'closed', 0, undefined],
      ],
    );

    h.emulators.a.enqueue({ type: 'status', status: 502 }, { type: 'status', status: 429, retryAfterMs: 30_000 });
    await h.engine.chat(ask);
    await h.engine.chat(ask);
    const a = h.engine.providers()[0];
    assert.equal(a.breaker.state, 'closed');
    assert.equal(a.breaker.consecutiveFailures, 2);
    assert.equal(a.breaker.requestsInWindow, 2);
    assert.equal(a.breaker.failureRate, 1);
    assert.equal(a.breaker.lastError?.errorClass, 'rate_limited');
    assert.ok((a.coolingDownUntil ?? 0) > Date.now() + 20_000);
  });
});
