import type { ProviderBreaker } from './circuitBreaker';
import { ProviderCooldowns } from './cooldown';

/**
 * Breakers and Retry-After waits shared with other processes (a team). The breaker state machine stays local;
 * this only brings in what others learnt before a request and hands out the one half-open probe team-wide.
 */
export interface ResilienceSync {
  /** The Retry-After waits the router honours: each one learnt here is published, each one published is adopted. */
  readonly cooldowns: ProviderCooldowns;
  /** Adopts newer breakers and later cooldowns from others; a provider whose probe another member holds cools down here. */
  beforeRouting(breakers: readonly ProviderBreaker[]): Promise<ProbeLeases>;
}

/** Half-open probes this process may send; released once the request is done. */
export interface ProbeLeases {
  release(): Promise<void>;
}

/** Cooldowns that publish every Retry-After they learn, and adopt others' without publishing them back. */
export class SharedCooldowns extends ProviderCooldowns {
  constructor(
    now: () => number,
    private readonly publish: (provider: string, untilEpochMs: number) => void,
  ) {
    super(now);
  }

  override set(id: string, untilEpochMs: number): void {
    const before = this.until(id);
    super.set(id, untilEpochMs);
    if (this.until(id) !== before) this.publish(id, untilEpochMs);
  }

  /** A cooldown another member published. */
  adopt(id: string, untilEpochMs: number): void {
    super.set(id, untilEpochMs);
  }
}
