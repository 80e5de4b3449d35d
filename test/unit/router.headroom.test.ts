import assert from 'node:assert/strict';
import { setTimeout as wait } from 'node:timers/promises';
import { summarizeHealth } from '../../src/engine/health/providerHealth';
import type { ChatRequest } from '../../src/engine/types';
import type { Emulator } from '../emulator/server';
import { startHarness, type Harness, type HarnessProvider } from '../support/engineHarness';

// The emulator enforces each limit itself and announces it the way the vendor documents (test/emulator/rateLimiter.ts):
// a request it receives over the limit is answered 429 and marked `overRateLimit`.

const ask: ChatRequest = { messages: [{ role: 'user', content: 'Say hello' }] };

function start(providers: HarnessProvider[], settings: Record<string, unknown> = {}): Promise<Harness> {
  return startHarness(providers, { cache: { enabled: false }, retry: { maxAttempts: 1 }, ...settings });
}

function chatRequests(e: Emulator) {
  return e.requests.filter((r) => r.format !== undefined);
}

function overLimit(e: Emulator): number {
  return e.requests.filter((r) => r.overRateLimit).length;
}

describe('router: rate-limit headroom from the providers’ own headers', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('sends nothing to a provider that announced 0 remaining requests until its reset while another can answer, then uses it again', async () => {
    h = await start([{ id: 'a' }, { id: 'b' }]);
    h.emulators.a.setRateLimit({ style: 'openai', requests: { limit: 2, windowMs: 700 } });
    const first = await h.engine.chat(ask);
    const second = await h.engine.chat(ask);
    assert.deepEqual([first.provider, second.provider], ['a', 'a']);
    const status = h.engine.providers().find((p) => p.id === 'a')?.rateLimit;
    assert.equal(status?.requestsRemaining, 0);
    assert.equal(status?.limitedBy, 'requests');
    assert.ok(status?.resetAt !== undefined && status.resetAt > Date.now(), 'the reset the header announced is shown');
    const held = h.engine.providers().find((p) => p.id === 'a')?.health;
    assert.equal(held?.state, 'unavailable', 'a provider held back by its used-up headroom is not shown as healthy');
    assert.match(held?.reason ?? '', /^Held back until \d\d:\d\d:\d\d: the provider's announced requests are used up$/);

    const third = await h.engine.chat(ask);
    assert.equal(third.provider, 'b');
    assert.deepEqual(third.attempts.map((a) => [a.provider, a.outcome, a.errorClass]), [
      ['a', 'skipped', 'rate_limit_headroom'],
      ['b', 'ok', undefined],
    ]);
    assert.match(third.attempts[0].message ?? '', /0 requests left, 1 needed until \d{4}-/);
    assert.equal(chatRequests(h.emulators.a).length, 2, 'a was not sent the third request');

    await wait(Math.max(0, (status?.resetAt ?? 0) - Date.now()) + 20);
    const afterReset = await h.engine.chat(ask);
    assert.equal(afterReset.provider, 'a', 'after its reset the provider is first again');
    assert.equal(h.engine.providers().find((p) => p.id === 'a')?.health.state, 'healthy');
    assert.equal(overLimit(h.emulators.a), 0, 'no request hit a 429 the headers had announced');
  });

  it('reads Anthropic’s anthropic-ratelimit-* headers with RFC 3339 resets the same way', async () => {
    h = await start([{ id: 'a', kind: 'anthropic' }, { id: 'b' }]);
    h.emulators.a.setRateLimit({ style: 'anthropic', requests: { limit: 1, windowMs: 2_000 } });
    assert.equal((await h.engine.chat(ask)).provider, 'a');
    const next = await h.engine.chat(ask);
    assert.equal(next.provider, 'b');
    assert.equal(next.attempts[0].errorClass, 'rate_limit_headroom');
    assert.equal(overLimit(h.emulators.a), 0);
  });

  it('steers a request whose estimated tokens exceed the remaining tokens elsewhere, while a small one still fits', async () => {
    h = await start([{ id: 'a' }, { id: 'b' }]);
    h.emulators.a.setRateLimit({ style: 'openai', tokens: { limit: 400, windowMs: 5_000 } });
    assert.equal((await h.engine.chat({ ...ask, maxTokens: 100 })).provider, 'a');
    const left = h.engine.providers().find((p) => p.id === 'a')?.rateLimit?.tokensRemaining ?? 0;
    assert.ok(left > 250 && left < 300, `about 400 − 102 tokens left (${left})`);
    const big = await h.engine.chat({ ...ask, maxTokens: 350 });
    assert.equal(big.provider, 'b');
    assert.match(big.attempts[0].message ?? '', /tokens left, 35\d needed/);
    assert.equal((await h.engine.chat({ ...ask, maxTokens: 50 })).provider, 'a');
    assert.equal(overLimit(h.emulators.a), 0);
  });

  it('counts requests still in flight against the headroom, so a concurrent burst takes only what is left', async () => {
    h = await start([{ id: 'a' }, { id: 'b' }]);
    h.emulators.a.setRateLimit({ style: 'openai', requests: { limit: 4, windowMs: 3_000 } });
    await h.engine.chat(ask);
    const burst = await Promise.all(Array.from({ length: 10 }, () => h?.engine.chat(ask)));
    const byProvider = burst.map((r) => r?.provider);
    assert.equal(byProvider.filter((p) => p === 'a').length, 3, 'the 3 requests a announced');
    assert.equal(byProvider.filter((p) => p === 'b').length, 7);
    assert.equal(overLimit(h.emulators.a), 0);
  });

  it('waits for the reset within the request budget when the provider is the only one, instead of failing or being sent a 429', async () => {
    h = await start([{ id: 'a' }]);
    h.emulators.a.setRateLimit({ style: 'openai', requests: { limit: 2, windowMs: 400 } });
    await h.engine.chat(ask);
    await h.engine.chat(ask);
    const started = Date.now();
    const waited = await h.engine.chat(ask);
    assert.equal(waited.provider, 'a');
    assert.ok(Date.now() - started >= 250, 'it waited for the reset');
    assert.deepEqual(waited.attempts.map((a) => [a.outcome, a.errorClass]), [
      ['skipped', 'rate_limit_headroom'],
      ['ok', undefined],
    ]);
    assert.equal(overLimit(h.emulators.a), 0);
  });

  it('fails at once, naming the headroom, when the reset is past the request budget', async () => {
    h = await start([{ id: 'a' }], { routing: { requestBudgetMs: 300 } });
    h.emulators.a.setRateLimit({ style: 'openai', requests: { limit: 1, windowMs: 60_000 } });
    await h.engine.chat(ask);
    const started = Date.now();
    await assert.rejects(h.engine.chat(ask), (err: Error & { attempts?: Array<{ errorClass?: string }> }) => {
      assert.equal(err.attempts?.[0]?.errorClass, 'rate_limit_headroom');
      return true;
    });
    assert.ok(Date.now() - started < 200, 'no pointless wait');
    assert.equal(chatRequests(h.emulators.a).length, 1);
  });
});

describe('router: client-side limits.rpm / limits.tpm', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('holds limits.rpm in every rolling window under a concurrent burst of 3 × rpm, and answers every request', async () => {
    const windowMs = 1_000;
    h = await startHarness([{ id: 'a', extra: { limits: { rpm: 5 } } }], { cache: { enabled: false }, retry: { maxAttempts: 1 }, routing: { requestBudgetMs: 10_000 } }, { clientLimitWindowMs: windowMs });
    const results = await Promise.all(Array.from({ length: 15 }, () => h?.engine.chat(ask)));
    assert.equal(results.filter((r) => r?.provider === 'a').length, 15, 'every request answered');
    const arrivals = chatRequests(h.emulators.a).map((r) => r.receivedAt).sort((x, y) => x - y);
    assert.equal(arrivals.length, 15);
    // Measured where the provider would count them, on arrival: a slot counts from its answer, so even a first request
    // slowed by connecting cannot share a window with the sixth. 1 ms for the two clocks' rounding.
    for (let i = 0; i + 5 < arrivals.length; i++) {
      assert.ok(arrivals[i + 5] - arrivals[i] >= windowMs - 1, `requests ${i} and ${i + 5} arrived ${arrivals[i + 5] - arrivals[i]} ms apart: over 5 in one window`);
    }
    assert.ok(arrivals[14] - arrivals[0] >= 2 * windowMs - 1, 'the third five waited for the third window');
  });

  it('tries the other providers first once limits.rpm is reached', async () => {
    h = await startHarness([{ id: 'a', extra: { limits: { rpm: 2 } } }, { id: 'b' }], { cache: { enabled: false } }, { clientLimitWindowMs: 5_000 });
    const providers: string[] = [];
    for (let i = 0; i < 5; i++) providers.push((await h.engine.chat(ask)).provider);
    assert.deepEqual(providers, ['a', 'a', 'b', 'b', 'b']);
    const last = await h.engine.chat(ask);
    assert.equal(last.attempts[0].errorClass, 'client_rate_limit');
    assert.match(last.attempts[0].message ?? '', /limits\.rpm \(2\) reached/);
    const status = h.engine.providers().find((p) => p.id === 'a')?.rateLimit;
    assert.deepEqual({ left: status?.requestsRemaining, by: status?.limitedBy }, { left: 0, by: 'rpm' });
    assert.deepEqual(summarizeHealth(h.engine.providers().map((p) => p.health.state)).headline, '1 of 2 providers healthy', 'a provider at limits.rpm is not counted as usable');
  });

  it('holds limits.tpm with the estimate while requests are in flight, then counts what the answer used', async () => {
    h = await startHarness([{ id: 'a', extra: { limits: { tpm: 100 } } }, { id: 'b' }], { cache: { enabled: false } }, { clientLimitWindowMs: 5_000 });
    h.emulators.a.enqueue({ type: 'delay', ms: 150 }, { type: 'delay', ms: 150 });
    // Each asks for up to 40 output tokens plus a 3-token prompt: two fit in 100, the third does not while they run.
    const burst = await Promise.all([0, 1, 2].map(() => h?.engine.chat({ ...ask, maxTokens: 40 })));
    assert.deepEqual(burst.map((r) => r?.provider).sort(), ['a', 'a', 'b']);
    // The answers used a few tokens each (the emulator's usage), so the minute has room again.
    assert.equal((await h.engine.chat({ ...ask, maxTokens: 40 })).provider, 'a');
  });
});
