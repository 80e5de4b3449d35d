import assert from 'node:assert/strict';
import { MAX_WINDOW_BUCKETS, OutcomeWindow } from '../../src/engine/resilience/outcomeWindow';

describe('OutcomeWindow', () => {
  it('splits a 60 s window into 40 buckets of 1.5 s and a 10 ms window into 10 buckets of 1 ms', () => {
    assert.deepEqual([new OutcomeWindow(60_000).bucketMs, new OutcomeWindow(60_000).bucketCount], [1_500, MAX_WINDOW_BUCKETS]);
    assert.deepEqual([new OutcomeWindow(10).bucketMs, new OutcomeWindow(10).bucketCount], [1, 10]);
  });

  it('forgets a bucket once its start is windowMs old, keeping running totals in step', () => {
    const w = new OutcomeWindow(1_000);
    w.add(1_000_000, true);
    w.add(1_000_010, false);
    w.add(1_000_500, true);
    assert.deepEqual([w.total, w.failures], [3, 2]);
    w.expire(1_000_999);
    assert.deepEqual([w.total, w.failures], [3, 2]);
    w.expire(1_001_000);
    assert.deepEqual([w.total, w.failures], [1, 1]);
    w.expire(1_001_500);
    assert.deepEqual([w.total, w.failures], [0, 0]);
    assert.deepEqual(w.buckets(), []);
  });

  it('counts exactly the outcomes of the live buckets after 200,000 outcomes at 10,000/s', () => {
    const w = new OutcomeWindow(1_000);
    const perMs = new Map<number, number>();
    for (let i = 0; i < 200_000; i++) {
      const at = 5_000_000 + Math.floor(i / 10);
      w.add(at, i % 5 === 0);
      perMs.set(at, (perMs.get(at) ?? 0) + 1);
    }
    const buckets = w.buckets();
    assert.ok(buckets.length <= w.bucketCount);
    const oldestStart = buckets[0][0];
    const expected = [...perMs].filter(([at]) => at >= oldestStart).reduce((n, [, k]) => n + k, 0);
    assert.equal(w.total, expected);
    assert.equal(w.total, buckets.reduce((n, [, ok, failed]) => n + ok + failed, 0));
    assert.equal(w.failures, w.total / 5);
  });

  it('files an outcome from a clock that stepped back into the oldest counted bucket, never an expired one', () => {
    const w = new OutcomeWindow(1_000);
    w.add(2_000_000, false);
    w.add(1_000_000, true);
    assert.deepEqual([w.total, w.failures], [2, 1]);
    assert.equal(w.buckets().length, 2);
  });

  it('load() re-buckets buckets of another size by their start time', () => {
    const w = new OutcomeWindow(1_000);
    w.load([[1_000_030, 2, 1], [1_000_000, 3, 0], [999_000, 5, 5]], 1_000_100);
    assert.deepEqual(w.buckets(), [[1_000_000, 3, 0], [1_000_025, 2, 1]], 'the 999,000 bucket is outside the window');
    assert.deepEqual([w.total, w.failures], [6, 1]);
  });
});
