import type { ResponseHeaders } from '../providers/adapter';
import { headerValue } from './retryAfter';

export interface RateLimitWindow {
  limit?: number;
  remaining?: number;
  /** Epoch ms when the limit is fully replenished. */
  resetAt?: number;
}

export interface RateLimitSnapshot {
  requests?: RateLimitWindow;
  /** OpenAI/Groq: tokens per window. Anthropic: the most restrictive token limit currently in effect. */
  tokens?: RateLimitWindow;
  /** Anthropic only. */
  inputTokens?: RateLimitWindow;
  /** Anthropic only. */
  outputTokens?: RateLimitWindow;
}

/**
 * Reads the documented rate-limit headers:
 * - OpenAI / Groq / most OpenAI-compatible servers: `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`,
 *   where reset is a duration from now such as `1s`, `6m0s`, `20ms`, `1h2m3.5s` (bare numbers are seconds).
 * - Anthropic: `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}`,
 *   where reset is an RFC 3339 time.
 * - Cerebras (inference-docs.cerebras.ai/support/rate-limits, read 2026-12-03): `x-ratelimit-{limit,remaining,reset}-requests-day`
 *   and `-tokens-minute`, reset in (fractional) seconds; read as the requests and tokens windows when the plain names are absent.
 * - OpenRouter (its 429s, as reported in public issue threads 2026; not on its docs pages): `x-ratelimit-{limit,remaining,reset}`
 *   for requests, reset in epoch milliseconds.
 * Missing or unparseable values are left out; an absent window is omitted entirely.
 */
export function parseRateLimitHeaders(headers: ResponseHeaders, now: number = Date.now()): RateLimitSnapshot {
  const snapshot: RateLimitSnapshot = {};
  // Read on every answer; most carry none of the ~30 names looked for below, and one pass over the names says so.
  if (!Object.keys(headers).some((name) => name.toLowerCase().includes('ratelimit'))) return snapshot;
  const put = (key: keyof RateLimitSnapshot, w: RateLimitWindow) => {
    if (w.limit !== undefined || w.remaining !== undefined || w.resetAt !== undefined) snapshot[key] = w;
  };

  const openaiStyle = [
    ['requests', ['-requests', '-requests-day', '']],
    ['tokens', ['-tokens', '-tokens-minute']],
  ] as const;
  for (const [kind, suffixes] of openaiStyle) {
    for (const suffix of suffixes) {
      put(kind, {
        ...defined('limit', count(headerValue(headers, `x-ratelimit-limit${suffix}`))),
        ...defined('remaining', count(headerValue(headers, `x-ratelimit-remaining${suffix}`))),
        ...defined('resetAt', resetAtOf(headerValue(headers, `x-ratelimit-reset${suffix}`), now)),
      });
      if (snapshot[kind]) break;
    }
  }

  const anthropic = [
    ['requests', 'requests'],
    ['tokens', 'tokens'],
    ['inputTokens', 'input-tokens'],
    ['outputTokens', 'output-tokens'],
  ] as const;
  for (const [key, name] of anthropic) {
    const w: RateLimitWindow = {
      ...defined('limit', count(headerValue(headers, `anthropic-ratelimit-${name}-limit`))),
      ...defined('remaining', count(headerValue(headers, `anthropic-ratelimit-${name}-remaining`))),
      ...defined('resetAt', timeResetAt(headerValue(headers, `anthropic-ratelimit-${name}-reset`), now)),
    };
    if (Object.keys(w).length > 0) put(key, { ...snapshot[key], ...w });
  }
  return snapshot;
}

const DURATION_UNITS_MS: Record<string, number> = {
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
  ms: 1,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ns: 1e-6,
};

/** Parses a Go-style duration (`1h2m3.5s`, `6m0s`, `20ms`, `0s`) into milliseconds. */
export function parseDurationMs(text: string): number | undefined {
  const s = text.trim();
  if (s === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const part = /(\d+(?:\.\d+)?)(ms|us|µs|μs|ns|h|m|s)/y;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    part.lastIndex = pos;
    const m = part.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * DURATION_UNITS_MS[m[2]];
    pos = part.lastIndex;
  }
  return total;
}

function durationResetAt(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDurationMs(value);
  return ms === undefined ? undefined : Math.round(now + ms);
}

/** A duration, or (OpenRouter) an epoch time: a bare number too large to be seconds from now is one. */
function resetAtOf(value: string | undefined, now: number): number | undefined {
  const n = value === undefined ? NaN : Number(value.trim());
  if (n > 1e12) return Math.round(n);
  if (n > 1e9) return Math.round(n * 1000);
  return durationResetAt(value, now);
}

function timeResetAt(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const t = Date.parse(value.trim());
  if (!Number.isNaN(t)) return t;
  return durationResetAt(value, now);
}

/** Non-negative integer counts; some gateways send -1 for "unknown", which is dropped. */
function count(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value.trim());
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function defined<K extends keyof RateLimitWindow>(key: K, value: number | undefined): Partial<RateLimitWindow> {
  return value === undefined ? {} : { [key]: value };
}
