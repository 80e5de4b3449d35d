import type { ProviderConfig, RouterConfig } from '../config/schema';
import type { BudgetExceededError } from '../errors';
import type { EngineEvents } from '../events';
import type { ChatRequest, Usage } from '../types';
import { BudgetGuard } from './budgetGuard';
import { costOf, estimatedUsage, promptCacheSavings, type PromptCacheSavings } from './costMath';
import { CostLedger, type PeriodCostTotals } from './costLedger';
import { priceFor, type ResolvedPrice } from './priceTable';
import type { StateStore } from '../state/stateStore';
import type { Reservation, TeamBudget } from './teamBudget';

export interface CostSummary {
  today: PeriodCostTotals;
  month: PeriodCostTotals;
  budget: RouterConfig['budget'];
}

/** A candidate provider with this request's estimated USD on it (undefined: price unknown). */
export interface EstimatedCandidate {
  provider: ProviderConfig;
  estimateUsd: number | undefined;
}

export interface BudgetAdmission {
  allowed: ProviderConfig[];
  /** Providers left out because this request would push a budget over its limit. */
  refused: { provider: ProviderConfig; error: BudgetExceededError }[];
}

/** Prices, spend and budgets for the engine: one place that knows what a request costs. */
export class CostAccounting {
  private readonly ledger: CostLedger;
  private readonly guard: BudgetGuard;
  private readonly prices = new Map<string, ResolvedPrice | null>();
  private budget: RouterConfig['budget'];
  private readonly team: TeamBudget | undefined;
  private readonly now: () => number;

  constructor(opts: { budget: RouterConfig['budget']; events: EngineEvents; store?: StateStore; team?: TeamBudget; now: () => number }) {
    this.budget = opts.budget;
    this.team = opts.team;
    this.now = opts.now;
    this.ledger = new CostLedger({ store: opts.store, now: opts.now });
    this.guard = new BudgetGuard({
      config: opts.budget,
      spend: this.ledger,
      now: opts.now,
      onWarning: (w) => opts.events.emit({ type: 'budget-warning', ...w }),
    });
  }

  load(): Promise<void> {
    return this.ledger.load();
  }

  /** With a budget set, picks up what other windows and CLI runs spent (at most once a second), so the budget is the user's. */
  refreshForBudget(): Promise<void> {
    const { dailyUsd, monthlyUsd } = this.budget;
    return dailyUsd === undefined && monthlyUsd === undefined ? Promise.resolve() : this.ledger.refresh(1_000);
  }

  updateConfig(cfg: RouterConfig): void {
    this.prices.clear();
    this.budget = cfg.budget;
    this.guard.updateConfig(cfg.budget);
  }

  price(p: ProviderConfig, model: string = p.model): ResolvedPrice | null {
    const key = `${p.id}\u0000${model}`;
    let price = this.prices.get(key);
    if (price === undefined) {
      price = priceFor(p, model);
      this.prices.set(key, price);
    }
    return price;
  }

  /**
   * Estimates a request before sending: the prompt and output are counted once, then priced per provider.
   * The returned function gives the USD on a provider, undefined when its price is unknown.
   */
  estimator(req: ChatRequest): (p: ProviderConfig) => number | undefined {
    const usage = estimatedUsage(req);
    return (p) => {
      const price = this.price(p, req.model ?? p.model);
      return price ? costOf(usage, price.price) : undefined;
    };
  }

  /** Keeps the candidates this request can afford, given each one's estimate; the caller refuses the request when none is left. */
  admit(candidates: readonly EstimatedCandidate[]): BudgetAdmission {
    const out: BudgetAdmission = { allowed: [], refused: [] };
    for (const { provider, estimateUsd } of candidates) {
      const decision = this.guard.check(estimateUsd ?? null);
      if (decision.ok) out.allowed.push(provider);
      else out.refused.push({ provider, error: decision.error });
    }
    return out;
  }

  /**
   * With a team budget, reserves the dearest estimate among the admitted candidates team-wide (a fallback may
   * cost that much); throws the BudgetExceededError when the team's spend leaves no room for it.
   */
  async reserve(allowed: readonly EstimatedCandidate[]): Promise<Reservation | undefined> {
    if (!this.team) return undefined;
    const estimates = allowed.map((c) => c.estimateUsd);
    const estimate = estimates.some((e) => e === undefined) ? null : Math.max(0, ...(estimates as number[]));
    const outcome = await this.team.reserve(estimate, this.budget, this.now());
    if (!outcome.ok) throw outcome.error;
    return outcome.reservation;
  }

  /** Replaces a reservation by what the request really cost (0 when it failed or its price is unknown). */
  settle(reservation: Reservation | undefined, costUsd: number | null): Promise<void> {
    return reservation && this.team ? this.team.settle(reservation, costUsd ?? 0) : Promise.resolve();
  }

  /** Books a provider's answer; returns its cost, or null when the model's price is unknown. */
  record(p: ProviderConfig, model: string, usage: Usage): number | null {
    const price = this.price(p, model) ?? this.price(p);
    const costUsd = price ? costOf(usage, price.price) : null;
    this.ledger.record({ provider: p.id, model, costUsd });
    this.guard.warnIfDue();
    return costUsd;
  }

  /** What the provider's prompt cache saved and cost extra on this answer; undefined when the price is unknown. */
  promptCacheSavings(p: ProviderConfig, model: string, usage: Usage): PromptCacheSavings | undefined {
    const price = this.price(p, model) ?? this.price(p);
    return price ? promptCacheSavings(usage, price.price) : undefined;
  }

  summary(): CostSummary {
    return { today: this.ledger.totals('daily'), month: this.ledger.totals('monthly'), budget: { ...this.budget } };
  }

  flush(): Promise<void> {
    return this.ledger.flush();
  }

  close(): Promise<void> {
    return this.ledger.close();
  }
}
