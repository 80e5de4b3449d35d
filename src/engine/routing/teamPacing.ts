import type { RateLimitSnapshot } from '../http/rateLimitHeaders';

/** A team's answer to a request for a `limits.rpm`/`tpm` slot: taken, or which limit is full until when. */
export type TeamSlot = { ok: true } | { ok: false; until: number; limitedBy: 'rpm' | 'tpm' };

/** What the other members of a team told about rate limits, read just before routing. */
export interface TeamPacingView {
  /** The newest headroom announced to any member, per pacing scope (provider, model and key slot). */
  announced: Map<string, { observedAt: number; snapshot: RateLimitSnapshot }>;
  /** Requests the other members sent inside the `limits.rpm` / `limits.tpm` window, per provider. */
  sent: Map<string, Array<{ at: number; tokens: number }>>;
}

/**
 * Rate limits counted team-wide (`sharedState.share` has "rateLimits"). Writes are fire-and-forget: a slow or dead
 * store never delays a request; the read before routing is the one awaited call, and it gives up with the store.
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
  read(scopes: readonly string[], limitedProviders: readonly string[], now: number): Promise<TeamPacingView | undefined>;
}
