import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { ChatRequest } from '../../src/engine/types';
import type { Emulator } from '../emulator/server';
import { startHarness, type Harness } from '../support/engineHarness';

// A 503 with Retry-After stands for a wait with no rate-limit headers beside it (the emulator's 429 announces 0 left for 1 s).
// Each test closes one engine and builds the next on the same state dir: what a new CLI run or a reloaded window sees.

const ask: ChatRequest = { messages: [{ role: 'user', content: 'Say hello' }] };
const KEYS = ['sk-first-key-000000000001', 'sk-second-key-00000000002'];
const keyOf = (auth: unknown) => KEYS.indexOf(String(auth).replace(/^Bearer /, ''));

function chatRequests(e: Emulator) {
  return e.requests.filter((r) => r.format !== undefined);
}

async function stored(h: Harness): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path.join(h.stateDir, 'rate-limits.json'), 'utf8')) as Record<string, unknown>;
}

describe('rate limits survive a restart (rate-limits.json in the state dir)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('a provider that announced 0 remaining requests is skipped by the next process until its reset', async () => {
    h = await startHarness([{ id: 'a' }, { id: 'b' }], { cache: { enabled: false }, retry: { maxAttempts: 1 } });
    h.emulators.a.setRateLimit({ style: 'openai', requests: { limit: 1, windowMs: 30_000 } });
    assert.equal((await h.engine.chat(ask)).provider, 'a');
    await h.engine.close();

    const next = h.newEngine();
    const res = await next.chat(ask);
    assert.deepEqual(res.attempts.map((a) => [a.provider, a.outcome, a.errorClass]), [
      ['a', 'skipped', 'rate_limit_headroom'],
      ['b', 'ok', undefined],
    ]);
    assert.equal(chatRequests(h.emulators.a).length, 1, 'the second process sent nothing to a');
    assert.equal(next.providers().find((p) => p.id === 'a')?.health.state, 'unavailable');
    const rl = next.providers().find((p) => p.id === 'a')?.rateLimit;
    assert.equal(rl?.requestsRemaining, 0);
    assert.ok((rl?.resetAt ?? 0) > Date.now() + 20_000, 'the reset the provider announced, kept');
    assert.ok(h.emulators.a.requests.every((r) => !r.overRateLimit), 'no 429 the headers had announced');
  });

  it('a Retry-After heard by one process holds the next one back until it has passed', async () => {
    h = await startHarness([{ id: 'a' }, { id: 'b' }], { cache: { enabled: false }, retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 5 } });
    h.emulators.a.enqueue({ type: 'status', status: 503, retryAfterSeconds: 40 });
    assert.equal((await h.engine.chat(ask)).provider, 'b');
    await h.engine.close();

    const next = h.newEngine();
    const res = await next.chat(ask);
    assert.equal(res.provider, 'b');
    assert.equal(res.attempts[0].provider, 'a');
    assert.equal(res.attempts[0].outcome, 'skipped');
    assert.equal(chatRequests(h.emulators.a).length, 1, 'a was not asked again before its Retry-After');
    const until = (await stored(h)).retryAfter as Record<string, number>;
    assert.ok(until.a > Date.now() + 30_000 && until.a <= Date.now() + 40_000);
  });

  it('resetting the breaker forgets the kept Retry-After too, so the next process uses the provider again', async () => {
    h = await startHarness([{ id: 'a' }, { id: 'b' }], { cache: { enabled: false }, retry: { maxAttempts: 1 } });
    h.emulators.a.enqueue({ type: 'status', status: 503, retryAfterSeconds: 40 });
    await h.engine.chat(ask);
    await h.engine.close();
    const second = h.newEngine();
    await second.ready();
    second.resetBreaker('a');
    await second.close();
    const third = await h.newEngine().chat(ask);
    assert.equal(third.provider, 'a', JSON.stringify(third.attempts));
  });

  it('limits.rpm counts the requests earlier processes sent in the same minute, each once', async () => {
    h = await startHarness([{ id: 'a', extra: { limits: { rpm: 3 } } }, { id: 'b' }], { cache: { enabled: false } });
    const providers: string[] = [];
    let engine = h.engine;
    for (let run = 0; run < 5; run++) {
      providers.push((await engine.chat(ask)).provider);
      await engine.close();
      engine = h.newEngine();
    }
    assert.deepEqual(providers, ['a', 'a', 'a', 'b', 'b']);
    assert.equal(chatRequests(h.emulators.a).length, 3);
    const sent = (await stored(h)).sent as Record<string, Array<{ id: string }>>;
    assert.equal(sent.a.length, 3, 'three requests kept, none twice');
    assert.equal(new Set(sent.a.map((s) => s.id)).size, 3);
  });

  it('a key cooling down after a 429 stays cooled in the next process, which starts on the next key', async () => {
    const keys = { a: KEYS };
    h = await startHarness([{ id: 'a' }], { cache: { enabled: false }, retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 50 } }, { resolveKey: (p) => keys[p.id as 'a'] });
    h.emulators.a.enqueue({ type: 'status', status: 429, retryAfterSeconds: 30 });
    await h.engine.chat(ask);
    await h.engine.close();

    const next = h.newEngine();
    assert.equal((await next.chat(ask)).attempts.length, 1);
    assert.deepEqual(h.emulators.a.requests.map((r) => keyOf(r.headers.authorization)), [0, 1, 1]);
    const shown = await readFile(path.join(h.stateDir, 'rate-limits.json'), 'utf8');
    for (const key of KEYS) assert.ok(!shown.includes(key), 'the file holds key slots, never a key');
    assert.deepEqual(next.providers().find((p) => p.id === 'a')?.keys?.map((k) => [k.active, k.reason]), [
      [false, 'rate_limited'],
      [true, undefined],
    ]);
  });

  it('sets an unreadable rate-limits.json aside with one warning and starts without it', async () => {
    const warnings: string[] = [];
    h = await startHarness([{ id: 'a' }], { cache: { enabled: false } }, { warn: (m) => warnings.push(m) });
    await h.engine.close();
    await writeFile(path.join(h.stateDir, 'rate-limits.json'), '{"version": 1, "retryAfter": {"a": "soon"}}');
    const res = await h.newEngine().chat(ask);
    assert.equal(res.provider, 'a');
    assert.equal(warnings.filter((w) => /rate-limit state/.test(w)).length, 1, warnings.join('\n'));
  });
});
