import type { BudgetExceededError } from '../errors';
import type { BudgetConfig } from './budgetGuard';

/** Spend set aside for one request before it is sent; settled with the real cost once it is done. */
export interface Reservation {
  readonly id: string;
  readonly at: number;
}

export type ReserveOutcome = { ok: true; reservation: Reservation } | { ok: false; error: BudgetExceededError };

/**
 * A budget several processes spend from at once (a team's). Reserving and settling are each one atomic step
 * where the spend is kept, so concurrent members overshoot a limit by at most the estimates in flight.
 */
export interface TeamBudget {
  /** `estimateUsd` null: the price is unknown; allowed while any of the limit is left. */
  reserve(estimateUsd: number | null, budget: BudgetConfig, at: number): Promise<ReserveOutcome>;
  /**
   * Replaces the reservation by the real cost (0 when nothing was charged); exactly once, even if retried later.
   * The answer need not wait for it: close() waits for the settlements still under way.
   */
  settle(reservation: Reservation, actualUsd: number): Promise<void>;
  close(): Promise<void>;
}
