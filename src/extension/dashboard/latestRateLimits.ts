import type { EngineEventListener } from '../../engine/events';
import type { RateLimitSnapshot } from '../../engine/http/rateLimitHeaders';

/** The rate-limit headers of each provider's last response, kept from activation on. */
export class LatestRateLimits {
  private readonly byProvider = new Map<string, RateLimitSnapshot>();
  private readonly unsubscribe: () => void;

  constructor(events: { onEvent(listener: EngineEventListener): () => void }) {
    this.unsubscribe = events.onEvent((e) => {
      if (e.type === 'rate-limit' && e.snapshot) this.byProvider.set(e.provider, e.snapshot);
    });
  }

  of(provider: string): RateLimitSnapshot | undefined {
    return this.byProvider.get(provider);
  }

  dispose(): void {
    this.unsubscribe();
  }
}
