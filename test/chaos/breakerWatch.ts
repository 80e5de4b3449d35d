import type { RouterEngine } from '../../src/engine/engine';
import type { BreakerState } from '../../src/engine/resilience/circuitBreaker';
import type { ObservedDispatch } from './dispatchObserver';

export interface BreakerViolation {
  provider: string;
  state: BreakerState;
  /** How long after the transition into `state` the request went out, in ms. */
  afterMs: number;
  why: 'sent while open' | 'second request while the half-open probe was in flight';
}

interface Watched {
  state: BreakerState;
  since: number;
  /** Attempts admitted just before the breaker opened still go out in the same microtask run; this marks that run. */
  grace: boolean;
  /** The request let through while half-open; another may follow only once it has finished (a cancelled probe frees the slot). */
  probe?: ObservedDispatch;
}

/**
 * Follows every breaker transition the engine announces and judges each request as it is dispatched:
 * nothing may go to an open (or isolated) breaker, and a half-open breaker lets one probe at a time through.
 */
export class BreakerWatch {
  readonly violations: BreakerViolation[] = [];
  readonly transitions: Record<string, number> = {};
  /** The latest transitions, oldest first, for explaining a failure. */
  readonly recent: string[] = [];
  probes = 0;
  private readonly byProvider = new Map<string, Watched>();
  private readonly unsubscribe: () => void;

  constructor(engine: Pick<RouterEngine, 'onEvent'>) {
    this.unsubscribe = engine.onEvent((e) => {
      if (e.type !== 'breaker') return;
      const w = this.watched(e.provider);
      w.state = e.to;
      w.since = performance.now();
      w.probe = undefined;
      this.transitions[`${e.from}→${e.to}`] = (this.transitions[`${e.from}→${e.to}`] ?? 0) + 1;
      this.recent.push(`${w.since.toFixed(0)} ${e.provider} ${e.from}→${e.to} (${e.reason})`);
      if (this.recent.length > 40) this.recent.shift();
      if (e.to === 'open' || e.to === 'isolated') {
        w.grace = true;
        setImmediate(() => {
          w.grace = false;
        });
      }
    });
  }

  onDispatch(d: ObservedDispatch): void {
    const w = this.watched(d.provider);
    if (w.state === 'open' || w.state === 'isolated') {
      if (!w.grace) this.violations.push({ provider: d.provider, state: w.state, afterMs: d.at - w.since, why: 'sent while open' });
      return;
    }
    if (w.state !== 'half-open') return;
    if (w.probe && w.probe.settledAt === undefined) {
      this.violations.push({ provider: d.provider, state: w.state, afterMs: d.at - w.since, why: 'second request while the half-open probe was in flight' });
      return;
    }
    w.probe = d;
    this.probes++;
  }

  stop(): void {
    this.unsubscribe();
  }

  private watched(provider: string): Watched {
    let w = this.byProvider.get(provider);
    if (!w) this.byProvider.set(provider, (w = { state: 'closed', since: performance.now(), grace: false }));
    return w;
  }
}
