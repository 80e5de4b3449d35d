import { z } from 'zod';
import { DebouncedSave, SerialQueue } from '../state/backgroundSave';
import { decodeVersionedJson, type StateDocument, type StateStore } from '../state/stateStore';

export const COST_FILE_NAME = 'costs.json';
/** Bump when the layout changes; a file with another version is set aside. */
const COST_FILE_VERSION = 1;
const RETAIN_DAYS = 400;
const RETAIN_MONTHS = 60;

export type BudgetPeriod = 'daily' | 'monthly';

export interface CostTally {
  /** Sum of known costs, USD. */
  costUsd: number;
  requests: number;
  /** Requests whose price was unknown; their cost is not in costUsd. */
  unknownCostRequests: number;
}

export interface ProviderCostTotals extends CostTally {
  models: Record<string, CostTally>;
}

export interface PeriodCostTotals extends CostTally {
  /** Keyed by the configured provider id. */
  providers: Record<string, ProviderCostTotals>;
}

export interface CostRecord {
  /** Configured provider id. */
  provider: string;
  model: string;
  /** null when the price is unknown. */
  costUsd: number | null;
  /** Epoch ms of the spend; defaults to the ledger's clock. */
  at?: number;
}

export interface CostHistory {
  days: Record<string, PeriodCostTotals>;
  months: Record<string, PeriodCostTotals>;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The local day around the last instant asked about: every request is costed, and nearly all fall on the same day. */
let lastDay = { start: 0, end: 0, day: '', month: '' };

function localPeriodOf(ms: number): typeof lastDay {
  if (ms >= lastDay.start && ms < lastDay.end) return lastDay;
  const d = new Date(ms);
  const start = new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const end = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime();
  const month = `${d.getFullYear()}-${pad(d.getMonth() + 1)}`;
  lastDay = { start, end, day: `${month}-${pad(d.getDate())}`, month };
  return lastDay;
}

/** YYYY-MM-DD of the local calendar day containing `ms`. */
export function localDayKey(ms: number): string {
  return localPeriodOf(ms).day;
}

/** YYYY-MM of the local calendar month containing `ms`. */
export function localMonthKey(ms: number): string {
  return localPeriodOf(ms).month;
}

class Tally implements CostTally {
  costUsd = 0;
  requests = 0;
  unknownCostRequests = 0;

  add(costUsd: number | null): void {
    this.requests++;
    if (costUsd === null) this.unknownCostRequests++;
    else this.costUsd += costUsd;
  }

  mergeTally(o: CostTally): void {
    this.costUsd += o.costUsd;
    this.requests += o.requests;
    this.unknownCostRequests += o.unknownCostRequests;
  }

  tallyJSON(): CostTally {
    return { costUsd: this.costUsd, requests: this.requests, unknownCostRequests: this.unknownCostRequests };
  }
}

class ProviderTally extends Tally {
  readonly models = new Map<string, Tally>();

  model(name: string): Tally {
    let t = this.models.get(name);
    if (!t) this.models.set(name, (t = new Tally()));
    return t;
  }

  merge(o: ProviderCostTotals): void {
    this.mergeTally(o);
    for (const [name, m] of Object.entries(o.models)) this.model(name).mergeTally(m);
  }

  toJSON(): ProviderCostTotals {
    return { ...this.tallyJSON(), models: Object.fromEntries([...this.models].map(([k, v]) => [k, v.tallyJSON()])) };
  }
}

class PeriodTally extends Tally {
  readonly providers = new Map<string, ProviderTally>();

  provider(id: string): ProviderTally {
    let t = this.providers.get(id);
    if (!t) this.providers.set(id, (t = new ProviderTally()));
    return t;
  }

  record(r: CostRecord, costUsd: number | null): void {
    this.add(costUsd);
    const p = this.provider(r.provider);
    p.add(costUsd);
    p.model(r.model).add(costUsd);
  }

  merge(o: PeriodCostTotals): void {
    this.mergeTally(o);
    for (const [id, p] of Object.entries(o.providers)) this.provider(id).merge(p);
  }

  toJSON(): PeriodCostTotals {
    return { ...this.tallyJSON(), providers: Object.fromEntries([...this.providers].map(([k, v]) => [k, v.toJSON()])) };
  }
}

class LedgerData {
  readonly days = new Map<string, PeriodTally>();
  readonly months = new Map<string, PeriodTally>();

  get isEmpty(): boolean {
    return this.days.size === 0 && this.months.size === 0;
  }

  record(r: CostRecord, costUsd: number | null, at: number): void {
    period(this.days, localDayKey(at)).record(r, costUsd);
    period(this.months, localMonthKey(at)).record(r, costUsd);
  }

  merge(o: LedgerData): void {
    for (const [k, v] of o.days) period(this.days, k).merge(v.toJSON());
    for (const [k, v] of o.months) period(this.months, k).merge(v.toJSON());
  }

  /** Drops days older than `retainDays` and months older than RETAIN_MONTHS, counted back from `nowMs`. */
  prune(nowMs: number, retainDays: number): void {
    const d = new Date(nowMs);
    const oldestDay = localDayKey(new Date(d.getFullYear(), d.getMonth(), d.getDate() - retainDays + 1).getTime());
    const oldestMonth = localMonthKey(new Date(d.getFullYear(), d.getMonth() - RETAIN_MONTHS + 1, 1).getTime());
    for (const k of this.days.keys()) if (k < oldestDay) this.days.delete(k);
    for (const k of this.months.keys()) if (k < oldestMonth) this.months.delete(k);
  }

  toJSON(): { version: number } & CostHistory {
    const sorted = (m: Map<string, PeriodTally>) => Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, v.toJSON()]));
    return { version: COST_FILE_VERSION, days: sorted(this.days), months: sorted(this.months) };
  }

  static fromJSON(doc: CostHistory): LedgerData {
    const data = new LedgerData();
    for (const [k, v] of Object.entries(doc.days)) period(data.days, k).merge(v);
    for (const [k, v] of Object.entries(doc.months)) period(data.months, k).merge(v);
    return data;
  }
}

function period(map: Map<string, PeriodTally>, key: string): PeriodTally {
  let t = map.get(key);
  if (!t) map.set(key, (t = new PeriodTally()));
  return t;
}

const amount = z.number().min(0).max(Number.MAX_VALUE);
const tallyShape = { costUsd: amount, requests: amount, unknownCostRequests: amount };
const periodSchema = z.object({
  ...tallyShape,
  providers: z.record(z.string(), z.object({ ...tallyShape, models: z.record(z.string(), z.object(tallyShape)) })),
});
const fileSchema = z.object({
  version: z.literal(COST_FILE_VERSION),
  days: z.record(z.string().regex(/^\d{4}-\d{2}-\d{2}$/), periodSchema),
  months: z.record(z.string().regex(/^\d{4}-\d{2}$/), periodSchema),
});

const costsDocument: StateDocument<LedgerData> = {
  name: COST_FILE_NAME,
  label: 'cost ledger',
  decode(bytes) {
    const parsed = decodeVersionedJson(bytes, COST_FILE_VERSION, fileSchema);
    return parsed.ok ? { ok: true, data: LedgerData.fromJSON(parsed.data) } : parsed;
  },
  encode: (data) => JSON.stringify(data.toJSON()),
  empty: () => new LedgerData(),
};

export interface CostLedgerOptions {
  /** Where `costs.json` lives. Without it nothing is loaded or saved. */
  store?: StateStore;
  now?: () => number;
  /** Delay after a record before it is saved in the background; 0 turns background saving off. Default 1 s. */
  saveDelayMs?: number;
  retainDays?: number;
}

/**
 * Spend per local day and month, in total, per provider and per model, persisted as the `costs.json` document.
 *
 * `base` mirrors the store as of the last load or save and `pending` holds only what this process recorded
 * since. Saving adds `pending` to whatever is stored at that moment, in one store update, so two processes
 * sharing a store add up their spend instead of overwriting each other. Queries merge `base` and `pending`.
 */
export class CostLedger {
  private readonly store: StateStore | undefined;
  private readonly now: () => number;
  private readonly retainDays: number;
  private base = new LedgerData();
  private pending = new LedgerData();
  /** Epoch ms of the last read of what other processes saved. */
  private readAt = Number.NEGATIVE_INFINITY;
  private readonly queue = new SerialQueue();
  private readonly background: DebouncedSave;

  constructor(options: CostLedgerOptions = {}) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.retainDays = options.retainDays ?? RETAIN_DAYS;
    this.background = new DebouncedSave(() => this.flush(), options.store ? (options.saveDelayMs ?? 1_000) : 0);
  }

  /** Adds one request's spend. A non-finite cost counts as unknown; a negative one as zero. */
  record(r: CostRecord): void {
    const cost = r.costUsd === null || !Number.isFinite(r.costUsd) ? null : Math.max(0, r.costUsd);
    this.pending.record(r, cost, r.at ?? this.now());
    this.background.schedule();
  }

  /** Totals of the local day ('daily') or month ('monthly') containing `at` (default now), this process's unsaved spend included. */
  totals(periodName: BudgetPeriod, at: number = this.now()): PeriodCostTotals {
    const key = periodName === 'daily' ? localDayKey(at) : localMonthKey(at);
    const pick = (d: LedgerData) => (periodName === 'daily' ? d.days : d.months).get(key);
    const out = new PeriodTally();
    for (const t of [pick(this.base), pick(this.pending)]) if (t) out.merge(t.toJSON());
    return out.toJSON();
  }

  spentUsd(periodName: BudgetPeriod, at: number = this.now()): number {
    return this.totals(periodName, at).costUsd;
  }

  /** Every retained day and month, oldest first. */
  history(): CostHistory {
    const merged = new LedgerData();
    merged.merge(this.base);
    merged.merge(this.pending);
    merged.prune(this.now(), this.retainDays);
    const { days, months } = merged.toJSON();
    return { days, months };
  }

  /** Reads what this and other processes saved. Unsaved local spend is kept. */
  load(): Promise<void> {
    return this.queue.run(async () => {
      if (!this.store) return;
      this.adopt(await this.store.read(costsDocument));
    });
  }

  /** Reads other processes' spend again when the last read is older than `maxAgeMs`. */
  refresh(maxAgeMs: number): Promise<void> {
    return this.store && this.now() - this.readAt > maxAgeMs ? this.load() : Promise.resolve();
  }

  /**
   * Adds the spend recorded since the last save to the store and picks up other processes' spend.
   * On failure the unsaved spend is kept for the next attempt and the error is thrown.
   */
  flush(): Promise<void> {
    this.background.cancel();
    return this.queue.run(async () => {
      const store = this.store;
      if (!store) return;
      if (this.pending.isEmpty) {
        this.adopt(await store.read(costsDocument));
        return;
      }
      const delta = this.pending;
      this.pending = new LedgerData();
      try {
        this.adopt(
          await store.update(costsDocument, (merged) => {
            merged.merge(delta);
            merged.prune(this.now(), this.retainDays);
            return merged;
          }),
        );
      } catch (err) {
        delta.merge(this.pending);
        this.pending = delta;
        throw err;
      }
    });
  }

  private adopt(stored: LedgerData): void {
    stored.prune(this.now(), this.retainDays);
    this.base = stored;
    this.readAt = this.now();
  }

  /** Saves what is left and stops background saving. A CLI must await this before exiting. */
  close(): Promise<void> {
    return this.flush();
  }
}
