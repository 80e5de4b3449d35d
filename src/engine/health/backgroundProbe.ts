import type { ProbesConfig } from '../config/schema';
import { ProviderError } from '../errors';
import type { ProviderBreaker } from '../resilience/circuitBreaker';

export interface ProbeTarget {
  id: string;
  breaker: ProviderBreaker;
  /** Sends the provider's token-free probe; throws a classified error when it fails. */
  send(signal: AbortSignal): Promise<void>;
}

export interface ProbeOutcome {
  provider: string;
  ok: boolean;
  latencyMs: number;
  error?: unknown;
  /** The probe held the breaker's half-open slot. */
  halfOpen: boolean;
}

export interface BackgroundProbesOptions {
  /** False: nothing is ever probed (short-lived engines such as one CLI command). */
  enabled: boolean;
  targets: () => readonly ProbeTarget[];
  config: () => ProbesConfig;
  now: () => number;
  onResult: (outcome: ProbeOutcome) => void;
}

/** A probe that said nothing about the provider (no key, cancelled) is not repeated sooner than this. */
const NEUTRAL_BACKOFF_MS = 30_000;
/** While a user request holds a half-open slot, look again this soon in case it is lost. */
const BUSY_RECHECK_MS = 5_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Probes providers in the background: an open breaker as soon as its half-open time comes (the probe takes the
 * half-open slot, so no user request has to be the probe), and, with `probes.intervalMs`, every provider
 * periodically. Nothing is sent while the window is inactive unless `probes.whenIdle` is set.
 */
export class BackgroundProbes {
  private windowActive = true;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<string>();
  private readonly lastProbeAt = new Map<string, number>();
  private readonly notBefore = new Map<string, number>();
  private readonly abort = new AbortController();
  private readonly startedAt: number;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly options: BackgroundProbesOptions) {
    this.startedAt = options.now();
  }

  /** The window is focused and in use (true), or unfocused/idle (false). */
  setWindowActive(active: boolean): void {
    this.windowActive = active;
    this.reschedule();
  }

  /** Plans the next probe run; call after anything that may change when one is due (a breaker change, new config). */
  reschedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.options.enabled || this.abort.signal.aborted || !this.allowed()) return;
    const due = this.nextDue();
    if (due === undefined) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, due - this.options.now()));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.runDue().finally(() => this.reschedule());
    }, delay);
    // A pending probe must not keep a CLI process alive.
    this.timer.unref();
  }

  /** Probes every provider that is due now (and allowed); resolves when those probes are done. */
  async runDue(): Promise<void> {
    if (!this.options.enabled || !this.allowed()) return;
    const now = this.options.now();
    const cfg = this.options.config();
    await Promise.all(
      this.options.targets().map(async (t) => {
        if (this.inFlight.has(t.id) || (this.notBefore.get(t.id) ?? 0) > now) return;
        const state = t.breaker.state;
        if (state === 'half-open') {
          const permit = t.breaker.tryAcquire();
          if (!permit.ok || !permit.probe) {
            if (permit.ok) permit.release('neutral');
            return;
          }
          const outcome = await this.probe(t, true);
          permit.release(outcome.ok ? 'success' : isNeutral(outcome.error) ? 'neutral' : { error: outcome.error });
          this.options.onResult(outcome);
        } else if (state === 'closed' && cfg.intervalMs > 0 && now - (this.lastProbeAt.get(t.id) ?? this.startedAt) >= cfg.intervalMs) {
          this.options.onResult(await this.probe(t, false));
        }
      }),
    );
  }

  /** Stops planning and cancels probes in flight; waits for a running round to end. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await this.running.catch(() => undefined);
  }

  private allowed(): boolean {
    return this.windowActive || this.options.config().whenIdle;
  }

  private async probe(t: ProbeTarget, halfOpen: boolean): Promise<ProbeOutcome> {
    this.inFlight.add(t.id);
    const started = performance.now();
    try {
      await t.send(this.abort.signal);
      return { provider: t.id, ok: true, latencyMs: performance.now() - started, halfOpen };
    } catch (error) {
      if (isNeutral(error)) this.notBefore.set(t.id, this.options.now() + NEUTRAL_BACKOFF_MS);
      return { provider: t.id, ok: false, latencyMs: performance.now() - started, error, halfOpen };
    } finally {
      this.inFlight.delete(t.id);
      this.lastProbeAt.set(t.id, this.options.now());
    }
  }

  private nextDue(): number | undefined {
    const cfg = this.options.config();
    let due: number | undefined;
    const consider = (at: number) => {
      due = due === undefined ? at : Math.min(due, at);
    };
    for (const t of this.options.targets()) {
      const snap = t.breaker.snapshot();
      const backoff = this.notBefore.get(t.id) ?? 0;
      if (snap.state === 'open' && snap.openUntil !== undefined) consider(Math.max(snap.openUntil, backoff));
      else if (snap.state === 'half-open') consider(this.inFlight.has(t.id) ? this.options.now() + BUSY_RECHECK_MS : Math.max(this.options.now(), backoff));
      else if (snap.state === 'closed' && cfg.intervalMs > 0) consider((this.lastProbeAt.get(t.id) ?? this.startedAt) + cfg.intervalMs);
    }
    return due;
  }
}

function isNeutral(error: unknown): boolean {
  return !(error instanceof ProviderError) || !error.countsAgainstProvider;
}
