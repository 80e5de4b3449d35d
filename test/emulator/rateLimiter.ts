/**
 * A provider's own rate limit, as the emulator enforces it: a fixed window per limit that starts with its first
 * request, announced on every chat answer the way each vendor documents it, and a 429 for a request over it.
 *
 * - OpenAI (platform.openai.com/docs/guides/rate-limits, "Rate limits in headers", read 2026-12-03) and Groq
 *   (console.groq.com/docs/rate-limits, read 2026-12-03): `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`,
 *   reset as a duration such as `6m0s`, `1s`, `250ms`.
 * - Anthropic (docs.anthropic.com/en/api/rate-limits, "Response headers", read 2026-12-03):
 *   `anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}`, reset as an RFC 3339 time.
 */
export interface EmulatedRateLimit {
  style: 'openai' | 'anthropic';
  requests?: { limit: number; windowMs: number };
  /** Counted as the request's prompt characters ÷ 4 plus its max_tokens, as providers count them up front. */
  tokens?: { limit: number; windowMs: number };
}

interface Window {
  startedAt: number;
  used: number;
}

export interface RateLimitVerdict {
  allowed: boolean;
  headers: Record<string, string>;
}

export class EmulatorRateLimiter {
  private readonly windows = new Map<'requests' | 'tokens', Window>();

  constructor(
    private readonly cfg: EmulatedRateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a request (when it fits every limit) and says what is left. */
  admit(tokens: number): RateLimitVerdict {
    const now = this.now();
    const limits = (['requests', 'tokens'] as const).flatMap((kind) => {
      const l = this.cfg[kind];
      return l ? [{ kind, ...l, cost: kind === 'requests' ? 1 : tokens, window: this.window(kind, l.windowMs, now) }] : [];
    });
    const allowed = limits.every((l) => l.window.used + l.cost <= l.limit);
    if (allowed) for (const l of limits) l.window.used += l.cost;
    const headers: Record<string, string> = {};
    for (const l of limits) {
      const remaining = String(Math.max(0, l.limit - l.window.used));
      const resetAt = l.window.startedAt + l.windowMs;
      if (this.cfg.style === 'openai') {
        headers[`x-ratelimit-limit-${l.kind}`] = String(l.limit);
        headers[`x-ratelimit-remaining-${l.kind}`] = remaining;
        headers[`x-ratelimit-reset-${l.kind}`] = goDuration(resetAt - now);
      } else {
        headers[`anthropic-ratelimit-${l.kind}-limit`] = String(l.limit);
        headers[`anthropic-ratelimit-${l.kind}-remaining`] = remaining;
        headers[`anthropic-ratelimit-${l.kind}-reset`] = new Date(resetAt).toISOString();
      }
    }
    return { allowed, headers };
  }

  private window(kind: 'requests' | 'tokens', windowMs: number, now: number): Window {
    let w = this.windows.get(kind);
    if (!w || now >= w.startedAt + windowMs) {
      w = { startedAt: now, used: 0 };
      this.windows.set(kind, w);
    }
    return w;
  }
}

/** Headers announcing 0 requests left until `resetMs` from now. */
export function noHeadroomHeaders(style: 'openai' | 'anthropic', resetMs: number, now = Date.now()): Record<string, string> {
  if (style === 'openai') return { 'x-ratelimit-limit-requests': '60', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': goDuration(resetMs) };
  return { 'anthropic-ratelimit-requests-limit': '60', 'anthropic-ratelimit-requests-remaining': '0', 'anthropic-ratelimit-requests-reset': new Date(now + resetMs).toISOString() };
}

/** `6m0s`, `1.5s`, `250ms`: how OpenAI and Groq write a reset. */
export function goDuration(ms: number): string {
  const t = Math.max(0, Math.ceil(ms));
  if (t < 1_000) return `${t}ms`;
  const minutes = Math.floor(t / 60_000);
  const seconds = (t % 60_000) / 1_000;
  return minutes > 0 ? `${minutes}m${seconds}s` : `${seconds}s`;
}
