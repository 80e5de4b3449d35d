import assert from 'node:assert/strict';
import { ProviderCooldowns } from '../../src/engine/resilience/cooldown';

describe('ProviderCooldowns', () => {
  let t = 1_000;
  const now = () => t;

  it('holds a provider back until its Retry-After deadline, then releases it', () => {
    t = 1_000;
    const cd = new ProviderCooldowns(now);
    cd.setFor('a', 500);
    assert.equal(cd.isCoolingDown('a'), true);
    assert.equal(cd.until('a'), 1_500);
    assert.equal(cd.remainingMs('a'), 500);
    assert.equal(cd.isCoolingDown('b'), false);
    t = 1_499;
    assert.equal(cd.isCoolingDown('a'), true);
    t = 1_500;
    assert.equal(cd.isCoolingDown('a'), false);
    assert.equal(cd.until('a'), undefined);
  });

  it('keeps the later deadline when several requests report different Retry-After values', () => {
    t = 0;
    const cd = new ProviderCooldowns(now);
    cd.set('a', 2_000);
    cd.set('a', 1_000);
    assert.equal(cd.until('a'), 2_000);
    cd.set('a', 3_000);
    assert.equal(cd.until('a'), 3_000);
  });

  it('ignores non-positive or non-finite waits and can be cleared', () => {
    t = 0;
    const cd = new ProviderCooldowns(now);
    cd.setFor('a', 0);
    cd.setFor('a', Number.NaN);
    cd.set('a', Number.POSITIVE_INFINITY);
    assert.equal(cd.isCoolingDown('a'), false);
    cd.setFor('a', 100);
    cd.clear('a');
    assert.equal(cd.isCoolingDown('a'), false);
  });
});
