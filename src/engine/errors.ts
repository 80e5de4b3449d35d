import type { AttemptRecord } from './types';

/**
 * Every failure the engine can see, grouped by what the router should do about it.
 * Transient classes are retried and fall back; permanent ones fall back without retry;
 * 'cancelled' is the caller's own doing and never counts against a provider.
 */
export const ERROR_CLASSES = {
  rate_limited: { transient: true, countsAgainstProvider: true },
  overloaded: { transient: true, countsAgainstProvider: true },
  server_error: { transient: true, countsAgainstProvider: true },
  timeout: { transient: true, countsAgainstProvider: true },
  connection: { transient: true, countsAgainstProvider: true },
  malformed_response: { transient: true, countsAgainstProvider: true },
  stream_cut: { transient: true, countsAgainstProvider: true },
  response_too_large: { transient: false, countsAgainstProvider: true },
  auth: { transient: false, countsAgainstProvider: true },
  quota_exceeded: { transient: false, countsAgainstProvider: true },
  bad_request: { transient: false, countsAgainstProvider: false },
  not_found: { transient: false, countsAgainstProvider: false },
  context_length: { transient: false, countsAgainstProvider: false },
  content_policy: { transient: false, countsAgainstProvider: false },
  insecure_endpoint: { transient: false, countsAgainstProvider: false },
  missing_key: { transient: false, countsAgainstProvider: false },
  cancelled: { transient: false, countsAgainstProvider: false },
} as const;

export type ErrorClass = keyof typeof ERROR_CLASSES;

export interface ProviderErrorInit {
  provider: string;
  errorClass: ErrorClass;
  message: string;
  status?: number;
  /** How long the provider asked us to wait before the next request, from its headers. */
  retryAfterMs?: number;
  /** The provider's own error type/code from its body, e.g. 'overloaded_error'. */
  providerCode?: string;
  cause?: unknown;
}

/** A classified failure of one attempt against one provider. Messages never contain keys. */
export class ProviderError extends Error {
  readonly provider: string;
  readonly errorClass: ErrorClass;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly providerCode?: string;

  constructor(init: ProviderErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ProviderError';
    this.provider = init.provider;
    this.errorClass = init.errorClass;
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
    this.providerCode = init.providerCode;
  }

  get transient(): boolean {
    return ERROR_CLASSES[this.errorClass].transient;
  }

  get countsAgainstProvider(): boolean {
    return ERROR_CLASSES[this.errorClass].countsAgainstProvider;
  }
}

/** The caller aborted the request. */
export class CancelledError extends Error {
  readonly errorClass = 'cancelled' as const;
  constructor(message = 'Request cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

/** No provider produced a complete answer; lists every attempt and why it failed. */
export class AllProvidersFailedError extends Error {
  readonly attempts: AttemptRecord[];
  /** Text already delivered to the caller before a stream broke, if any. */
  readonly partialText?: string;
  /** Epoch ms when a provider that was only momentarily unavailable (Retry-After, rate limit, open breaker) may be tried again. */
  readonly retryAt?: number;
  constructor(attempts: AttemptRecord[], partialText?: string, headline?: string, retryAt?: number) {
    super(headline ?? describeAttempts(attempts));
    this.name = 'AllProvidersFailedError';
    this.attempts = attempts;
    this.partialText = partialText;
    this.retryAt = retryAt;
  }
}

/** Refused before sending: the estimated cost would exceed a budget. */
export class BudgetExceededError extends Error {
  readonly budget: 'daily' | 'monthly';
  readonly limitUsd: number;
  readonly remainingUsd: number;
  constructor(budget: 'daily' | 'monthly', limitUsd: number, remainingUsd: number, estimateUsd: number) {
    super(
      `The ${budget} budget of $${limitUsd.toFixed(2)} would be exceeded: $${Math.max(0, remainingUsd).toFixed(4)} left, ` +
        `this request is estimated at $${estimateUsd.toFixed(4)}. Raise llmRouter.budget.${budget}Usd or wait for the next ${budget === 'daily' ? 'day' : 'month'}.`,
    );
    this.name = 'BudgetExceededError';
    this.budget = budget;
    this.limitUsd = limitUsd;
    this.remainingUsd = remainingUsd;
  }
}

/** Bad configuration; `path` names the field, e.g. `providers[1].kind`. */
export class ConfigError extends Error {
  readonly issues: { path: string; message: string }[];
  constructor(issues: { path: string; message: string }[]) {
    super(issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

function describeAttempts(attempts: AttemptRecord[]): string {
  if (attempts.length === 0) return 'No provider could be tried.';
  const lines = attempts.map((a) => {
    const why = a.outcome === 'ok' ? 'ok' : `${a.errorClass ?? a.outcome}${a.status ? ` (HTTP ${a.status})` : ''}${a.message ? `: ${a.message}` : ''}`;
    return `  - ${a.provider}: ${a.outcome} — ${why}`;
  });
  return `Every provider failed:\n${lines.join('\n')}`;
}

/** What a broken stream had already handed over, for its error message: `2 tool calls and 40 characters`. */
export function describeStreamed(toolCalls: number, characters: number): string {
  const text = `${characters} characters`;
  return toolCalls > 0 ? `${toolCalls} tool call${toolCalls === 1 ? '' : 's'} and ${text}` : text;
}
