import assert from 'node:assert/strict';
import { BudgetGuard, type BudgetConfig, type BudgetWarning } from '../../src/engine/cost/budgetGuard';
import { CostLedger } from '../../src/engine/cost/costLedger';
import { BudgetExceededError } from '../../src/engine/errors';

const local = (y: number, month: number, d: number, h = 12) => new Date(y, month - 1, d, h).getTime();

function setup(config: BudgetConfig, start = local(2026, 11, 22)) {
  let t = start;
  const now = () => t;
  const ledger = new CostLedger({ now });
  const warnings: BudgetWarning[] = [];
  const guard = new BudgetGuard({ config, spend: ledger, now, onWarning: (w) => warnings.push(w) });
  const spend = (usd: number | null) => {
    ledger.record({ provider: 'oa', model: 'gpt-4o', costUsd: usd });
    guard.warnIfDue();
  };
  return { ledger, guard, warnings, spend, setTime: (ms: number) => (t = ms) };
}

describe('budget guard', () => {
  it('refuses a request whose estimate would exceed the daily limit, naming the budget and what is left', () => {
    const { guard, spend } = setup({ dailyUsd: 1, warnAtPercent: 80 });
    spend(0.7);
    const decision = guard.check(0.5);
    assert.equal(decision.ok, false);
    if (decision.ok) return;
    assert.ok(decision.error instanceof BudgetExceededError);
    assert.equal(decision.error.budget, 'daily');
    assert.equal(decision.error.limitUsd, 1);
    assert.ok(Math.abs(decision.error.remainingUsd - 0.3) < 1e-12);
    assert.match(decision.error.message, /daily budget of \$1\.00/);
    assert.match(decision.error.message, /\$0\.3000 left/);
    assert.match(decision.error.message, /estimated at \$0\.5000/);
    assert.throws(() => guard.assertAllowed(0.5), BudgetExceededError);
  });

  it('allows requests that fit within what is left', () => {
    const { guard, spend } = setup({ dailyUsd: 1, warnAtPercent: 80 });
    spend(0.7);
    assert.deepEqual(guard.check(0.2), { ok: true, unknownCost: false });
  });

  it('allows a request that lands exactly on the limit despite float rounding in the spend sum', () => {
    const { guard, spend } = setup({ dailyUsd: 0.4, warnAtPercent: 80 });
    spend(0.1);
    spend(0.2); // sums to 0.30000000000000004
    assert.deepEqual(guard.check(0.1), { ok: true, unknownCost: false });
    assert.equal(guard.check(0.11).ok, false);
  });

  it('applies the monthly limit across days', () => {
    const { guard, spend, setTime } = setup({ monthlyUsd: 5, warnAtPercent: 80 });
    spend(3);
    setTime(local(2026, 11, 23));
    spend(1.5);
    const decision = guard.check(1);
    assert.equal(decision.ok, false);
    if (!decision.ok) {
      assert.equal(decision.error.budget, 'monthly');
      assert.match(decision.error.message, /monthly budget of \$5\.00/);
      assert.match(decision.error.message, /\$0\.5000 left/);
    }
    setTime(local(2026, 12, 1));
    assert.equal(guard.check(1).ok, true, 'a new month starts with the full limit');
  });

  it('warns once per budget per day when spend crosses the threshold, and again the next day', () => {
    const { guard, spend, warnings, setTime } = setup({ dailyUsd: 10, warnAtPercent: 80 });
    spend(7);
    assert.equal(warnings.length, 0);
    spend(1);
    assert.deepEqual(warnings, [{ budget: 'daily', spentUsd: 8, limitUsd: 10, percent: 80 }]);
    spend(1);
    guard.check(0.1);
    guard.warnIfDue();
    assert.equal(warnings.length, 1, 'no second warning the same day');

    setTime(local(2026, 11, 23));
    spend(5);
    assert.equal(warnings.length, 1);
    spend(4);
    assert.equal(warnings.length, 2);
    assert.equal(warnings[1].spentUsd, 9);
  });

  it('warns for the monthly budget once per month, separately from the daily one', () => {
    const { spend, warnings, setTime } = setup({ dailyUsd: 100, monthlyUsd: 10, warnAtPercent: 50 });
    spend(6);
    assert.deepEqual(
      warnings.map((w) => w.budget),
      ['monthly'],
    );
    setTime(local(2026, 11, 24));
    spend(1);
    assert.equal(warnings.length, 1);
    setTime(local(2026, 12, 2));
    spend(5);
    assert.deepEqual(
      warnings.map((w) => [w.budget, w.percent]),
      [
        ['monthly', 60],
        ['monthly', 50],
      ],
    );
  });

  it('warns again when the limit is changed and spend crosses the new threshold', () => {
    const { guard, spend, warnings } = setup({ dailyUsd: 10, warnAtPercent: 80 });
    spend(9);
    assert.equal(warnings.length, 1);
    guard.updateConfig({ dailyUsd: 20, warnAtPercent: 80 });
    guard.warnIfDue();
    assert.equal(warnings.length, 1, '9 of 20 is below the threshold');
    spend(8);
    assert.equal(warnings.length, 2);
    assert.equal(warnings[1].limitUsd, 20);
  });

  it('lets a request of unknown cost through but flags it, and refuses it once the limit is used up', () => {
    const { guard, spend, ledger } = setup({ dailyUsd: 1, warnAtPercent: 80 });
    assert.deepEqual(guard.check(null), { ok: true, unknownCost: true });
    assert.deepEqual(guard.check(undefined), { ok: true, unknownCost: true });
    spend(null);
    assert.equal(ledger.totals('daily').unknownCostRequests, 1);
    spend(1);
    const decision = guard.check(null);
    assert.equal(decision.ok, false);
    if (!decision.ok) {
      assert.equal(decision.error.budget, 'daily');
      assert.match(decision.error.message, /used up/);
      assert.match(decision.error.message, /cost is unknown/);
    }
  });

  it('always allows a free (local) request, even over budget', () => {
    const { guard, spend } = setup({ dailyUsd: 1, warnAtPercent: 80 });
    spend(1.5);
    assert.deepEqual(guard.check(0), { ok: true, unknownCost: false });
    assert.equal(guard.check(0.01).ok, false);
  });

  it('allows everything and never warns when no limit is set', () => {
    const { guard, spend, warnings } = setup({ warnAtPercent: 80 });
    spend(1_000);
    assert.deepEqual(guard.check(1_000), { ok: true, unknownCost: false });
    assert.equal(warnings.length, 0);
  });

  it('refuses every paid request under a zero limit without warning about percentages', () => {
    const { guard, warnings } = setup({ dailyUsd: 0, warnAtPercent: 80 });
    assert.equal(guard.check(0.0001).ok, false);
    assert.equal(guard.check(null).ok, false);
    assert.equal(warnings.length, 0);
  });
});
