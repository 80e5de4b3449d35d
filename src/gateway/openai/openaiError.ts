import type { GatewayError, GatewayErrorKind } from '../gatewayError';

const ERROR_NAMES: Record<GatewayErrorKind, { type: string; code: string }> = {
  invalid_request: { type: 'invalid_request_error', code: 'invalid_request' },
  unauthorized: { type: 'invalid_request_error', code: 'invalid_api_key' },
  budget: { type: 'insufficient_quota', code: 'insufficient_quota' },
  forbidden: { type: 'invalid_request_error', code: 'forbidden' },
  not_found: { type: 'invalid_request_error', code: 'not_found' },
  model_not_found: { type: 'invalid_request_error', code: 'model_not_found' },
  too_large: { type: 'invalid_request_error', code: 'request_too_large' },
  rate_limited: { type: 'requests', code: 'rate_limit_exceeded' },
  request_refused: { type: 'invalid_request_error', code: 'invalid_request' },
  context_length: { type: 'invalid_request_error', code: 'context_length_exceeded' },
  internal: { type: 'server_error', code: 'internal_error' },
  all_failed: { type: 'server_error', code: 'all_providers_failed' },
};

/** OpenAI's error body, the same for Chat Completions and Responses; a 502 adds the attempts. */
export function openaiErrorBody(err: GatewayError): { error: Record<string, unknown> } {
  const { type, code } = ERROR_NAMES[err.kind];
  return { error: { message: err.message, type, code, param: err.field ?? null, ...(err.attempts ? { attempts: err.attempts } : {}) } };
}
