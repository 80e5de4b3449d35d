import type { RateLimitSnapshot } from '../http/rateLimitHeaders';

/** A team's answer to a request for a `limits.rpm`/`tpm` slot: taken, or which limit is full until when. */
export type TeamSlot = { ok: true } | { ok: false; until: number; limitedBy: 'rpm' | 'tpm' };

/** The newest headroom announced to any member, per pacing scope (provider, model and key slot). */
export type TeamHeadroom = Map<string, { observedAt: number; snapshot: RateLimitSnapshot }>;


/**
 * Rate limits counted team-wide (`sharedState.share` has "rateLimits"). Headroom is read before routing and written
 * fire-and-forget; a request to a provider with `limits.rpm`/`tpm` also waits for its slot. Every call gives up with
 * the store, so a slow or dead one never holds a request longer than `sharedState.timeoutMs`.
 */
export interface TeamPacing {
  announced(scope: string, snapshot: RateLimitSnapshot, observedAt: number): void;
  /**
   * Takes a slot of the provider's `limits.rpm`/`limits.tpm` for the whole team in one server-side step, so members
   * racing each other cannot all take the last one; `id` is unique across processes. `until` says when the next slot
   * frees up; undefined when the store did not answer (the member then counts on its own).
   */
  reserve(provider: string, id: string, tokens: number, at: number, limits: { rpm?: number; tpm?: number }): Promise<TeamSlot | undefined>;
  /** The same request once over: it counts from its answer (`at`) with what it really used. */
  settled(provider: string, id: string, sentTokens: number, tokens: number, at: number): void;
  /** The newest headroom of each scope; undefined when the store did not answer. */
  read(scopes: readonly string[]): Promise<TeamHeadroom | undefined>;
}
