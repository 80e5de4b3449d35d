/** When each provider's current, unbroken spell of rate limiting began, as seen by successive looks. */
export class RateLimitWatch {
  private readonly since = new Map<string, number>();

  /** Notes whether `id` is rate-limited now; returns when the spell began, undefined when it is not limited. */
  observe(id: string, limited: boolean, now: number): number | undefined {
    if (!limited) {
      this.since.delete(id);
      return undefined;
    }
    const began = this.since.get(id) ?? now;
    this.since.set(id, began);
    return began;
  }
}
