import assert from 'node:assert/strict';
import type { AttemptEvent } from '../../src/engine/events';
import type { ChatRequest } from '../../src/engine/types';
import { startHarness, type Harness } from '../support/engineHarness';

const FIRST_TOKEN_MS = 300;
/** Loopback answers and timers firing late on a busy machine; far below the batch first-token timeout. */
const MARGIN_MS = 700;

/** Batch requests wait 1.2 s for a first token and try 3 times; editor actions wait FIRST_TOKEN_MS. */
const SETTINGS = {
  cache: { enabled: false },
  timeouts: { firstTokenMs: 1_200, interactiveFirstTokenMs: FIRST_TOKEN_MS, totalMs: 20_000 },
  retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
  routing: { requestBudgetMs: 30_000 },
};

function request(purpose: string, stream: boolean): ChatRequest {
  return { messages: [{ role: 'user', content: 'Improve this function' }], purpose, stream };
}

async function timed<T>(p: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await p;
  return { value, ms: performance.now() - started };
}

describe('router: a hung provider does not hold an interactive request', function () {
  this.timeout(20_000);
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness([{ id: 'primary' }, { id: 'backup' }], SETTINGS);
  });
  afterEach(() => h.close());

  for (const [purpose, stream] of [
    ['suggest', true],
    ['analyze', false],
    ['inline', false],
  ] as const) {
    it(`answers '${purpose}' (${stream ? 'streamed' : 'one answer'}) from the backup within interactiveFirstTokenMs plus the backup's time, calling the hung primary once`, async () => {
      h.emulators.primary.enqueue({ type: 'hang' }, { type: 'hang' }, { type: 'hang' });
      const { value: res, ms } = await timed(h.engine.chat(request(purpose, stream)));
      assert.equal(res.provider, 'backup');
      assert.equal(res.text, 'Hello from backup.');
      assert.ok(ms < FIRST_TOKEN_MS + MARGIN_MS, `answered after ${Math.round(ms)} ms`);
      assert.ok(ms >= FIRST_TOKEN_MS - 5, `the primary was given its ${FIRST_TOKEN_MS} ms (answered after ${Math.round(ms)} ms)`);
      assert.equal(h.emulators.primary.requests.length, 1);
      assert.deepEqual(
        res.attempts.map((a) => [a.provider, a.outcome, a.errorClass, a.try]),
        [
          ['primary', 'error', 'timeout', 1],
          ['backup', 'ok', undefined, 1],
        ],
      );
    });
  }

  it('tells onAttempt which provider it waits on, how long it may wait, and how each attempt ended, as it happens', async () => {
    h.emulators.primary.enqueue({ type: 'hang' });
    const seen: Array<{ event: AttemptEvent; elapsedMs: number }> = [];
    const started = performance.now();
    await h.engine.chat(request('suggest', true), { onText: () => undefined, onAttempt: (event) => seen.push({ event, elapsedMs: performance.now() - started }) });
    assert.deepEqual(
      seen.map(({ event: e }) => (e.type === 'attempt-started' ? ['started', e.provider, e.try, e.firstTokenTimeoutMs] : ['finished', e.record.provider, e.record.outcome, e.record.errorClass])),
      [
        ['started', 'primary', 1, FIRST_TOKEN_MS],
        ['finished', 'primary', 'error', 'timeout'],
        ['started', 'backup', 1, FIRST_TOKEN_MS],
        ['finished', 'backup', 'ok', undefined],
      ],
    );
    assert.ok(seen[0].elapsedMs < FIRST_TOKEN_MS / 2, 'the first attempt is announced when it starts, not when it ends');
  });

  it('keeps a request going when its onAttempt listener throws', async () => {
    const res = await h.engine.chat(request('suggest', false), {
      onAttempt: () => {
        throw new Error('progress UI gone');
      },
    });
    assert.equal(res.provider, 'primary');
  });

  it('keeps the batch first-token timeout and its retries on the same provider for other purposes', async function () {
    this.timeout(30_000);
    h.emulators.primary.enqueue({ type: 'hang' }, { type: 'hang' }, { type: 'hang' });
    const { value: res, ms } = await timed(h.engine.chat(request('ask', true), { onText: () => undefined }));
    assert.equal(res.provider, 'backup');
    assert.equal(h.emulators.primary.requests.length, 3);
    assert.deepEqual(
      res.attempts.map((a) => [a.provider, a.errorClass, a.try]),
      [
        ['primary', 'timeout', 1],
        ['primary', 'timeout', 2],
        ['primary', 'timeout', 3],
        ['backup', undefined, 1],
      ],
    );
    assert.ok(ms >= 3 * 1_200, `waited the batch timeout three times (${Math.round(ms)} ms)`);
  });

  it('retries a timed-out provider for an interactive request when no other provider is left', async () => {
    h.emulators.primary.enqueue({ type: 'hang' });
    const res = await h.engine.chat(request('suggest', true), { onlyProviders: ['primary'], onText: () => undefined });
    assert.equal(res.provider, 'primary');
    assert.deepEqual(
      res.attempts.map((a) => [a.outcome, a.try]),
      [
        ['error', 1],
        ['ok', 2],
      ],
    );
  });
});
