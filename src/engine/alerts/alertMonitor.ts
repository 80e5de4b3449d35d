import type { AlertsConfig } from '../config/schema';
import { SerialQueue } from '../state/backgroundSave';
import type { StateStore } from '../state/stateStore';
import { currentConditions, type AlertInputs } from './alertConditions';
import { alertsDocument } from './alertsDocument';
import type { Alert } from './alertTypes';

export type AlertChange = { change: 'raised' | 'cleared'; alert: Alert };

export interface AlertMonitorOptions {
  store?: StateStore;
  onChange: (change: AlertChange) => void;
}

/**
 * The active alerts: each condition raises one alert when it starts and clears it when it stops (hysteresis in
 * currentConditions). The active set is saved as a state document, so a restart keeps an alert, and its `since`,
 * while its condition still holds, and raises it again for nobody.
 */
export class AlertMonitor {
  private active = new Map<string, Alert>();
  private readonly queue = new SerialQueue();

  constructor(private readonly options: AlertMonitorOptions) {}

  /** Adopts the alerts saved by the last evaluation (of any process); the next evaluate() keeps those that still hold. */
  async load(): Promise<void> {
    if (!this.options.store) return;
    const saved = await this.queue.run(() => (this.options.store as StateStore).read(alertsDocument));
    for (const alert of saved) if (!this.active.has(alert.id)) this.active.set(alert.id, alert);
  }

  /** Raises the conditions that started, clears those that stopped, and returns the active alerts (oldest first). */
  evaluate(config: AlertsConfig, warnAtPercent: number, inputs: Omit<AlertInputs, 'active'>): Alert[] {
    const holding = currentConditions(config, warnAtPercent, { ...inputs, active: new Set(this.active.keys()) });
    const next = new Map<string, Alert>();
    const raised: Alert[] = [];
    for (const c of holding) {
      const before = this.active.get(c.id);
      const alert = before ?? { ...c, since: inputs.now };
      if (!before) raised.push(alert);
      next.set(c.id, alert);
    }
    const cleared = [...this.active.values()].filter((a) => !next.has(a.id));
    this.active = next;
    if (raised.length > 0 || cleared.length > 0) this.save();
    for (const alert of cleared) this.options.onChange({ change: 'cleared', alert });
    for (const alert of raised) this.options.onChange({ change: 'raised', alert });
    return this.list();
  }

  list(): Alert[] {
    return [...this.active.values()].sort((a, b) => a.since - b.since || a.id.localeCompare(b.id)).map((a) => ({ ...a }));
  }

  /** Waits for the saves started so far; never rejects (the store has warned). */
  flush(): Promise<void> {
    return this.queue.run(async () => undefined);
  }

  private save(): void {
    const store = this.options.store;
    if (!store) return;
    const alerts = this.list();
    void this.queue.run(() => store.update(alertsDocument, () => alerts)).catch(() => undefined);
  }
}
