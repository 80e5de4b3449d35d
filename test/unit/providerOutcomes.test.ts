import assert from 'node:assert/strict';
import { ProviderOutcomes } from '../../src/engine/health/providerOutcomes';
import type { AttemptRecord } from '../../src/engine/types';

const attempt = (outcome: AttemptRecord['outcome'], errorClass?: string): AttemptRecord => ({ provider: 'p', model: 'm', outcome, errorClass, message: errorClass && `Provider 'p': ${errorClass}`, latencyMs: 5 });

describe('provider outcomes (what health knows beyond the breaker)', () => {
  it('knows nothing of a provider never called', () => {
    const o = new ProviderOutcomes();
    assert.equal(o.everAnswered('p'), false);
    assert.equal(o.lastOutcome('p'), undefined);
  });

  it('keeps the latest finished attempt; skipped attempts and cancellations change nothing', () => {
    const o = new ProviderOutcomes();
    o.record(attempt('ok'), 100);
    o.record(attempt('skipped', 'breaker_open'), 200);
    o.record(attempt('error', 'cancelled'), 300);
    assert.deepEqual(o.lastOutcome('p'), { ok: true, at: 100 });
    o.record(attempt('error', 'timeout'), 400);
    assert.deepEqual(o.lastOutcome('p'), { ok: false, at: 400, errorClass: 'timeout', message: "Provider 'p': timeout" });
    assert.equal(o.everAnswered('p'), true);
  });

  it('after a reset forgets the failure and goes back to the last answer, or to nothing', () => {
    const o = new ProviderOutcomes();
    o.record(attempt('ok'), 100);
    o.record(attempt('error', 'server_error'), 200);
    o.forgetFailure('p');
    assert.deepEqual(o.lastOutcome('p'), { ok: true, at: 100 });
    const never = new ProviderOutcomes();
    never.record(attempt('error', 'connection'), 50);
    never.forgetFailure('p');
    assert.equal(never.lastOutcome('p'), undefined);
    assert.equal(never.everAnswered('p'), false);
  });

  it('remembers providers that answered in an earlier process', () => {
    const o = new ProviderOutcomes();
    o.markAnswered(['p']);
    assert.equal(o.everAnswered('p'), true);
    assert.equal(o.lastOutcome('p'), undefined);
  });
});
