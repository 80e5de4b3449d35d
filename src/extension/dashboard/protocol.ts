// The dashboard's only contract between the extension host and the webview. Both sides import this module,
// so it must stay free of 'vscode' and Node: zod only. No message ever carries an API key.
import * as z from 'zod';
import { ALERT_KINDS } from '../../engine/alerts/alertTypes';
import { HEALTH_STATES, type HealthState } from '../../engine/health/providerHealth';
import { QUALITY_SIGNALS, type QualitySignal } from '../../engine/quality/qualitySignals';

// The one definition of health, re-exported so the webview counts providers exactly as the status bar does.
export { summarizeHealth, type HealthState, type HealthSummary, type OverallHealth } from '../../engine/health/providerHealth';

export const DASHBOARD_WINDOWS = ['5m', '1h', '24h'] as const;
export const dashboardWindowSchema = z.enum(DASHBOARD_WINDOWS);
export type DashboardWindow = z.infer<typeof dashboardWindowSchema>;

export const WINDOW_MS: Record<DashboardWindow, number> = { '5m': 5 * 60_000, '1h': 60 * 60_000, '24h': 24 * 60 * 60_000 };

/** Same rule as the `llmRouter.providers[].id` setting. */
const providerIdSchema = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);

/** Model names, error classes, reasons: free text from config, responses or the engine, kept short. */
const label = z.string().max(256);
const message = z.string().max(1000);
const epochMs = z.number().min(0);
const count = z.number().int().min(0);
const nonNegative = z.number().min(0);
const ratio = z.number().min(0).max(1);
const millis = nonNegative.nullable();

const MAX_PROVIDERS = 100;
const MAX_MODELS = 200;
/** 24 h of minute points plus the minute in progress. */
const MAX_POINTS = 24 * 60 + 1;
export const MAX_LOG_EVENTS = 500;

const breakerStateSchema = z.enum(['closed', 'open', 'half-open', 'isolated']);
export type BreakerStateName = z.infer<typeof breakerStateSchema>;

const healthStateSchema = z.enum(HEALTH_STATES as [HealthState, ...HealthState[]]);


const providerStatusSchema = z.object({
  id: providerIdSchema,
  kind: label,
  model: label,
  baseUrl: z.string().max(2048),
  breaker: z.object({
    state: breakerStateSchema,
    /** Epoch ms of the last state change. */
    since: epochMs,
    consecutiveFailures: count,
    failureRate: ratio,
    requestsInWindow: count,
    openUntil: epochMs.optional(),
    lastError: z.object({ errorClass: label, message, at: epochMs }).optional(),
  }),
  /** The provider's newest failure, from its breaker or the request log, whichever is later; `advice` says what to do. */
  lastError: z.object({ errorClass: label, message, advice: message, at: epochMs }).optional(),
  /** Whether a key is sent to it, so the card offers "Set key" (not for Ollama or a local server without a required key). */
  usesKey: z.boolean(),
  /** The engine's verdict (providerHealth), with the one-line reason every badge shows on hover. */
  health: z.object({ state: healthStateSchema, reason: message }),
  /** The provider asked (Retry-After) not to be called before this time. */
  coolingDownUntil: epochMs.optional(),
  /** What the router will still send it: announced headroom minus requests since, and limits.rpm / limits.tpm; `limitedBy` names the limit used up. */
  headroom: z
    .object({ requestsRemaining: nonNegative.optional(), tokensRemaining: nonNegative.optional(), resetAt: epochMs.optional(), limitedBy: z.enum(['requests', 'tokens', 'input_tokens', 'output_tokens', 'rpm', 'tpm']).optional() })
    .optional(),
  /** With several keys: each as `key N of M` (never the key), which serves and which cools down until when. */
  keys: z.array(z.object({ label, active: z.boolean(), coolingDownUntil: epochMs.optional(), reason: label.optional() })).max(16).optional(),
});
export type ProviderStatusDto = z.infer<typeof providerStatusSchema>;

const percentilesSchema = z.object({ p50: millis, p95: millis, p99: millis });

/**
 * The providers' own prompt caches in the window: `savedUsd` is what the reads saved against the input price,
 * `writePremiumUsd` what writes cost above it, `netSavedUsd` the difference (negative while writes are not yet read).
 */
const providerCacheSchema = z.object({
  inputTokens: count,
  cachedInputTokens: count,
  cacheWriteTokens: count,
  share: ratio.nullable(),
  savedUsd: nonNegative,
  writePremiumUsd: nonNegative,
  netSavedUsd: z.number().finite(),
});
export type ProviderCacheDto = z.infer<typeof providerCacheSchema>;

const windowStatsSchema = z.object({
  requests: count,
  successes: count,
  errorCount: count,
  /** Without cancelled requests; null when there is nothing to judge. */
  errorRate: ratio.nullable(),
  /** Only classes that occurred, most frequent first. */
  errorsByClass: z.array(z.object({ errorClass: label, count })).max(64),
  retries: count,
  fallbacks: count,
  latency: percentilesSchema,
  ttft: percentilesSchema,
  tokens: z.object({ input: count, output: count, cached: count }),
  providerCache: providerCacheSchema,
  costUsd: nonNegative,
  unknownCostRequests: count,
});
export type WindowStatsDto = z.infer<typeof windowStatsSchema>;

const providerStatsSchema = z.object({ provider: providerIdSchema, stats: windowStatsSchema });
export type ProviderStatsDto = z.infer<typeof providerStatsSchema>;

/** One minute of one provider; minutes without requests are absent. */
const historyPointSchema = z.object({
  t: epochMs,
  requests: count,
  errors: count,
  p50: millis,
  p95: millis,
  p99: millis,
  ttftP50: millis,
  costUsd: nonNegative,
});
export type HistoryPointDto = z.infer<typeof historyPointSchema>;

const providerHistorySchema = z.object({ provider: providerIdSchema, points: z.array(historyPointSchema).max(MAX_POINTS) });
export type ProviderHistoryDto = z.infer<typeof providerHistorySchema>;

const costTally = { costUsd: nonNegative, requests: count, unknownCostRequests: count };
const periodCostsSchema = z.object({
  ...costTally,
  // Spend is kept for providers removed from the settings too, so these ids are not checked against the config rule.
  providers: z.array(z.object({ provider: label, ...costTally, models: z.array(z.object({ model: label, ...costTally })).max(MAX_MODELS) })).max(MAX_PROVIDERS),
});
export type PeriodCostsDto = z.infer<typeof periodCostsSchema>;

const costsSchema = z.object({
  today: periodCostsSchema,
  month: periodCostsSchema,
  budget: z.object({ dailyUsd: nonNegative.optional(), monthlyUsd: nonNegative.optional(), warnAtPercent: z.number().gt(0).max(100) }),
});
export type CostsDto = z.infer<typeof costsSchema>;

const cacheSchema = z.object({
  enabled: z.boolean(),
  entries: count,
  memoryBytes: count,
  diskBytes: count,
  evictions: count,
  /** Lookups in the selected window. */
  hits: count,
  misses: count,
  hitRate: ratio.nullable(),
});
export type CacheDto = z.infer<typeof cacheSchema>;

const eventBase = { id: count, at: epochMs };
const logEventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fallback'), ...eventBase, from: providerIdSchema, to: providerIdSchema, errorClass: label }),
  z.object({ kind: z.literal('breaker'), ...eventBase, provider: providerIdSchema, from: breakerStateSchema, to: breakerStateSchema, reason: label }),
  z.object({ kind: z.literal('budget'), ...eventBase, budget: z.enum(['daily', 'monthly']), spentUsd: nonNegative, limitUsd: nonNegative, percent: nonNegative }),
  z.object({ kind: z.literal('failure'), ...eventBase, provider: providerIdSchema, model: label, errorClass: label, latencyMs: nonNegative }),
]);
export type LogEventDto = z.infer<typeof logEventSchema>;
export type LogEventKind = LogEventDto['kind'];
export const LOG_EVENT_KINDS: readonly LogEventKind[] = ['fallback', 'breaker', 'budget', 'failure'];

const seq = count;

const MAX_ALERTS = 100;
/** An active alert (see src/engine/alerts): the condition's id, what it is about and since when. */
const alertSchema = z.object({ id: label, kind: z.enum(ALERT_KINDS), provider: providerIdSchema.optional(), message, since: epochMs });
export type AlertDto = z.infer<typeof alertSchema>;

/** One provider and model in the quality ranking (see src/engine/quality); signals are counts weighted by age. */
const qualityRankSchema = z.object({
  provider: providerIdSchema,
  model: label,
  score: ratio,
  signals: z.object(Object.fromEntries(QUALITY_SIGNALS.map((s) => [s, nonNegative])) as Record<QualitySignal, typeof nonNegative>),
});
export type QualityRankDto = z.infer<typeof qualityRankSchema>;
export type { QualitySignal };

/** Routed requests in the window: answered by some provider, or failed after every fallback. */
const routedRequestsSchema = z.object({ requests: count, answered: count, failed: count, errorRate: ratio.nullable() });
export type RoutedRequestsDto = z.infer<typeof routedRequestsSchema>;

const MAX_MEMBERS = 100;

/** A team member's figures in the window, or the team's sum: the same statistics a provider card shows. */
const teamFiguresSchema = z.object({ stats: windowStatsSchema, routed: routedRequestsSchema });

/** One member sharing metrics: `id` is stable per state folder and machine, `label` its host name and short id; never a key. */
const teamMemberSchema = z.object({
  id: z.string().max(64).regex(/^[0-9a-f]+$/),
  label,
  /** This window's own member. */
  self: z.boolean(),
  lastSeenAt: epochMs,
  ...teamFiguresSchema.shape,
});
export type TeamMemberDto = z.infer<typeof teamMemberSchema>;

/** With `sharedState.share` holding `metrics`: the whole team's figures in the window, in total and per member, busiest first. */
const teamSchema = z.object({ total: teamFiguresSchema, members: z.array(teamMemberSchema).max(MAX_MEMBERS) });
export type TeamDto = z.infer<typeof teamSchema>;

/** Everything the webview shows, for one window. Also sent again after a window or settings change. */
const snapshotMessageSchema = z.object({
  type: z.literal('snapshot'),
  seq,
  /** The host's clock, epoch ms; the webview measures "since" and "ago" against it. */
  now: epochMs,
  window: dashboardWindowSchema,
  /** In routing order. */
  providers: z.array(providerStatusSchema).max(MAX_PROVIDERS),
  stats: z.array(providerStatsSchema).max(MAX_PROVIDERS),
  totals: windowStatsSchema,
  /** Request error rate (answered vs failed requests); `totals.errorRate` is the attempt error rate. */
  routed: routedRequestsSchema,
  history: z.array(providerHistorySchema).max(MAX_PROVIDERS),
  costs: costsSchema,
  cache: cacheSchema,
  /** Oldest first. */
  events: z.array(logEventSchema).max(MAX_LOG_EVENTS),
  /** Active alerts, oldest first. */
  alerts: z.array(alertSchema).max(MAX_ALERTS).optional(),
  /** The quality ranking, best first. */
  quality: z.array(qualityRankSchema).max(MAX_MODELS).optional(),
  /** Only when metrics are shared with a team and the shared state has answered. */
  team: teamSchema.optional(),
});
export type SnapshotMessage = z.infer<typeof snapshotMessageSchema>;

/** Only what changed since the previous message; absent fields are unchanged. */
const deltaMessageSchema = z.object({
  type: z.literal('delta'),
  seq,
  now: epochMs,
  /** Providers whose status changed, each in full. */
  providers: z.array(providerStatusSchema).max(MAX_PROVIDERS).optional(),
  stats: z.array(providerStatsSchema).max(MAX_PROVIDERS).optional(),
  totals: windowStatsSchema.optional(),
  routed: routedRequestsSchema.optional(),
  /** New minute points, or a newer version of the last minute (same `t`) to replace. */
  history: z.array(providerHistorySchema).max(MAX_PROVIDERS).optional(),
  costs: costsSchema.optional(),
  cache: cacheSchema.optional(),
  /** New events, oldest first. */
  events: z.array(logEventSchema).max(MAX_LOG_EVENTS).optional(),
  /** Every active alert, when the set changed. */
  alerts: z.array(alertSchema).max(MAX_ALERTS).optional(),
  /** The whole ranking, when any score or signal changed. */
  quality: z.array(qualityRankSchema).max(MAX_MODELS).optional(),
  /** The team's figures, whole, when they changed. */
  team: teamSchema.optional(),
});
export type DeltaMessage = z.infer<typeof deltaMessageSchema>;

const errorMessageSchema = z.object({ type: z.literal('error'), seq, message });
export type ErrorMessage = z.infer<typeof errorMessageSchema>;

const modeId = z.string().max(64).regex(/^[a-z0-9-]+$/);

/** Only in the playground (npm start): each simulated provider's failure switch and the modes offered. */
const playgroundMessageSchema = z.object({
  type: z.literal('playground'),
  seq,
  providers: z.array(z.object({ id: providerIdSchema, mode: modeId })).max(MAX_PROVIDERS),
  modes: z.array(z.object({ id: modeId, label, detail: message })).min(1).max(20),
});
export type PlaygroundMessage = z.infer<typeof playgroundMessageSchema>;

export const hostMessageSchema = z.discriminatedUnion('type', [snapshotMessageSchema, deltaMessageSchema, errorMessageSchema, playgroundMessageSchema]);
export type HostMessage = z.infer<typeof hostMessageSchema>;

const providerAction = (type: 'resetBreaker' | 'isolate' | 'restore' | 'setApiKey') => z.strictObject({ type: z.literal(type), provider: providerIdSchema });

const webviewMessageSchema = z.discriminatedUnion('type', [
  /** The page is listening; `window` is the one it restored from its saved state. */
  z.strictObject({ type: z.literal('ready'), window: dashboardWindowSchema.optional() }),
  z.strictObject({ type: z.literal('setWindow'), window: dashboardWindowSchema }),
  providerAction('resetBreaker'),
  providerAction('isolate'),
  providerAction('restore'),
  providerAction('setApiKey'),
  z.strictObject({ type: z.literal('clearCache') }),
  z.strictObject({ type: z.literal('openSettings') }),
  z.strictObject({ type: z.literal('addProvider') }),
  /** Playground only: switch a simulated provider to a failure mode. */
  z.strictObject({ type: z.literal('setPlaygroundMode'), provider: providerIdSchema, mode: modeId }),
]);
export type WebviewMessage = z.infer<typeof webviewMessageSchema>;

export type ParseResult<T> = { ok: true; message: T } | { ok: false; problem: string };

function parseWith<T>(schema: z.ZodType<T>, data: unknown): ParseResult<T> {
  const r = schema.safeParse(data);
  if (r.success) return { ok: true, message: r.data };
  const issue = r.error.issues[0];
  const type = typeof data === 'object' && data !== null && typeof (data as { type?: unknown }).type === 'string' ? (data as { type: string }).type.slice(0, 40) : typeof data;
  return { ok: false, problem: `'${type}' message: ${issue.path.join('.') || '(root)'}: ${issue.message}` };
}

/** For the webview: validates a message from the host. `problem` names the field, never echoes values. */
export function parseHostMessage(data: unknown): ParseResult<HostMessage> {
  return parseWith(hostMessageSchema, data);
}

/** For the host: validates a message from the webview. */
export function parseWebviewMessage(data: unknown): ParseResult<WebviewMessage> {
  return parseWith(webviewMessageSchema, data);
}

/** The figures of a provider with no requests in the window; shared so both sides show the same zeros. */
export const EMPTY_STATS: WindowStatsDto = {
  requests: 0,
  successes: 0,
  errorCount: 0,
  errorRate: null,
  errorsByClass: [],
  retries: 0,
  fallbacks: 0,
  latency: { p50: null, p95: null, p99: null },
  ttft: { p50: null, p95: null, p99: null },
  tokens: { input: 0, output: 0, cached: 0 },
  providerCache: { inputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, share: null, savedUsd: 0, writePremiumUsd: 0, netSavedUsd: 0 },
  costUsd: 0,
  unknownCostRequests: 0,
};
