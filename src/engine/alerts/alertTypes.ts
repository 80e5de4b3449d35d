export const ALERT_KINDS = ['error-rate', 'latency', 'breaker-open', 'rate-limited', 'budget-warning', 'budget-exhausted'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** One condition that holds now; it raises one alert when it starts and none again until it clears. */
export interface Alert {
  /** The condition, stable while it holds: `<kind>:<provider or budget>`, e.g. `breaker-open:groq`, `budget-warning:daily`. */
  id: string;
  kind: AlertKind;
  /** The provider it is about; absent for budget alerts. */
  provider?: string;
  /** One line a person can act on. */
  message: string;
  /** Epoch ms when the condition started (kept across restarts while it holds). */
  since: number;
}
