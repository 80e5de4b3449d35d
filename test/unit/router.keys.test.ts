import assert from 'node:assert/strict';
import type { ChatRequest } from '../../src/engine/types';
import { startHarness, type Harness } from '../support/engineHarness';

const ask: ChatRequest = { messages: [{ role: 'user', content: 'Say hello' }] };
const KEYS = ['sk-first-key-000000000001', 'sk-second-key-00000000002', 'sk-third-key-000000000003'];

function start(providers: Array<{ id: string }>, keys: Record<string, string[]>): Promise<Harness> {
  return startHarness(providers, { cache: { enabled: false }, retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 50 } }, { resolveKey: (p) => keys[p.id] });
}

const keyOf = (auth: unknown) => KEYS.indexOf(String(auth).replace(/^Bearer /, ''));

describe('router: several keys per provider', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('moves to the next key on a 429 for the first, with no failed request, and keeps using it while the first cools down', async () => {
    h = await start([{ id: 'a' }, { id: 'b' }], { a: KEYS.slice(0, 2), b: [KEYS[2]] });
    h.emulators.a.enqueue({ type: 'status', status: 429, retryAfterSeconds: 30 });
    const first = await h.engine.chat(ask);
    assert.equal(first.provider, 'a', 'answered by the same provider, with its other key');
    assert.deepEqual(first.attempts.map((x) => [x.provider, x.outcome, x.errorClass]), [
      ['a', 'error', 'rate_limited'],
      ['a', 'ok', undefined],
    ]);
    assert.match(first.attempts[0].message ?? '', /\(key 1 of 2\); the next key serves/);
    assert.deepEqual(first.attempts.map((x) => x.key), ['key 1 of 2', 'key 2 of 2'], 'each attempt names its key by place');
    const second = await h.engine.chat(ask);
    assert.equal(second.provider, 'a');
    assert.deepEqual(h.emulators.a.requests.map((r) => keyOf(r.headers.authorization)), [0, 1, 1], 'key 1, then key 2 from then on');
    assert.equal(h.emulators.b.requests.length, 0);

    const status = h.engine.providers().find((p) => p.id === 'a');
    assert.equal(status?.health.state, 'healthy', 'a key cooling down does not make the provider unavailable');
    assert.equal(status?.breaker.consecutiveFailures, 0, 'the breaker stays the provider’s: a key’s 429 is not held against it');
    assert.deepEqual(status?.keys?.map((k) => [k.label, k.active, k.reason]), [
      ['key 1 of 2', false, 'rate_limited'],
      ['key 2 of 2', true, undefined],
    ]);
    assert.ok((status?.keys?.[0].coolingDownUntil ?? 0) > Date.now() + 25_000, 'key 1 cools down for its Retry-After');
    const shown = JSON.stringify([first, second, h.engine.providers()]);
    for (const key of KEYS) assert.ok(!shown.includes(key), 'no key in results, attempts or status');
  });

  it('moves to the next key on a 401 for one key and on an exhausted quota for another', async () => {
    h = await start([{ id: 'a' }], { a: KEYS });
    h.emulators.a.enqueue({ type: 'status', status: 401 }, { type: 'status', status: 429, message: 'You exceeded your current quota, please check your plan and billing details.' });
    const res = await h.engine.chat(ask);
    assert.deepEqual(res.attempts.map((x) => [x.outcome, x.errorClass]), [
      ['error', 'auth'],
      ['error', 'quota_exceeded'],
      ['ok', undefined],
    ]);
    assert.deepEqual(h.emulators.a.requests.map((r) => keyOf(r.headers.authorization)), [0, 1, 2]);
  });

  it('falls back to another provider once every key is cooling down', async () => {
    h = await start([{ id: 'a' }, { id: 'b' }], { a: KEYS.slice(0, 2), b: [KEYS[2]] });
    h.emulators.a.enqueue({ type: 'status', status: 429, retryAfterSeconds: 30 }, { type: 'status', status: 429, retryAfterSeconds: 30 });
    const res = await h.engine.chat(ask);
    assert.equal(res.provider, 'b');
    const next = await h.engine.chat(ask);
    assert.equal(next.provider, 'b');
    assert.equal(next.attempts[0].errorClass, 'rate_limited');
    // The last key's Retry-After holds the provider itself back, as with a single key.
    assert.match(next.attempts[0].message ?? '', /provider asked to wait \d+ ms/);
    assert.equal(h.emulators.a.requests.length, 2, 'no key of a was tried again');
  });

  it('skips a provider whose every key is cooling down from a quota or a 401, naming that', async () => {
    h = await start([{ id: 'a' }, { id: 'b' }], { a: KEYS.slice(0, 2), b: [KEYS[2]] });
    h.emulators.a.enqueue({ type: 'status', status: 401 }, { type: 'status', status: 401 });
    assert.equal((await h.engine.chat(ask)).provider, 'b');
    const next = await h.engine.chat(ask);
    assert.equal(next.provider, 'b');
    assert.match(next.attempts[0].message ?? '', /every key \(2\) is cooling down until/);
  });
  it('forgets the keys’ cooldowns on a breaker reset (as after storing new keys), so the first key serves again', async () => {
    h = await start([{ id: 'a' }], { a: KEYS.slice(0, 2) });
    h.emulators.a.enqueue({ type: 'status', status: 401 });
    await h.engine.chat(ask);
    h.engine.resetBreaker('a');
    assert.equal(h.engine.providers()[0].keys, undefined, 'no key is cooling down any more');
    await h.engine.chat(ask);
    assert.deepEqual(h.emulators.a.requests.map((r) => keyOf(r.headers.authorization)), [0, 1, 0]);
  });
});
