import { BudgetExceededError } from '../errors';
import { localDayKey, localMonthKey, type BudgetPeriod } from './costLedger';

export interface BudgetConfig {
  dailyUsd?: number;
  monthlyUsd?: number;
  /** Warn once per budget and period when spend reaches this share of the limit. Default 80. */
  warnAtPercent?: number;
}

export interface BudgetWarning {
  budget: BudgetPeriod;
  spentUsd: number;
  limitUsd: number;
  percent: number;
}

/** Anything that knows the spend of the local day or month containing `at`; CostLedger is one. */
export interface SpendReader {
  spentUsd(period: BudgetPeriod, at: number): number;
}

export type BudgetDecision =
  /** `unknownCost`: the price is unknown, so the request was let through without counting against a limit. */
  | { ok: true; unknownCost: boolean }
  | { ok: false; error: BudgetExceededError };

export interface BudgetGuardOptions {
  config: BudgetConfig;
  spend: SpendReader;
  now?: () => number;
  onWarning?: (warning: BudgetWarning) => void;
}

// Sums of float costs drift in the last bits; a request that lands exactly on the limit is allowed.
const EPSILON_USD = 1e-9;

const BUDGETS: readonly BudgetPeriod[] = ['daily', 'monthly'];

/**
 * Refuses requests whose estimated cost would push spend past the daily or monthly limit, and warns once
 * per budget per period when spend crosses `warnAtPercent` of a limit.
 */
export class BudgetGuard {
  private config: BudgetConfig;
  private readonly spend: SpendReader;
  private readonly now: () => number;
  private readonly onWarning: (warning: BudgetWarning) => void;
  /** Per budget, the period and limit already warned about, so a changed limit can warn again. */
  private readonly warned = new Map<BudgetPeriod, string>();

  constructor(options: BudgetGuardOptions) {
    this.config = options.config;
    this.spend = options.spend;
    this.now = options.now ?? Date.now;
    this.onWarning = options.onWarning ?? (() => undefined);
  }

  updateConfig(config: BudgetConfig): void {
    this.config = config;
  }

  /**
   * Whether a request estimated at `estimateUsd` may be sent. A known estimate is refused when it would
   * take spend past a limit. An unknown one (null/undefined: no price) is allowed while any of the limit
   * is left and flagged `unknownCost`; once a limit is used up it is refused too, since it might cost
   * anything. A zero estimate (a local model) is always allowed. Also emits due warnings.
   */
  check(estimateUsd: number | null | undefined): BudgetDecision {
    const at = this.now();
    this.warnIfDue(at);
    const unknown = estimateUsd === null || estimateUsd === undefined || !Number.isFinite(estimateUsd);
    if (!unknown && estimateUsd <= 0) return { ok: true, unknownCost: false };
    for (const budget of BUDGETS) {
      const limit = this.limit(budget);
      if (limit === undefined) continue;
      const spent = this.spend.spentUsd(budget, at);
      const remaining = limit - spent;
      if (unknown ? remaining <= EPSILON_USD : estimateUsd > remaining + EPSILON_USD) {
        return { ok: false, error: unknown ? usedUpError(budget, limit, remaining) : new BudgetExceededError(budget, limit, remaining, estimateUsd) };
      }
    }
    return { ok: true, unknownCost: unknown };
  }

  /** Like check(), but throws the BudgetExceededError. */
  assertAllowed(estimateUsd: number | null | undefined): void {
    const decision = this.check(estimateUsd);
    if (!decision.ok) throw decision.error;
  }

  /** Emits a warning for each budget whose spend has reached the threshold, once per period. Call after recording spend. */
  warnIfDue(at: number = this.now()): void {
    const threshold = this.config.warnAtPercent ?? 80;
    for (const budget of BUDGETS) {
      const limit = this.limit(budget);
      // A zero limit refuses every paid request already; a percentage of it means nothing.
      if (limit === undefined || limit <= 0) continue;
      const spentUsd = this.spend.spentUsd(budget, at);
      const percent = (spentUsd / limit) * 100;
      if (percent < threshold) continue;
      const key = `${budget === 'daily' ? localDayKey(at) : localMonthKey(at)}|${limit}`;
      if (this.warned.get(budget) === key) continue;
      this.warned.set(budget, key);
      this.onWarning({ budget, spentUsd, limitUsd: limit, percent });
    }
  }

  private limit(budget: BudgetPeriod): number | undefined {
    const v = budget === 'daily' ? this.config.dailyUsd : this.config.monthlyUsd;
    return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
  }
}

/** The standard message would quote a made-up estimate; an unpriced request is refused because nothing is left. */
function usedUpError(budget: BudgetPeriod, limitUsd: number, remainingUsd: number): BudgetExceededError {
  const err = new BudgetExceededError(budget, limitUsd, remainingUsd, 0);
  err.message =
    `The ${budget} budget of $${limitUsd.toFixed(2)} is used up ($${Math.max(0, remainingUsd).toFixed(4)} left) and this request's cost ` +
    `is unknown (no price for its model). Raise llmRouter.budget.${budget}Usd or wait for the next ${budget === 'daily' ? 'day' : 'month'}.`;
  return err;
}
