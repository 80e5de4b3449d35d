import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type { BudgetConfig } from '../../cost/budgetGuard';
import { localDayKey, localMonthKey } from '../../cost/costLedger';
import type { Reservation, ReserveOutcome, TeamBudget } from '../../cost/teamBudget';
import { BudgetExceededError } from '../../errors';
import type { StateStore } from '../stateStore';
import { pendingSpendDocument, type PendingSettlement } from './pendingSpend';
import type { SharedStateClient } from './sharedStateClient';

const DAY_TTL_S = 3 * 86_400;
const MONTH_TTL_S = 40 * 86_400;
/** A reservation whose process died before settling stays charged this long, then its id is forgotten. */
const RESERVATION_TTL_S = 3 * 86_400;
/** Settled ids are remembered as long as a pending settlement could wait to be merged. */
const SETTLED_TTL_S = 40 * 86_400;

// KEYS: day, month, reservation. ARGV: estimate ('' = unknown), day limit, month limit ('' = none), ttls.
const RESERVE_LUA = `
local est = ARGV[1] ~= '' and tonumber(ARGV[1]) or nil
local spent = { tonumber(redis.call('GET', KEYS[1]) or '0'), tonumber(redis.call('GET', KEYS[2]) or '0') }
local names = { 'daily', 'monthly' }
for i = 1, 2 do
  if ARGV[i + 1] ~= '' then
    local remaining = tonumber(ARGV[i + 1]) - spent[i]
    if (est == nil and remaining <= 1e-9) or (est ~= nil and est > remaining + 1e-9) then
      return { 0, names[i], string.format('%.17g', remaining) }
    end
  end
end
if est ~= nil and est > 0 then
  redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
  redis.call('EXPIRE', KEYS[1], ARGV[4])
  redis.call('INCRBYFLOAT', KEYS[2], ARGV[1])
  redis.call('EXPIRE', KEYS[2], ARGV[5])
  redis.call('SET', KEYS[3], ARGV[1], 'EX', ARGV[6])
end
return { 1 }
`;

// KEYS: day, month, reservation, settled marker. ARGV: actual cost, ttls. Runs its increment at most once per id.
const SETTLE_LUA = `
if not redis.call('SET', KEYS[4], '1', 'NX', 'EX', ARGV[4]) then return 0 end
local reserved = tonumber(redis.call('GET', KEYS[3]) or '0')
redis.call('DEL', KEYS[3])
local delta = tonumber(ARGV[1]) - reserved
if delta ~= 0 then
  redis.call('INCRBYFLOAT', KEYS[1], string.format('%.17g', delta))
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  redis.call('INCRBYFLOAT', KEYS[2], string.format('%.17g', delta))
  redis.call('EXPIRE', KEYS[2], ARGV[3])
end
return 1
`;

interface BudgetScripts {
  llmrReserve(day: string, month: string, resv: string, ...args: string[]): Promise<[number, string?, string?]>;
  llmrSettle(day: string, month: string, resv: string, settled: string, ...args: string[]): Promise<number>;
}

/**
 * The team budget in Redis: spend per local day and month under the namespace, reserved and settled each in
 * one Lua step. Settlements Redis could not take wait in this user's state folder and are merged when it is back.
 */
export class RedisTeamBudget implements TeamBudget {
  /** Without a state folder, waiting settlements live only as long as this process. */
  private readonly waiting: PendingSettlement[] = [];
  private merging: Promise<void> = Promise.resolve();
  private readonly settling = new Set<Promise<void>>();

  constructor(
    private readonly client: SharedStateClient,
    private readonly localStore: StateStore | undefined,
  ) {
    client.redis.defineCommand('llmrReserve', { numberOfKeys: 3, lua: RESERVE_LUA });
    client.redis.defineCommand('llmrSettle', { numberOfKeys: 4, lua: SETTLE_LUA });
    client.onReady(() => {
      this.merging = this.merging.then(() => this.mergeWaiting()).catch(() => undefined);
    });
  }

  /** Team spend of the day and month containing `at`, as Redis has it; undefined when Redis is unavailable. */
  async spent(at: number): Promise<{ daily: number; monthly: number } | undefined> {
    const [day, month] = this.periodKeys(at);
    const r = await this.client.call((redis) => redis.mget(day, month));
    return r && { daily: Number(r[0] ?? 0), monthly: Number(r[1] ?? 0) };
  }

  async reserve(estimateUsd: number | null, budget: BudgetConfig, at: number): Promise<ReserveOutcome> {
    const reservation: Reservation = { id: randomUUID(), at };
    const [day, month] = this.periodKeys(at);
    const limit = (v: number | undefined) => (v === undefined ? '' : String(v));
    const estimate = estimateUsd === null ? '' : String(estimateUsd);
    const r = await this.client.call((redis) =>
      this.scriptsOf(redis).llmrReserve(day, month, this.reservationKey(reservation.id), estimate, limit(budget.dailyUsd), limit(budget.monthlyUsd), String(DAY_TTL_S), String(MONTH_TTL_S), String(RESERVATION_TTL_S)),
    );
    // Redis unavailable: the local budget check has already run; the real cost is merged later.
    if (r === undefined || r[0] === 1) return { ok: true, reservation };
    const which = r[1] === 'monthly' ? 'monthly' : 'daily';
    const limitUsd = (which === 'daily' ? budget.dailyUsd : budget.monthlyUsd) ?? 0;
    const error = new BudgetExceededError(which, limitUsd, Number(r[2]), estimateUsd ?? 0);
    error.message = `Team budget (sharedState namespace): ${error.message}`;
    return { ok: false, error };
  }

  settle(reservation: Reservation, actualUsd: number): Promise<void> {
    const entry: PendingSettlement = { id: reservation.id, at: reservation.at, usd: actualUsd };
    const settling = this.apply(entry)
      .then((done) => (done === undefined ? this.keepForLater(entry) : undefined))
      .finally(() => this.settling.delete(settling));
    this.settling.add(settling);
    return settling;
  }

  /** Waits for settlements and a merge in progress, so a short CLI run does not exit halfway through one. */
  async close(): Promise<void> {
    await Promise.all(this.settling);
    await this.merging;
  }

  private apply(entry: PendingSettlement): Promise<number | undefined> {
    const [day, month] = this.periodKeys(entry.at);
    return this.client.call((redis) =>
      this.scriptsOf(redis).llmrSettle(day, month, this.reservationKey(entry.id), this.client.key('settled', entry.id), String(entry.usd), String(DAY_TTL_S), String(MONTH_TTL_S), String(SETTLED_TTL_S)),
    );
  }

  private async keepForLater(entry: PendingSettlement): Promise<void> {
    if (!this.localStore) {
      this.waiting.push(entry);
      return;
    }
    await this.localStore.update(pendingSpendDocument, (entries) => [...entries, entry]).catch(() => this.waiting.push(entry));
  }

  /** Merges every waiting settlement, this process's and those left by earlier runs; each id counts once in Redis. */
  private async mergeWaiting(): Promise<void> {
    for (const entry of this.waiting.splice(0)) if ((await this.apply(entry)) === undefined) this.waiting.push(entry);
    if (!this.localStore) return;
    const entries = await this.localStore.read(pendingSpendDocument);
    if (entries.length === 0) return;
    const merged = new Set<string>();
    for (const entry of entries) {
      if ((await this.apply(entry)) === undefined) break;
      merged.add(entry.id);
    }
    if (merged.size > 0) await this.localStore.update(pendingSpendDocument, (current) => current.filter((e) => !merged.has(e.id)));
  }

  private scriptsOf(redis: Redis): BudgetScripts {
    return redis as unknown as BudgetScripts;
  }

  private periodKeys(at: number): [string, string] {
    return [this.client.key('spend', 'day', localDayKey(at)), this.client.key('spend', 'month', localMonthKey(at))];
  }

  private reservationKey(id: string): string {
    return this.client.key('reserved', id);
  }
}
