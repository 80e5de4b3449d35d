import assert from 'node:assert/strict';
import { setTimeout as wait } from 'node:timers/promises';
import { parseConfig } from '../../src/engine/config/loadConfig';
import { RouterEngine, type EngineOptions } from '../../src/engine/engine';
import { AllProvidersFailedError, CancelledError } from '../../src/engine/errors';
import type { ChatRequest } from '../../src/engine/types';
import { closedPortUrl, startEmulator } from '../emulator/server';
import { FAST_SETTINGS, startHarness, type Harness, type HarnessProvider } from '../support/engineHarness';

const ask: ChatRequest = { messages: [{ role: 'user', content: 'Say hello' }] };

/** The response cache would answer repeated prompts itself; these tests are about reaching providers. */
function start(providers: HarnessProvider[], settings: Record<string, unknown> = {}, opts: Partial<EngineOptions> = {}): Promise<Harness> {
  return startHarness(providers, { cache: { enabled: false }, ...settings }, opts);
}

async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => assert.fail('expected the call to fail'),
    (err: unknown) => err,
  );
}

/** One provider whose emulator notes when each request arrived, for lower bounds on waits. */
async function startTimedProvider(settings: Record<string, unknown>, opts: Partial<EngineOptions> = {}) {
  const arrivals: number[] = [];
  const emulator = await startEmulator({
    name: 'a',
    replyFn: () => {
      arrivals.push(Date.now());
      return 'Hello from a.';
    },
  });
  const raw = {
    ...FAST_SETTINGS,
    cache: { enabled: false },
    ...settings,
    providers: [{ id: 'a', kind: 'openai', model: 'a-model', baseUrl: emulator.baseUrl('openai') }],
  };
  const engine = new RouterEngine({ config: parseConfig(raw).config, resolveKey: () => 'sk-test-key', ...opts });
  return {
    emulator,
    engine,
    arrivals,
    gaps: () => arrivals.slice(1).map((t, i) => t - arrivals[i]),
    async close() {
      await engine.close();
      await emulator.close();
    },
  };
}

describe('router: retries, Retry-After and timeouts', () => {
  let h: Harness | undefined;
  let timed: { close(): Promise<void> } | undefined;
  afterEach(async () => {
    await h?.close();
    await timed?.close();
    h = undefined;
    timed = undefined;
  });

  it('retries a transient 503 on the same provider and returns one answer after two tries', async () => {
    h = await start([{ id: 'a' }, { id: 'b' }]);
    h.emulators.a.enqueue({ type: 'status', status: 503 });
    const res = await h.engine.chat(ask);
    assert.equal(res.provider, 'a');
    assert.equal(res.text, 'Hello from a.');
    assert.deepEqual(
      res.attempts.map((a) => [a.provider, a.outcome, a.status, a.try]),
      [
        ['a', 'error', 503, 1],
        ['a', 'ok', 200, 2],
      ],
    );
    assert.equal(h.emulators.a.requests.length, 2);
    assert.equal(h.emulators.b.requests.length, 0);
  });

  it('waits at least the Retry-After of a 429 before retrying the only provider', async () => {
    const t = await startTimedProvider({ retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 } });
    timed = t;
    t.emulator.enqueue({ type: 'status', status: 429, retryAfterMs: 150 });
    const res = await t.engine.chat(ask);
    assert.equal(res.text, 'Hello from a.');
    assert.deepEqual(res.attempts.map((a) => [a.outcome, a.errorClass]), [
      ['error', 'rate_limited'],
      ['ok', undefined],
    ]);
    assert.equal(t.arrivals.length, 2);
    // Date.now() has ms resolution on both sides, hence the 1 ms of slack.
    assert.ok(t.gaps()[0] >= 149, `retry came ${t.gaps()[0]} ms after the 429`);
  });

  it('falls back at once on a long Retry-After instead of sleeping, and skips the cooling-down provider on the next request', async () => {
    // 2 s fits the 5 s request budget, so only the preference for another provider stops a retry.
    h = await start([{ id: 'a' }, { id: 'b' }]);
    h.emulators.a.enqueue({ type: 'status', status: 429, retryAfterSeconds: 2 });
    const started = Date.now();
    const first = await h.engine.chat(ask);
    assert.ok(Date.now() - started < 1_500, 'did not sleep through the Retry-After');
    assert.equal(first.provider, 'b');
    assert.deepEqual(first.attempts.map((a) => [a.provider, a.outcome, a.errorClass, a.status]), [
      ['a', 'error', 'rate_limited', 429],
      ['b', 'ok', undefined, 200],
    ]);

    const second = await h.engine.chat(ask);
    assert.equal(second.provider, 'b');
    assert.deepEqual(second.attempts.map((a) => [a.provider, a.outcome, a.errorClass]), [
      ['a', 'skipped', 'rate_limited'],
      ['b', 'ok', undefined],
    ]);
    assert.match(second.attempts[0].message ?? '', /wait/);
    assert.equal(h.emulators.a.requests.length, 1, 'a was not asked again while cooling down');
  });

  it('retries the same provider after a short Retry-After (within retry.maxDelayMs) even though another provider is available', async () => {
    // A clock that lags a little more on every reading, as if the retry timer fired a moment early.
    let readings = 0;
    h = await start([{ id: 'a' }, { id: 'b' }], {}, { now: () => Date.now() - 2 * readings++ });
    h.emulators.a.enqueue({ type: 'status', status: 429, retryAfterMs: 20 });
    const res = await h.engine.chat(ask);
    assert.deepEqual(res.attempts.map((a) => [a.provider, a.outcome, a.errorClass]), [
      ['a', 'error', 'rate_limited'],
      ['a', 'ok', undefined],
    ]);
    assert.equal(h.emulators.b.requests.length, 0);
  });

  it('fails at once when the only provider asks to wait longer than the request budget', async () => {
    h = await start([{ id: 'a' }], { routing: { requestBudgetMs: 1_000 } });
    h.emulators.a.enqueue({ type: 'status', status: 429, retryAfterSeconds: 30 });
    const started = Date.now();
    const err = await rejectionOf(h.engine.chat(ask));
    assert.ok(Date.now() - started < 900, 'did not wait for a retry that could not fit the budget');
    assert.ok(err instanceof AllProvidersFailedError);
    assert.deepEqual(err.attempts.map((a) => a.errorClass), ['rate_limited']);
    assert.equal(h.emulators.a.requests.length, 1);
  });

  it('stops within the request budget when a provider hangs, with a timeout attempt, and starts no other provider after it', async () => {
    h = await start([{ id: 'a' }, { id: 'b' }], {
      routing: { requestBudgetMs: 300 },
      timeouts: { firstTokenMs: 5_000, totalMs: 5_000 },
      retry: { maxAttempts: 1 },
    });
    h.emulators.a.enqueue({ type: 'hang' });
    const started = Date.now();
    const err = await rejectionOf(h.engine.chat(ask));
    assert.ok(Date.now() - started < 2_500, 'did not hang past the budget');
    assert.ok(err instanceof AllProvidersFailedError, `got ${String(err)}`);
    assert.deepEqual([err.attempts[0].provider, err.attempts[0].outcome, err.attempts[0].errorClass], ['a', 'error', 'timeout']);
    for (const b of err.attempts.filter((x) => x.provider === 'b')) assert.notEqual(b.outcome, 'ok');
  });

  it('gives up on a stream whose first token is later than timeouts.firstTokenMs and falls back', async () => {
    h = await start([{ id: 'a' }, { id: 'b' }], { timeouts: { firstTokenMs: 100 }, retry: { maxAttempts: 1 } });
    h.emulators.a.enqueue({ type: 'delay', ms: 1_000 });
    const deltas: string[] = [];
    const res = await h.engine.chat({ ...ask, stream: true }, { onText: (d) => deltas.push(d) });
    assert.equal(res.provider, 'b');
    assert.equal(deltas.join(''), 'Hello from b.');
    assert.deepEqual([res.attempts[0].provider, res.attempts[0].errorClass], ['a', 'timeout']);
    assert.match(res.attempts[0].message ?? '', /first token/);
  });

  it('does not apply the first-token timeout to a request that is not streamed', async () => {
    h = await start([{ id: 'a' }, { id: 'b' }], { timeouts: { firstTokenMs: 50 } });
    h.emulators.a.enqueue({ type: 'delay', ms: 150 });
    const res = await h.engine.chat(ask);
    assert.equal(res.provider, 'a');
    assert.equal(h.emulators.b.requests.length, 0);
  });

  it('classifies a refused connection as connection and falls back at once, since nobody listens there', async () => {
    const refused = await closedPortUrl();
    h = await start([{ id: 'a', extra: { baseUrl: `${refused}/v1` } }, { id: 'b' }]);
    const res = await h.engine.chat(ask);
    assert.equal(res.provider, 'b');
    assert.deepEqual(res.attempts.map((a) => [a.provider, a.outcome, a.errorClass]), [
      ['a', 'error', 'connection'],
      ['b', 'ok', undefined],
    ]);
    assert.doesNotMatch(res.attempts[0].message ?? '', /sk-test-key/);
  });

  it('retries a refused connection when there is no other provider to ask', async () => {
    const refused = await closedPortUrl();
    h = await start([{ id: 'a', extra: { baseUrl: `${refused}/v1` } }]);
    const err = await rejectionOf(h.engine.chat(ask));
    assert.ok(err instanceof AllProvidersFailedError);
    assert.deepEqual(err.attempts.map((a) => [a.errorClass, a.try]), [
      ['connection', 1],
      ['connection', 2],
    ]);
  });

  it('caps each backoff delay at retry.maxDelayMs however many tries fail', async () => {
    // random ≈ 1 picks the top of each jitter range; uncapped, the 4th delay would be 50 * 2^3 = 400 ms.
    const t = await startTimedProvider({ retry: { maxAttempts: 5, baseDelayMs: 50, maxDelayMs: 50 }, breaker: { consecutiveFailures: 10 } }, { random: () => 0.999 });
    timed = t;
    t.emulator.enqueue(...Array.from({ length: 4 }, () => ({ type: 'status' as const, status: 503 })));
    const res = await t.engine.chat(ask);
    assert.deepEqual(res.attempts.map((a) => a.outcome), ['error', 'error', 'error', 'error', 'ok']);
    const gaps = t.gaps();
    assert.equal(gaps.length, 4);
    for (const g of gaps) {
      assert.ok(g >= 48, `backoff ${g} ms is at least the jittered delay`);
      assert.ok(g < 300, `backoff ${g} ms stays near maxDelayMs`);
    }
  });

  it('stops sleeping between retries as soon as the caller cancels', async () => {
    const t = await startTimedProvider({ retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 } });
    timed = t;
    t.emulator.enqueue({ type: 'status', status: 429, retryAfterMs: 3_000 });
    const ac = new AbortController();
    const call = t.engine.chat(ask, { signal: ac.signal });
    while (t.arrivals.length === 0) await wait(5);
    await wait(50);
    const cancelledAt = Date.now();
    ac.abort();
    const err = await rejectionOf(call);
    assert.ok(err instanceof CancelledError, `got ${String(err)}`);
    assert.ok(Date.now() - cancelledAt < 1_000, 'did not finish the 3 s wait');
    assert.equal(t.arrivals.length, 1);
  });
});
