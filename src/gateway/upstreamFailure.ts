import type { AllProvidersFailedError } from '../engine/errors';
import type { AttemptRecord } from '../engine/types';
import type { GatewayErrorKind } from './gatewayError';

/** Why a provider was not asked or refused: its rate limits, not the request. */
const RATE_LIMIT_CLASSES = new Set(['rate_limited', 'rate_limit_headroom', 'client_rate_limit']);
/** The provider refused the request itself: sending it again, anywhere, gets the same answer. */
const REQUEST_FAULT_CLASSES = new Set(['bad_request', 'context_length', 'content_policy']);
/** No provider was asked because none can serve what the request needs. */
const CAPABILITY_GAPS = new Set(['no_tool_support', 'no_image_support', 'no_structured_output', 'context_too_long']);
const CONTEXT_CLASSES = new Set(['context_length', 'context_too_long']);

export interface UpstreamFailure {
  kind: GatewayErrorKind;
  /** How long a client should wait before sending it again, when the engine knows. */
  retryAfterMs?: number;
}

/**
 * What a client should make of a request no provider answered. The engine has already retried and fallen back
 * within its request budget, so only a rate limit is worth the client's own retry (after the wait); a request
 * every asked provider refused is the client's to change (400); anything else is a 502.
 */
export function classifyUpstreamFailure(err: AllProvidersFailedError, now = Date.now()): UpstreamFailure {
  const attempts = err.attempts.filter((a) => a.errorClass !== 'cancelled');
  const errors = attempts.filter((a) => a.outcome === 'error');
  if (err.partialText === undefined && attempts.length > 0) {
    if (attempts.every((a) => RATE_LIMIT_CLASSES.has(a.errorClass ?? ''))) {
      return { kind: 'rate_limited', ...(err.retryAt !== undefined && err.retryAt > now ? { retryAfterMs: err.retryAt - now } : {}) };
    }
    const refused = errors.length > 0 ? errors : attempts;
    const faults = errors.length > 0 ? REQUEST_FAULT_CLASSES : CAPABILITY_GAPS;
    if (refused.every((a) => faults.has(a.errorClass ?? ''))) return { kind: refused.every(isContext) ? 'context_length' : 'request_refused' };
  }
  return { kind: 'all_failed' };
}

function isContext(a: AttemptRecord): boolean {
  return CONTEXT_CLASSES.has(a.errorClass ?? '');
}
