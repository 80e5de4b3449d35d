import { z } from 'zod';
import { decodeVersionedJson, type Decoded, type StateDocument } from '../state/stateStore';
import { MetricCell } from './metricCell';
import { MetricsData, MINUTE_MS, minuteOf, Tally } from './minuteBuckets';
import { RELATIVE_ACCURACY } from './percentiles';

export const METRICS_FILE_NAME = 'metrics.json';
/** Bump when the layout changes; a file with another version is set aside. */
const METRICS_FILE_VERSION = 1;

// Counters are checked loosely (non-negative, finite): the file is only ever written by this module.
const count = z.number().min(0).max(Number.MAX_VALUE);
const amount = count;

const sketchSchema = z.object({
  zeros: z.number().int().min(0),
  bins: z
    .array(z.number().int())
    .refine((b) => b.length % 2 === 0 && b.every((n, i) => i % 2 === 0 || n > 0), 'bins must be [key, count>0] pairs'),
});

const cellSchema = z.object({
  model: z.string(),
  requests: count,
  successes: count,
  errors: z.record(z.string(), count),
  retries: count,
  fallbacks: count,
  inputTokens: amount,
  outputTokens: amount,
  cachedInputTokens: amount,
  // Absent in files written before provider prompt caching was tracked.
  cacheWriteTokens: amount.default(0),
  cacheSavedUsd: amount.default(0),
  cacheWritePremiumUsd: amount.default(0),
  costUsd: amount,
  unknownCostRequests: count,
  latency: sketchSchema,
  ttft: sketchSchema,
});

const tallyFields = {
  cacheHits: count,
  cacheMisses: count,
  providers: z.array(
    z.object({
      provider: z.string(),
      breaker: z.record(z.string(), count),
      models: z.array(cellSchema),
    }),
  ),
};

const fileSchema = z.object({
  version: z.literal(METRICS_FILE_VERSION),
  relativeAccuracy: z.number(),
  savedAt: z.number(),
  since: z.number().nullable(),
  allTime: z.object(tallyFields),
  /** `t` is the start of the minute, epoch ms. */
  minutes: z.array(z.object({ t: z.number().int(), ...tallyFields })),
});

type FileJSON = z.infer<typeof fileSchema>;
type TallyJSON = FileJSON['allTime'];

function tallyToJSON(t: Tally): TallyJSON {
  return {
    cacheHits: t.cacheHits,
    cacheMisses: t.cacheMisses,
    providers: [...t.providers].map(([provider, p]) => ({
      provider,
      breaker: Object.fromEntries(p.breaker),
      models: [...p.models].map(([model, cell]) => ({ model, ...cell.toJSON() })),
    })),
  };
}

function tallyFromJSON(json: TallyJSON, into: Tally): void {
  into.cacheHits += json.cacheHits;
  into.cacheMisses += json.cacheMisses;
  for (const p of json.providers) {
    const tally = into.provider(p.provider);
    for (const [state, n] of Object.entries(p.breaker)) tally.breaker.set(state, (tally.breaker.get(state) ?? 0) + n);
    for (const { model, ...cell } of p.models) tally.cell(model).merge(MetricCell.fromJSON(cell));
  }
}

/**
 * The whole state, sketches included, so that a process loading it (or merging its own counts into it)
 * answers every window and percentile exactly as the writer would have.
 */
function encodeMetrics(data: MetricsData, savedAt: number): string {
  const file: FileJSON = {
    version: METRICS_FILE_VERSION,
    relativeAccuracy: RELATIVE_ACCURACY,
    savedAt,
    since: data.since ?? null,
    allTime: tallyToJSON(data.allTime),
    minutes: [...data.minutes]
      .sort(([a], [b]) => a - b)
      .map(([m, t]) => ({ t: m * MINUTE_MS, ...tallyToJSON(t) })),
  };
  return JSON.stringify(file);
}

function decodeMetrics(bytes: Buffer): Decoded<MetricsData> {
  const parsed = decodeVersionedJson(bytes, METRICS_FILE_VERSION, fileSchema);
  if (!parsed.ok) return parsed;
  // Sketch keys only mean something under the mapping they were made with.
  if (parsed.data.relativeAccuracy !== RELATIVE_ACCURACY) {
    return { ok: false, reason: `sketch accuracy ${parsed.data.relativeAccuracy} differs from ${RELATIVE_ACCURACY}` };
  }
  const data = new MetricsData();
  data.since = parsed.data.since ?? undefined;
  tallyFromJSON(parsed.data.allTime, data.allTime);
  for (const { t, ...tally } of parsed.data.minutes) tallyFromJSON(tally, data.minute(minuteOf(t)));
  return { ok: true, data };
}

/** The metrics document; `now` stamps `savedAt`. */
export function metricsDocument(now: () => number): StateDocument<MetricsData> {
  return {
    name: METRICS_FILE_NAME,
    label: 'metrics',
    decode: decodeMetrics,
    encode: (data) => encodeMetrics(data, now()),
    empty: () => new MetricsData(),
  };
}
