import { z } from 'zod';
import { decodeVersionedJson, type StateDocument } from '../stateStore';

/** One flush of a member's metrics: its minutes' hash fields, applied in Redis once, by its id. */
const metricsBatchSchema = z.object({
  id: z.string().min(1),
  /** Epoch ms it was cut, so one older than Redis remembers applied ids can be dropped rather than risk counting it twice. */
  at: z.number(),
  minutes: z.array(z.object({ minute: z.number().int(), fields: z.array(z.string()) })),
});
export type MetricsBatch = z.output<typeof metricsBatchSchema>;

const docSchema = z.object({ version: z.literal(1), batches: z.array(metricsBatchSchema) });

/** Metrics made while the team's Redis was unavailable, kept in this user's own state folder until merged. */
export const pendingMetricsDocument: StateDocument<MetricsBatch[]> = {
  name: 'shared-metrics-pending.json',
  label: 'metrics waiting for the shared state',
  decode: (bytes) => {
    const r = decodeVersionedJson(bytes, 1, docSchema);
    return r.ok ? { ok: true, data: r.data.batches } : r;
  },
  encode: (batches) => JSON.stringify({ version: 1, batches }),
  empty: () => [],
};
