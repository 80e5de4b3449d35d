import type { AttemptRecord } from '../types';
import type { LastOutcome } from './providerHealth';

/** Per provider: its latest finished attempt, and whether it has ever answered. What health needs beyond the breaker. */
export class ProviderOutcomes {
  private readonly last = new Map<string, LastOutcome>();
  private readonly answered = new Set<string>();
  private readonly lastAnswer = new Map<string, number>();

  /** Skipped attempts and cancellations say nothing about the provider, so they leave its record alone. */
  record(attempt: AttemptRecord, at: number): void {
    if (attempt.outcome === 'skipped' || attempt.errorClass === 'cancelled') return;
    if (attempt.outcome === 'ok') {
      this.last.set(attempt.provider, { ok: true, at });
      this.lastAnswer.set(attempt.provider, at);
      this.answered.add(attempt.provider);
    } else {
      this.last.set(attempt.provider, { ok: false, at, errorClass: attempt.errorClass ?? 'connection', message: attempt.message });
    }
  }

  /** Providers known (e.g. from persisted metrics) to have answered before this process started. */
  markAnswered(providers: Iterable<string>): void {
    for (const id of providers) this.answered.add(id);
  }

  /** Forgets a failure (the user reset the breaker): its latest outcome is its last answer again, if any. */
  forgetFailure(provider: string): void {
    if (this.last.get(provider)?.ok !== false) return;
    const at = this.lastAnswer.get(provider);
    if (at === undefined) this.last.delete(provider);
    else this.last.set(provider, { ok: true, at });
  }

  lastOutcome(provider: string): LastOutcome | undefined {
    return this.last.get(provider);
  }

  everAnswered(provider: string): boolean {
    return this.answered.has(provider);
  }
}
