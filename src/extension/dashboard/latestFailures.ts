import type { EngineEventListener } from '../../engine/events';

export interface FailureSeen {
  errorClass: string;
  at: number;
}

/**
 * Each provider's newest failed request, kept from activation on. The breaker's last error misses failures that do
 * not count against a provider (a missing key, a 404) and those that end while it is open, so it goes stale.
 */
export class LatestFailures {
  private readonly byProvider = new Map<string, FailureSeen>();
  private readonly unsubscribe: () => void;

  constructor(events: { onEvent(listener: EngineEventListener): () => void }) {
    this.unsubscribe = events.onEvent((e) => {
      if (e.type === 'request-finished' && e.outcome === 'error' && e.errorClass !== 'cancelled') this.byProvider.set(e.provider, { errorClass: e.errorClass ?? 'connection', at: e.at });
    });
  }

  of(provider: string): FailureSeen | undefined {
    return this.byProvider.get(provider);
  }

  dispose(): void {
    this.unsubscribe();
  }
}
