import type { BreakerSnapshot } from '../resilience/circuitBreaker';
import type { PaceLimit } from '../routing/pacing';

/**
 * - healthy: answered, and its last request succeeded
 * - degraded: takes requests, but its last request failed, many recent ones did, or its breaker is probing
 * - unavailable: takes no requests now (breaker open, Retry-After running, a rate limit used up until its reset)
 * - unknown: has never answered, so nothing vouches for it yet
 * - isolated: the user turned it off
 */
export type HealthState = 'healthy' | 'degraded' | 'unavailable' | 'unknown' | 'isolated';
export const HEALTH_STATES: readonly HealthState[] = ['healthy', 'degraded', 'unavailable', 'unknown', 'isolated'];

export interface ProviderHealth {
  state: HealthState;
  /** One line a person can act on, e.g. "Breaker open until 10:42:05 after 5 consecutive timeout failures". */
  reason: string;
}

/** The provider's latest finished request (after its retries), successful or not. */
export type LastOutcome = { ok: true; at: number } | { ok: false; at: number; errorClass: string; message?: string };

export interface HealthInputs {
  breaker: BreakerSnapshot;
  /** Epoch ms until which the provider asked not to be called (Retry-After). */
  coolingDownUntil?: number;
  lastOutcome?: LastOutcome;
  /** A rate limit with nothing left (the provider's announced headroom, or limits.rpm / limits.tpm), and when it resets. */
  rateLimit?: { limitedBy?: PaceLimit; resetAt?: number };
  /** It answered at least once (in this process or in persisted metrics). */
  everAnswered: boolean;
  now: number;
}

const USED_UP: Record<PaceLimit, string> = {
  requests: "the provider's announced requests are used up",
  tokens: "the provider's announced tokens are used up",
  input_tokens: "the provider's announced input tokens are used up",
  output_tokens: "the provider's announced output tokens are used up",
  rpm: 'limits.rpm reached for this minute',
  tpm: 'limits.tpm reached for this minute',
};

/** A closed breaker whose recent failure rate reaches this counts as degraded. */
const DEGRADED_FAILURE_RATE = 0.1;
const MAX_MESSAGE_CHARS = 160;

/** The one definition of provider health: the status bar, its tooltip, the dashboard and the CLI all show this. */
export function providerHealth(input: HealthInputs): ProviderHealth {
  const { breaker: b, now } = input;
  const last = input.lastOutcome ?? failureOnRecord(b);
  if (b.state === 'isolated') return { state: 'isolated', reason: `Isolated since ${clock(b.since)}: no requests are sent until you restore it` };
  if (b.state === 'open') return { state: 'unavailable', reason: `Breaker open until ${clock(b.openUntil ?? now)} ${openCause(b)}` };
  if (input.coolingDownUntil !== undefined && input.coolingDownUntil > now) {
    return { state: 'unavailable', reason: `Rate-limited until ${clock(input.coolingDownUntil)} (the provider's Retry-After)` };
  }
  const used = input.rateLimit;
  if (used?.limitedBy && (used.resetAt === undefined || used.resetAt > now)) {
    const until = used.resetAt === undefined ? '' : ` until ${clock(used.resetAt)}`;
    return { state: 'unavailable', reason: `Held back${until}: ${USED_UP[used.limitedBy]}` };
  }
  if (b.state === 'half-open') return { state: 'degraded', reason: 'Breaker half-open: the next request tests whether it recovered' };
  if (last && !last.ok) return { state: 'degraded', reason: `Last request failed at ${clock(last.at)}: ${failureText(last.errorClass, last.message)}` };
  if (!input.everAnswered) return { state: 'unknown', reason: 'No answer yet' };
  if (b.requestsInWindow > 0 && b.failureRate >= DEGRADED_FAILURE_RATE) {
    return { state: 'degraded', reason: `${Math.round(b.failureRate * 100)} % of its ${b.requestsInWindow} recent requests failed` };
  }
  return { state: 'healthy', reason: last ? `Last answered at ${clock(last.at)}` : 'Answered before; no request since the router started' };
}

export type OverallHealth = 'healthy' | 'unknown' | 'degraded' | 'down';

export interface HealthSummary {
  healthy: number;
  total: number;
  overall: OverallHealth;
  /** "2 of 3 providers healthy" */
  headline: string;
}

/** What the status bar's `n/m` and the dashboard's headline say about a set of providers. */
export function summarizeHealth(states: readonly HealthState[]): HealthSummary {
  const total = states.length;
  const healthy = states.filter((s) => s === 'healthy').length;
  const usable = states.filter((s) => s === 'healthy' || s === 'degraded' || s === 'unknown').length;
  const overall: OverallHealth =
    total === 0 || usable === 0 ? 'down' : healthy === total ? 'healthy' : states.every((s) => s === 'healthy' || s === 'unknown') ? 'unknown' : 'degraded';
  const headline = total === 0 ? 'No providers configured' : `${healthy} of ${total} provider${total === 1 ? '' : 's'} healthy`;
  return { healthy, total, overall, headline };
}

/** A failure the (persisted) breaker remembers, e.g. from another process or before a restart. */
function failureOnRecord(b: BreakerSnapshot): LastOutcome | undefined {
  return b.consecutiveFailures > 0 && b.lastError ? { ok: false, at: b.lastError.at, errorClass: b.lastError.errorClass, message: b.lastError.message } : undefined;
}

function openCause(b: BreakerSnapshot): string {
  const cls = b.lastError ? ` ${humanize(b.lastError.errorClass)}` : '';
  if (b.consecutiveFailures > 1) return `after ${b.consecutiveFailures} consecutive${cls} failures`;
  if (b.requestsInWindow > 0 && b.failureRate > 0) return `after ${Math.round(b.failureRate * 100)} % of ${b.requestsInWindow} recent requests failed`;
  return b.lastError ? `after a failed probe (${humanize(b.lastError.errorClass)})` : 'after repeated failures';
}

function failureText(errorClass: string, message: string | undefined): string {
  const cls = humanize(errorClass);
  if (!message) return cls;
  const oneLine = message.replace(/\s+/g, ' ').trim();
  return `${cls} — ${oneLine.length > MAX_MESSAGE_CHARS ? `${oneLine.slice(0, MAX_MESSAGE_CHARS - 1)}…` : oneLine}`;
}

function humanize(id: string): string {
  return id.replace(/[_-]+/g, ' ');
}

/** Local wall-clock time, HH:MM:SS: absolute, so a reason stays true while it is displayed. */
export function clock(epochMs: number): string {
  const d = new Date(epochMs);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}
