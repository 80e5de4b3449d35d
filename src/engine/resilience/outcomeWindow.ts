/** Most buckets a window is split into: the window's edge is then accurate to 1/40 of its length. */
export const MAX_WINDOW_BUCKETS = 40;

/** One persisted bucket: [start epoch ms, successes, failures]. */
export type WindowBucket = [startMs: number, ok: number, failed: number];

/**
 * Success and failure counts over a sliding time window, kept in a fixed ring of time buckets with running
 * totals, so recording an outcome is O(1) and memory does not depend on the request rate. A bucket counts while
 * its start is inside the window, so an outcome is forgotten between `windowMs - bucketMs` and `windowMs` later.
 */
export class OutcomeWindow {
  readonly windowMs: number;
  readonly bucketMs: number;
  /** Ring capacity; fixed for the life of the window. */
  readonly bucketCount: number;
  private readonly ok: Float64Array;
  private readonly failed: Float64Array;
  /** Bucket number (start / bucketMs) each slot holds; NaN = never used. */
  private readonly held: Float64Array;
  /** Lowest bucket number still counted; every counted bucket is below `oldest + bucketCount`. */
  private oldest = -Infinity;
  private totalCount = 0;
  private failureCount = 0;

  constructor(windowMs: number) {
    this.windowMs = Math.max(1, Math.ceil(windowMs));
    this.bucketMs = Math.max(1, Math.ceil(this.windowMs / MAX_WINDOW_BUCKETS));
    this.bucketCount = Math.ceil(this.windowMs / this.bucketMs);
    this.ok = new Float64Array(this.bucketCount);
    this.failed = new Float64Array(this.bucketCount);
    this.held = new Float64Array(this.bucketCount).fill(NaN);
  }

  /** Outcomes in the window as of the last `expire`/`add`. */
  get total(): number {
    return this.totalCount;
  }

  get failures(): number {
    return this.failureCount;
  }

  add(now: number, failed: boolean): void {
    this.addCounts(now, failed ? 0 : 1, failed ? 1 : 0);
  }

  /** Drops buckets that started at or before `now - windowMs`. */
  expire(now: number): void {
    const firstLive = Math.floor((now - this.windowMs) / this.bucketMs) + 1;
    if (firstLive <= this.oldest) return;
    if (firstLive - this.oldest >= this.bucketCount) {
      for (let slot = 0; slot < this.bucketCount; slot++) {
        if (this.held[slot] < firstLive) this.clearSlot(slot);
      }
    } else {
      for (let n = this.oldest; n < firstLive; n++) {
        const slot = this.slotOf(n);
        if (this.held[slot] === n) this.clearSlot(slot);
      }
    }
    this.oldest = firstLive;
  }

  clear(): void {
    this.ok.fill(0);
    this.failed.fill(0);
    this.held.fill(NaN);
    this.oldest = -Infinity;
    this.totalCount = 0;
    this.failureCount = 0;
  }

  /** Non-empty counted buckets, oldest first. */
  buckets(): WindowBucket[] {
    const out: WindowBucket[] = [];
    for (let slot = 0; slot < this.bucketCount; slot++) {
      if (this.ok[slot] + this.failed[slot] > 0) out.push([this.held[slot] * this.bucketMs, this.ok[slot], this.failed[slot]]);
    }
    return out.sort((a, b) => a[0] - b[0]);
  }

  /** Replaces the contents with buckets of any size (re-bucketed by start time), then expires as of `now`. */
  load(buckets: readonly WindowBucket[], now: number): void {
    this.clear();
    for (const [start, ok, failed] of [...buckets].sort((a, b) => a[0] - b[0])) this.addCounts(start, ok, failed);
    this.expire(now);
  }

  private addCounts(at: number, ok: number, failed: number): void {
    this.expire(at);
    // A clock that stepped back files the outcome in the oldest counted bucket rather than an expired one.
    const n = Math.max(Math.floor(at / this.bucketMs), this.oldest);
    const slot = this.slotOf(n);
    if (this.held[slot] !== n) {
      this.clearSlot(slot);
      this.held[slot] = n;
    }
    this.ok[slot] += ok;
    this.failed[slot] += failed;
    this.totalCount += ok + failed;
    this.failureCount += failed;
  }

  private clearSlot(slot: number): void {
    this.totalCount -= this.ok[slot] + this.failed[slot];
    this.failureCount -= this.failed[slot];
    this.ok[slot] = 0;
    this.failed[slot] = 0;
    this.held[slot] = NaN;
  }

  private slotOf(n: number): number {
    const r = n % this.bucketCount;
    return r < 0 ? r + this.bucketCount : r;
  }
}
