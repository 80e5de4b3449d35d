import assert from 'node:assert/strict';
import { parseConfig } from '../../src/engine/config/loadConfig';
import type { Alert } from '../../src/engine/alerts/alertTypes';
import type { EngineOptions, RouterEngine } from '../../src/engine/engine';
import type { EngineEvent } from '../../src/engine/events';
import type { ChatRequest } from '../../src/engine/types';
import { startHarness, type Harness, type HarnessProvider } from '../support/engineHarness';

const ask: ChatRequest = { messages: [{ role: 'user', content: 'Say hello' }] };
const MINUTE = 60_000;

/** A clock the test moves by hand (the engine's injectable `now`), so windows and waits pass without sleeping. */
function manualClock() {
  const clock = { t: Date.parse('2026-12-03T10:00:00Z'), now: () => clock.t, advance: (ms: number) => void (clock.t += ms) };
  return clock;
}

/** Alert raise/clear events of one engine, as `raised breaker-open:a`. */
function alertLog(engine: RouterEngine): string[] {
  const log: string[] = [];
  engine.onEvent((e: EngineEvent) => {
    if (e.type === 'alert') log.push(`${e.change} ${e.alert.id}`);
  });
  return log;
}

const ids = (alerts: Alert[]) => alerts.map((a) => a.id);

describe('alerts (engine over real HTTP, fake clock)', () => {
  let h: Harness | undefined;
  const clock = manualClock();

  async function start(providers: HarnessProvider[], settings: Record<string, unknown>, opts: Partial<EngineOptions> = {}): Promise<Harness> {
    h = await startHarness(providers, { cache: { enabled: false }, retry: { maxAttempts: 1 }, ...settings }, { now: clock.now, ...opts });
    await h.engine.ready();
    return h;
  }

  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('raises one breaker-open alert while the breaker stays open, clears it when a probe closes the breaker', async () => {
    const { engine, emulators } = await start([{ id: 'a' }, { id: 'b' }], { breaker: { consecutiveFailures: 1, halfOpenAfterMs: MINUTE, maxHalfOpenAfterMs: MINUTE } });
    const log = alertLog(engine);
    emulators.a.enqueue({ type: 'status', status: 503 });
    await engine.chat(ask);
    for (let i = 0; i < 3; i++) await engine.chat(ask);
    const [alert] = engine.alerts();
    assert.equal(alert.kind, 'breaker-open');
    assert.equal(alert.provider, 'a');
    assert.equal(alert.since, clock.t);
    assert.match(alert.message, /Provider 'a': circuit breaker open/);
    assert.deepEqual(log, ['raised breaker-open:a'], 'one alert, however many requests pass the open breaker');

    clock.advance(MINUTE + 1);
    const answer = await engine.chat(ask);
    assert.equal(answer.provider, 'a', 'the half-open probe succeeded');
    assert.deepEqual(engine.alerts(), []);
    assert.deepEqual(log, ['raised breaker-open:a', 'cleared breaker-open:a']);
  });

  it('keeps an alert, with its original since, across a restart while its condition holds, and forgets it once it clears', async () => {
    const harness = await start([{ id: 'a' }, { id: 'b' }], { breaker: { consecutiveFailures: 1, halfOpenAfterMs: 10 * MINUTE, maxHalfOpenAfterMs: 10 * MINUTE } });
    harness.emulators.a.enqueue({ type: 'status', status: 503 });
    await harness.engine.chat(ask);
    const raisedAt = clock.t;
    assert.deepEqual(ids(harness.engine.alerts()), ['breaker-open:a']);
    await harness.engine.close();

    clock.advance(MINUTE);
    const restarted = harness.newEngine();
    const log = alertLog(restarted);
    await restarted.ready();
    const alerts = restarted.alerts();
    assert.deepEqual(ids(alerts), ['breaker-open:a']);
    assert.equal(alerts[0].since, raisedAt, 'the alert is the same one, not a new one');
    assert.deepEqual(log, [], 'a restart raises nothing again');

    restarted.resetBreaker('a');
    assert.deepEqual(restarted.alerts(), []);
    await restarted.close();
    const third = harness.newEngine();
    await third.ready();
    assert.deepEqual(third.alerts(), [], 'a cleared alert does not come back from the state folder');
  });

  it('alerts on the request error rate over the window (requests, not attempts), once, until the window has cleared', async () => {
    const { engine, emulators } = await start([{ id: 'a' }, { id: 'b' }], {
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
      breaker: { consecutiveFailures: 100, minimumRequests: 1000 },
      alerts: { errorRatePercent: 50, minRequests: 4 },
    });
    const log = alertLog(engine);
    // Every first attempt fails but its retry succeeds: half the attempts failed, no request did.
    for (let i = 0; i < 4; i++) {
      emulators.a.enqueue({ type: 'status', status: 503 });
      assert.equal((await engine.chat(ask)).provider, 'a');
    }
    assert.deepEqual(engine.alerts(), []);

    for (let i = 0; i < 4; i++) {
      emulators.a.enqueue({ type: 'status', status: 503 }, { type: 'status', status: 503 });
      assert.equal((await engine.chat(ask)).provider, 'b');
    }
    const [alert] = engine.alerts();
    assert.equal(alert.id, 'error-rate:a');
    assert.match(alert.message, /50 % of its 8 requests in the last 5 min failed \(alert at 50 %\)/);

    // Still failing: no second alert.
    emulators.a.enqueue({ type: 'status', status: 503 }, { type: 'status', status: 503 });
    await engine.chat(ask);
    engine.alerts();
    assert.deepEqual(log, ['raised error-rate:a']);

    clock.advance(7 * MINUTE);
    assert.deepEqual(engine.alerts(), []);
    assert.deepEqual(log, ['raised error-rate:a', 'cleared error-rate:a']);
  });

  it('alerts on p95 latency over the window and clears below the threshold', async () => {
    const { engine, emulators } = await start([{ id: 'a' }], { alerts: { p95LatencyMs: 40, minRequests: 2 } });
    for (let i = 0; i < 3; i++) {
      emulators.a.enqueue({ type: 'delay', ms: 80 });
      await engine.chat(ask);
    }
    const [alert] = engine.alerts();
    assert.equal(alert.id, 'latency:a');
    assert.match(alert.message, /p95 latency \d+ ms over the last 5 min \(alert at 40 ms\)/);
    clock.advance(7 * MINUTE);
    for (let i = 0; i < 3; i++) await engine.chat(ask);
    assert.deepEqual(engine.alerts(), [], 'fast answers in a fresh window');
  });

  it('alerts on a provider rate-limited for longer than a minute, and clears when it answers again', async () => {
    const { engine, emulators } = await start([{ id: 'a' }, { id: 'b' }], { breaker: { consecutiveFailures: 100 } });
    const log = alertLog(engine);
    emulators.a.enqueue({ type: 'status', status: 429, retryAfterSeconds: 30 });
    assert.equal((await engine.chat(ask)).provider, 'b');
    assert.deepEqual(engine.alerts(), [], 'a 30 s wait is not yet an alert');
    clock.advance(31_000);
    emulators.a.enqueue({ type: 'status', status: 429, retryAfterSeconds: 40 });
    await engine.chat(ask);
    const [alert] = engine.alerts();
    assert.equal(alert.id, 'rate-limited:a');
    assert.match(alert.message, /Provider 'a': rate-limited since/);
    clock.advance(41_000);
    assert.equal((await engine.chat(ask)).provider, 'a');
    assert.deepEqual(engine.alerts(), []);
    assert.deepEqual(log, ['raised rate-limited:a', 'cleared rate-limited:a']);
  });

  it('alerts at budget.warnAtPercent of a budget, then on its exhaustion instead', async () => {
    const { engine } = await start([{ id: 'a', extra: { pricing: { inputPerMillion: 1_000_000, outputPerMillion: 1_000_000 } } }], {});
    const cost = (await engine.chat(ask)).costUsd as number;
    assert.ok(cost > 0);
    const withBudget = (dailyUsd: number) => parseConfig({ ...rawConfigOf(engine), budget: { dailyUsd, warnAtPercent: 50 } }).config;

    engine.updateConfig(withBudget(cost * 1.5));
    const [warning] = engine.alerts();
    assert.equal(warning.id, 'budget-warning:daily');
    assert.equal(warning.provider, undefined);
    assert.match(warning.message, /Daily budget 67 % spent/);

    engine.updateConfig(withBudget(cost));
    assert.deepEqual(ids(engine.alerts()), ['budget-exhausted:daily']);
    assert.match(engine.alerts()[0].message, /Daily budget used up .* refused until tomorrow \(llmRouter\.budget\.dailyUsd\)/);
  });

  it('stays silent with alerts.enabled false', async () => {
    const { engine, emulators } = await start([{ id: 'a' }, { id: 'b' }], { alerts: { enabled: false }, breaker: { consecutiveFailures: 1 } });
    emulators.a.enqueue({ type: 'status', status: 503 });
    await engine.chat(ask);
    assert.equal(engine.providers()[0].breaker.state, 'open');
    assert.deepEqual(engine.alerts(), []);
  });
});

function rawConfigOf(engine: RouterEngine): Record<string, unknown> {
  return JSON.parse(JSON.stringify(engine.config)) as Record<string, unknown>;
}
