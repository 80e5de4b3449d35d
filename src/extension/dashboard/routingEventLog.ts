import type { EngineEvent, EngineEventListener } from '../../engine/events';
import type { LogEventDto } from './protocol';

const DEFAULT_CAPACITY = 300;

/** The engine event as the dashboard's event log shows it; undefined for events the log does not list. */
function toLogEvent(e: EngineEvent, id: number): LogEventDto | undefined {
  switch (e.type) {
    case 'fallback':
      return { kind: 'fallback', id, at: e.at, from: e.from, to: e.to, errorClass: e.errorClass };
    case 'breaker':
      return { kind: 'breaker', id, at: e.at, provider: e.provider, from: e.from, to: e.to, reason: e.reason };
    case 'budget-warning':
      return { kind: 'budget', id, at: e.at, budget: e.budget, spentUsd: e.spentUsd, limitUsd: e.limitUsd, percent: e.percent };
    case 'request-finished':
      // The caller cancelling is not a routing problem.
      if (e.outcome !== 'error' || e.errorClass === 'cancelled') return undefined;
      return { kind: 'failure', id, at: e.at, provider: e.provider, model: e.model.slice(0, 256), errorClass: e.errorClass ?? 'connection', latencyMs: Math.max(0, e.latencyMs) };
    default:
      return undefined;
  }
}

/**
 * Recent routing events, kept from activation on so the dashboard shows what happened before it was opened.
 * Ids increase by one per kept event, so a reader asks for everything after the last id it saw.
 */
export class RoutingEventLog {
  private items: LogEventDto[] = [];
  private nextId = 1;
  private readonly unsubscribe: () => void;

  constructor(
    events: { onEvent(listener: EngineEventListener): () => void },
    private readonly capacity = DEFAULT_CAPACITY,
  ) {
    this.unsubscribe = events.onEvent((e) => {
      const item = toLogEvent(e, this.nextId);
      if (!item) return;
      this.nextId++;
      this.items.push(item);
      if (this.items.length > this.capacity) this.items.splice(0, this.items.length - this.capacity);
    });
  }

  /** Id of the newest event, 0 when there is none. */
  get lastId(): number {
    return this.nextId - 1;
  }

  /** Kept events newer than `id`, oldest first (all of them for 0). */
  after(id: number, max = this.capacity): LogEventDto[] {
    const newer = this.items.filter((e) => e.id > id);
    return newer.length > max ? newer.slice(newer.length - max) : newer;
  }

  dispose(): void {
    this.unsubscribe();
  }
}
