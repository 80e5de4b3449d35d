import assert from 'node:assert/strict';
import type { AttemptEvent } from '../../src/engine/events';
import { AttemptProgress } from '../../src/engine/tasks/attemptProgress';
import type { AttemptRecord } from '../../src/engine/types';

const started = (provider: string, tryNo = 1): AttemptEvent => ({ type: 'attempt-started', at: 0, provider, model: 'm', try: tryNo, firstTokenTimeoutMs: 5_000 });
const finished = (record: Omit<AttemptRecord, 'model'>): AttemptEvent => ({ type: 'attempt-finished', at: 0, record: { model: 'm', ...record } });

function messages(events: AttemptEvent[]): Array<string | undefined> {
  const progress = new AttemptProgress();
  return events.map((e) => progress.next(e));
}

describe('the progress line for one request’s attempts', () => {
  it('names the provider waited on, then says how it timed out and which one is tried next', () => {
    assert.deepEqual(messages([started('primary'), finished({ provider: 'primary', outcome: 'error', errorClass: 'timeout', latencyMs: 5_012 }), started('backup'), finished({ provider: 'backup', outcome: 'ok', latencyMs: 40 })]), [
      'waiting for primary…',
      'primary timed out after 5 s',
      'primary timed out after 5 s — trying backup',
      undefined,
    ]);
  });

  it('says when the same provider is tried again', () => {
    assert.deepEqual(messages([started('only'), finished({ provider: 'only', outcome: 'error', errorClass: 'server', status: 503, latencyMs: 12 }), started('only', 2)]), [
      'waiting for only…',
      'only failed (server 503)',
      'only failed (server 503) — trying only again',
    ]);
  });

  it('explains a provider skipped for its breaker or a connection that failed', () => {
    assert.deepEqual(
      messages([finished({ provider: 'a', outcome: 'skipped', errorClass: 'breaker_open', latencyMs: 0 }), started('b'), finished({ provider: 'b', outcome: 'error', errorClass: 'connection', latencyMs: 3 }), started('c')]),
      ['a is paused after repeated failures', 'a is paused after repeated failures — trying b', 'b could not be reached', 'b could not be reached — trying c'],
    );
  });

  it('leaves out the hedging loser’s cancellation, which is not a failure', () => {
    assert.deepEqual(messages([started('a'), finished({ provider: 'a', outcome: 'skipped', errorClass: 'cancelled', latencyMs: 300 })]), ['waiting for a…', undefined]);
  });
});
