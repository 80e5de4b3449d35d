import { randomUUID } from 'node:crypto';
import type { ProviderConfig } from '../config/schema';
import { parseRateLimitHeaders, type RateLimitSnapshot } from '../http/rateLimitHeaders';
import { retryAfterMsFromHeaders } from '../http/retryAfter';
import type { ResponseHeaders } from '../providers/adapter';
import { ClientLimitWindow, type ClientLimitConfig, type ClientLimitSlot } from './clientLimits';
import { ProviderHeadroom, type HeadroomLimit, type RememberedHeadroom } from './providerHeadroom';
import { totalTokens, type RequestNeed } from './requestNeed';
import type { TeamPacing } from './teamPacing';
import type { Usage } from '../types';

export type PaceLimit = HeadroomLimit | 'rpm' | 'tpm';

/** Why a provider is held back before it is sent anything, and until when. */
export interface PaceHold {
  until: number;
  limitedBy: PaceLimit;
  /** `rate_limit_headroom` (the provider said so), `client_rate_limit` (limits.rpm / limits.tpm). */
  reason: 'rate_limit_headroom' | 'client_rate_limit';
  message: string;
}

/** A request admitted by pacing; it reports its answer's headers and usage, or that it was never sent. */
export interface PaceTicket {
  /**
   * Present when a team counts the provider's `limits.rpm`/`tpm`: takes the team's slot before the request leaves.
   * A hold means the team had none, and the request was withdrawn as if never admitted.
   */
  confirm?: () => Promise<PaceHold | undefined>;
  observeHeaders(headers: ResponseHeaders): void;
  finish(usage?: Usage): void;
}

/** What each provider has left, for health and stats: provider headroom and client limits, whichever is tighter. */
export interface RateLimitStatus {
  requestsRemaining?: number;
  tokensRemaining?: number;
  /** Epoch ms when the tighter of the limits shown resets (or, for client limits, when the oldest request leaves the minute). */
  resetAt?: number;
  /** The limit that is used up now, if any. */
  limitedBy?: PaceLimit;
}

export interface PacingOptions {
  now: () => number;
  /** The window of `limits.rpm` / `limits.tpm`: a minute. */
  windowMs?: number;
  /** Counts headroom and client limits with the rest of a team (`sharedState.share` has "rateLimits"). */
  team?: TeamPacing;
}

/** What pacing keeps across restarts: the providers' announced headroom and the requests counted against client limits. */
export interface RememberedPacing {
  headroom: RememberedHeadroom[];
  /** Per provider with `limits.rpm`/`limits.tpm`; left out while a team counts them (sharedState). */
  sent: Record<string, Array<{ id: string; at: number; tokens: number }>>;
}

/** The window of `limits.rpm` / `limits.tpm` unless a test shortens it. */
export const CLIENT_LIMIT_WINDOW_MS = 60_000;

/**
 * Keeps requests inside each provider's announced rate-limit headroom and the user's own `limits.rpm`/`limits.tpm`.
 * A check and the admission that counts the request happen in one synchronous step, so concurrent requests cannot
 * all take the last slot.
 */
export class RequestPacing {
  private readonly headroom = new ProviderHeadroom();
  private readonly client = new Map<string, ClientLimitWindow>();
  private readonly limits = new Map<string, ClientLimitConfig>();
  private readonly listeners = new Set<() => void>();
  private readonly now: () => number;
  private readonly windowMs: number;
  private readonly team?: TeamPacing;
  /** Names this process's requests in logs that outlive it. */
  private readonly process = randomUUID().slice(0, 8);
  private sends = 0;

  constructor(options: PacingOptions) {
    this.now = options.now;
    this.windowMs = options.windowMs ?? CLIENT_LIMIT_WINDOW_MS;
    this.team = options.team;
  }

  get sharedWithTeam(): boolean {
    return this.team !== undefined;
  }

  /**
   * Takes in the headroom the team's other members heard, before requests are routed to `targets`. Their requests
   * against `limits.rpm`/`tpm` are counted by the team's store itself, as each request takes its slot (confirm()).
   */
  async syncTeam(targets: ReadonlyArray<{ provider: string; model: string }>): Promise<void> {
    if (!this.team || targets.length === 0) return;
    const announced = await this.team.read(targets.map((t) => scopeOf(t.provider, t.model)));
    if (!announced) return;
    const now = this.now();
    for (const [scope, { snapshot, observedAt }] of announced) this.headroom.adopt(scope, snapshot, observedAt, now);
  }

  /** Keeps the client windows of providers that still have limits, with their new values. */
  configure(providers: readonly ProviderConfig[]): void {
    const keep = new Set<string>();
    this.limits.clear();
    for (const p of providers) {
      if (!p.limits || (p.limits.rpm === undefined && p.limits.tpm === undefined)) continue;
      keep.add(p.id);
      this.limits.set(p.id, p.limits);
      const existing = this.client.get(p.id);
      if (existing) existing.reconfigure(p.limits);
      else this.client.set(p.id, new ClientLimitWindow(p.limits, this.windowMs, () => this.changed()));
    }
    for (const id of this.client.keys()) if (!keep.has(id)) this.client.delete(id);
    this.changed();
  }

  hold(provider: string, model: string, need: RequestNeed, now = this.now()): PaceHold | undefined {
    const h = this.headroom.hold(scopeOf(provider, model), need, now);
    const c = this.client.get(provider)?.hold(totalTokens(need), now);
    if (h && (!c || h.until >= c.until)) {
      const needed = h.limitedBy === 'requests' ? 1 : h.limitedBy === 'input_tokens' ? need.inputTokens : h.limitedBy === 'output_tokens' ? need.outputTokens : totalTokens(need);
      const left = `${h.remaining} ${h.limitedBy.replace('_', ' ')} left, ${needed} needed`;
      return { until: h.until, limitedBy: h.limitedBy, reason: 'rate_limit_headroom', message: `rate-limit headroom: ${left} until ${new Date(h.until).toISOString()}` };
    }
    if (c) {
      const limit = `limits.${c.limitedBy} (${this.limits.get(provider)?.[c.limitedBy]})`;
      return { until: c.until, limitedBy: c.limitedBy, reason: 'client_rate_limit', message: `${limit} reached for this minute; next slot at ${new Date(c.until).toISOString()}` };
    }
    return undefined;
  }

  /** Admits a request now, counting it, or says why not. Never awaits between the check and the count. */
  admit(provider: string, model: string, need: RequestNeed): { ok: true; ticket: PaceTicket } | { ok: false; hold: PaceHold } {
    const now = this.now();
    const hold = this.hold(provider, model, need, now);
    if (hold) return { ok: false, hold };
    return { ok: true, ticket: this.count(provider, model, need) };
  }

  /** Counts a request sent regardless of holds (`llm-router health` asks every provider once), and learns from its answer. */
  track(provider: string, model: string, need: RequestNeed): PaceTicket {
    const ticket = this.count(provider, model, need);
    // Sent whatever the team's count says; it still counts there when a slot is free.
    void ticket.confirm?.();
    return ticket;
  }

  private count(provider: string, model: string, need: RequestNeed): PaceTicket {
    const scope = scopeOf(provider, model);
    const headroomTicket = this.headroom.send(scope, need);
    const tokens = totalTokens(need);
    const window = this.client.get(provider);
    const sendId = window ? `${this.process}:${++this.sends}` : undefined;
    const slot: ClientLimitSlot | undefined = window?.take(tokens, sendId);
    const team = this.team;
    const limits = this.limits.get(provider);
    let answeredAt: number | undefined;
    let done = false;
    const confirm =
      team && window && slot && sendId && limits
        ? async (): Promise<PaceHold | undefined> => {
            const taken = await team.reserve(provider, sendId, tokens, this.now(), limits);
            if (!taken || taken.ok) return undefined;
            done = true;
            slot.withdraw();
            this.headroom.withdraw(scope, headroomTicket);
            const { limitedBy } = taken;
            window.teamRefused(taken.until, limitedBy);
            const limit = `limits.${limitedBy} (${limits[limitedBy]})`;
            return { until: taken.until, limitedBy, reason: 'client_rate_limit', message: `${limit} reached team-wide for this minute; next slot at ${new Date(taken.until).toISOString()}` };
          }
        : undefined;
    return {
        ...(confirm ? { confirm } : {}),
        observeHeaders: (headers) => {
          const now = this.now();
          answeredAt ??= now;
          slot?.answered(now);
          const snapshot = withinRetryAfter(parseRateLimitHeaders(headers, now), retryAfterMsFromHeaders(headers, now), now);
          if (Object.keys(snapshot).length === 0) return;
          this.headroom.observe(scope, headroomTicket, snapshot, now);
          this.team?.announced(scope, snapshot, now);
        },
        finish: (usage) => {
          if (done) return;
          done = true;
          const now = this.now();
          this.headroom.finish(scope, headroomTicket);
          const actual = usage ? usage.inputTokens + usage.outputTokens : undefined;
          slot?.finish(now, actual);
          if (sendId) this.team?.settled(provider, sendId, tokens, actual ?? tokens, answeredAt ?? now);
        },
    };
  }

  /** What to keep across restarts. The team's store keeps the sends when there is one, so they are not counted twice. */
  remembered(now = this.now()): RememberedPacing {
    const sent: RememberedPacing['sent'] = {};
    if (!this.team) {
      for (const [id, window] of this.client) {
        const log = window.remembered(now);
        if (log.length > 0) sent[id] = log;
      }
    }
    return { headroom: this.headroom.remembered(now), sent };
  }

  /** Takes in what an earlier run kept; the newer word wins for headroom, and a request already counted is not counted again. */
  recall(kept: RememberedPacing, now = this.now()): void {
    for (const h of kept.headroom) {
      const window = { ...(h.limit !== undefined ? { limit: h.limit } : {}), remaining: h.remaining, resetAt: h.resetAt };
      this.headroom.adopt(h.scope, { [h.window]: window }, h.observedAt, now);
    }
    if (this.team) return;
    for (const [id, sent] of Object.entries(kept.sent)) this.client.get(id)?.recall(sent);
    this.changed();
  }

  /** Provider headroom of `model` merged with the provider's client limits; undefined when neither says anything. */
  status(provider: string, model: string, now = this.now()): RateLimitStatus | undefined {
    const left = this.headroom.remaining(scopeOf(provider, model), now);
    const sources: Array<{ kind: 'requestsRemaining' | 'tokensRemaining'; remaining: number; resetAt?: number; limit: PaceLimit }> = [];
    if (left.requests) sources.push({ kind: 'requestsRemaining', ...left.requests, limit: 'requests' });
    for (const limit of ['tokens', 'input_tokens', 'output_tokens'] as const) {
      const w = left[limit];
      if (w) sources.push({ kind: 'tokensRemaining', ...w, limit });
    }
    const usage = this.client.get(provider)?.usage(now);
    const { rpm, tpm } = this.limits.get(provider) ?? {};
    if (usage && rpm !== undefined) sources.push({ kind: 'requestsRemaining', remaining: Math.max(0, rpm - usage.requests), resetAt: usage.oldestLeavesAt, limit: 'rpm' });
    if (usage && tpm !== undefined) sources.push({ kind: 'tokensRemaining', remaining: Math.max(0, tpm - usage.tokens), resetAt: usage.oldestLeavesAt, limit: 'tpm' });
    // The team's store refused a slot: used up team-wide until then, whatever this member sent itself.
    const full = usage?.teamFull;
    if (full) sources.push({ kind: full.limitedBy === 'rpm' ? 'requestsRemaining' : 'tokensRemaining', remaining: 0, resetAt: full.until, limit: full.limitedBy });
    if (sources.length === 0) return undefined;
    const out: RateLimitStatus = {};
    for (const s of sources) out[s.kind] = Math.min(out[s.kind] ?? Infinity, s.remaining);
    const spent = sources.filter((s) => s.remaining === 0).sort((a, b) => (b.resetAt ?? 0) - (a.resetAt ?? 0))[0];
    if (spent) {
      out.limitedBy = spent.limit;
      if (spent.resetAt !== undefined) out.resetAt = spent.resetAt;
    } else {
      const resets = sources.map((s) => s.resetAt).filter((t): t is number => t !== undefined);
      if (resets.length > 0) out.resetAt = Math.min(...resets);
    }
    return out;
  }

  /** Told when headroom grew before its reset (a request used fewer tokens than estimated, limits changed); a fresher answer is only read when waiters wake, as it arrives before its own Retry-After is recorded. */
  onAvailabilityChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }
}

/**
 * A reset is when a window is full again; a Retry-After beside it is when the provider takes the next request
 * (OpenAI and Groq refill continuously), so no window is held past it.
 */
function withinRetryAfter(snapshot: RateLimitSnapshot, retryAfterMs: number | undefined, now: number): RateLimitSnapshot {
  if (retryAfterMs === undefined) return snapshot;
  const latest = now + retryAfterMs;
  const out: RateLimitSnapshot = {};
  for (const [key, w] of Object.entries(snapshot) as Array<[keyof RateLimitSnapshot, NonNullable<RateLimitSnapshot[keyof RateLimitSnapshot]>]>) {
    // What the Retry-After covers is the cooldown's to hold (one wait, one clock): such a window holds nothing here.
    out[key] = w.resetAt !== undefined && w.resetAt >= latest ? { ...w, resetAt: undefined } : w;
  }
  return out;
}

function scopeOf(provider: string, model: string): string {
  return `${provider}\u0000${model}`;
}
