import { z } from 'zod';
import { decodeVersionedJson, type StateDocument } from '../stateStore';

/** A settlement Redis did not take when it was made; merged (once, by its id) when Redis answers again. */
const pendingSettlementSchema = z.object({
  id: z.string().min(1),
  at: z.number(),
  usd: z.number(),
});
export type PendingSettlement = z.output<typeof pendingSettlementSchema>;

const docSchema = z.object({ version: z.literal(1), entries: z.array(pendingSettlementSchema) });

/** Spend made while the team's Redis was unavailable, kept in this user's own state folder until merged. */
export const pendingSpendDocument: StateDocument<PendingSettlement[]> = {
  name: 'shared-spend-pending.json',
  label: 'spend waiting for the shared state',
  decode: (bytes) => {
    const r = decodeVersionedJson(bytes, 1, docSchema);
    return r.ok ? { ok: true, data: r.data.entries } : r;
  },
  encode: (entries) => JSON.stringify({ version: 1, entries }),
  empty: () => [],
};
