import assert from 'node:assert/strict';
import { EngineEvents, type EngineEvent } from '../../src/engine/events';

function make() {
  let t = 1_000;
  const errors: unknown[] = [];
  const events = new EngineEvents({ now: () => t, onListenerError: (err) => errors.push(err) });
  return { events, errors, setTime: (ms: number) => (t = ms) };
}

describe('EngineEvents', () => {
  it('delivers each event to every subscriber, stamped with the clock when `at` is not given', () => {
    const { events, setTime } = make();
    const a: EngineEvent[] = [];
    const b: EngineEvent[] = [];
    events.subscribe((e) => a.push(e));
    events.subscribe((e) => b.push(e));
    setTime(5_000);
    events.emit({ type: 'fallback', from: 'openai', to: 'anthropic', errorClass: 'overloaded' });
    events.emit({ type: 'budget-warning', budget: 'daily', spentUsd: 8, limitUsd: 10, percent: 80, at: 42 });
    assert.deepEqual(a, [
      { type: 'fallback', from: 'openai', to: 'anthropic', errorClass: 'overloaded', at: 5_000 },
      { type: 'budget-warning', budget: 'daily', spentUsd: 8, limitUsd: 10, percent: 80, at: 42 },
    ]);
    assert.deepEqual(b, a);
  });

  it('stops delivering after unsubscribe, and unsubscribing twice is harmless', () => {
    const { events } = make();
    const seen: string[] = [];
    const off = events.subscribe((e) => seen.push(e.type));
    events.emit({ type: 'rate-limit', provider: 'p' });
    off();
    off();
    events.emit({ type: 'rate-limit', provider: 'p' });
    assert.deepEqual(seen, ['rate-limit']);
    assert.equal(events.listenerCount, 0);
  });

  it('keeps delivering to the other listeners when one throws, and reports the error', () => {
    const { events, errors } = make();
    const seen: string[] = [];
    events.subscribe(() => {
      throw new Error('listener bug');
    });
    events.subscribe((e) => seen.push(e.type));
    assert.doesNotThrow(() =>
      events.emit({ type: 'request-finished', provider: 'p', model: 'm', outcome: 'ok', latencyMs: 12, costUsd: null, cached: false }),
    );
    assert.deepEqual(seen, ['request-finished']);
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /listener bug/);
  });

  it('catches a rejected async listener instead of leaving an unhandled rejection', async () => {
    const { events, errors } = make();
    events.subscribe(async () => {
      throw new Error('async bug');
    });
    events.emit({ type: 'cache-stats', stats: { hits: 1, misses: 0, hitRate: 1, evictions: 0, entries: 1, memoryBytes: 10, diskBytes: 0 } });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /async bug/);
  });

  it('survives an error reporter that itself throws', () => {
    const events = new EngineEvents({
      onListenerError: () => {
        throw new Error('reporter bug');
      },
    });
    let delivered = 0;
    events.subscribe(() => {
      throw new Error('listener bug');
    });
    events.subscribe(() => delivered++);
    assert.doesNotThrow(() => events.emit({ type: 'rate-limit', provider: 'p' }));
    assert.equal(delivered, 1);
  });

  it('filters by type with on(), typed to that event', () => {
    const { events } = make();
    const transitions: string[] = [];
    const off = events.on('breaker', (e) => transitions.push(`${e.provider}:${e.from}->${e.to} (${e.reason})`));
    events.emit({ type: 'breaker', provider: 'p', from: 'closed', to: 'open', reason: 'consecutive-failures' });
    events.emit({ type: 'rate-limit', provider: 'p' });
    off();
    events.emit({ type: 'breaker', provider: 'p', from: 'open', to: 'half-open', reason: 'half-open-after-wait' });
    assert.deepEqual(transitions, ['p:closed->open (consecutive-failures)']);
  });

  it('finishes the current emit for everyone even if a listener unsubscribes another mid-emit', () => {
    const { events } = make();
    const seen: string[] = [];
    let offSecond = () => {};
    events.subscribe(() => {
      seen.push('first');
      offSecond();
    });
    offSecond = events.subscribe(() => seen.push('second'));
    events.emit({ type: 'rate-limit', provider: 'p' });
    events.emit({ type: 'rate-limit', provider: 'p' });
    assert.deepEqual(seen, ['first', 'second', 'first']);
  });
});
