import { effectiveBaseUrl } from '../engine/providers/registry';
import type { FailureFacts } from '../engine/failureAdvice';
import type { AttemptRecord } from '../engine/types';
import { readSettings } from './settings';

/** The failed attempts of a request with each provider's kind and host from the settings, for adviseAttempts. */
export function failureFacts(attempts: readonly AttemptRecord[]): FailureFacts[] {
  const settings = readSettings();
  const providers = settings.ok ? settings.config.providers : [];
  return attempts
    .filter((a) => a.outcome !== 'ok')
    .map((a) => {
      const p = providers.find((c) => c.id === a.provider);
      return { provider: a.provider, errorClass: a.errorClass ?? a.outcome, status: a.status, message: a.message, kind: p?.kind, baseUrl: p ? effectiveBaseUrl(p) : undefined };
    });
}
