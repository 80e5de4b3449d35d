import { ChatInputError } from '../engine/chatInput/chatInputError';
import { AllProvidersFailedError, BudgetExceededError } from '../engine/errors';
import type { AttemptRecord } from '../engine/types';
import { classifyUpstreamFailure } from './upstreamFailure';

/** What went wrong, independent of which API the client speaks; each dialect names it in its own words. */
export type GatewayErrorKind =
  | 'invalid_request'
  | 'unauthorized'
  | 'budget'
  | 'forbidden'
  | 'not_found'
  | 'model_not_found'
  | 'too_large'
  | 'rate_limited'
  | 'request_refused'
  | 'context_length'
  | 'internal'
  | 'all_failed';

const STATUS: Record<GatewayErrorKind, number> = {
  invalid_request: 400,
  unauthorized: 401,
  budget: 402,
  forbidden: 403,
  not_found: 404,
  model_not_found: 404,
  too_large: 413,
  // Still "every provider failed" (502), the status clients are told to expect; the headers say when to try again.
  rate_limited: 502,
  request_refused: 400,
  context_length: 400,
  internal: 500,
  all_failed: 502,
};

export interface GatewayErrorDetails {
  /** The engine's attempts, for errors that come from providers. */
  attempts?: readonly AttemptRecord[];
  /** How long the client should wait before trying again (every provider rate-limited). */
  retryAfterMs?: number;
  /** The request field at fault, e.g. `messages[2].content` (OpenAI's `param`). */
  field?: string;
}

export class GatewayError extends Error {
  readonly status: number;
  readonly attempts?: readonly AttemptRecord[];
  readonly retryAfterMs?: number;
  readonly field?: string;
  constructor(
    readonly kind: GatewayErrorKind,
    message: string,
    details: GatewayErrorDetails = {},
  ) {
    super(message);
    this.name = 'GatewayError';
    this.status = STATUS[kind];
    this.attempts = details.attempts;
    this.retryAfterMs = details.retryAfterMs;
    this.field = details.field;
  }
}

/** Engine failures as gateway errors; anything unexpected becomes a 500 that says nothing internal. */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof ChatInputError) return invalidField(err.field, err.detail);
  if (err instanceof BudgetExceededError) return new GatewayError('budget', err.message);
  if (err instanceof AllProvidersFailedError) {
    const attempts = err.attempts.map((a) => ({ ...a, latencyMs: Math.round(a.latencyMs * 10) / 10 }));
    const { kind, retryAfterMs } = classifyUpstreamFailure(err);
    return new GatewayError(kind, err.message, { attempts, retryAfterMs });
  }
  return new GatewayError('internal', 'The gateway failed unexpectedly; see its log (stderr).');
}

/** 400 naming the field, e.g. `messages[2].content`. */
export function invalidField(field: string, problem: string): GatewayError {
  return new GatewayError('invalid_request', `${field}: ${problem}`, { field });
}
