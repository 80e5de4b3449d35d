import type { ServerResponse } from 'node:http';
import type { AttemptRecord } from '../engine/types';
import type { GatewayError } from './gatewayError';

/** Attempts that reached (or tried to reach) a provider; skipped candidates are not attempts. */
export function attemptCount(attempts: readonly AttemptRecord[]): number {
  return attempts.filter((a) => a.outcome !== 'skipped').length;
}

export function routingHeaders(provider: string, attempts: number): Record<string, string> {
  return { 'x-llm-router-provider': provider, 'x-llm-router-attempts': String(attempts) };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The headers of an error answer. The engine has retried and fallen back within its request budget, so a 502 tells the
 * official SDKs not to retry on their own (`x-should-retry`), which would only multiply that. Only when every provider
 * was rate-limited and the engine knows until when is a retry worth it: then the headers say how long to wait.
 */
export function errorHeaders(err: GatewayError): Record<string, string> {
  const headers: Record<string, string> = err.attempts ? { 'x-llm-router-attempts': String(attemptCount(err.attempts)) } : {};
  if (err.retryAfterMs !== undefined) {
    headers['retry-after'] = String(Math.ceil(err.retryAfterMs / 1000));
    headers['retry-after-ms'] = String(Math.ceil(err.retryAfterMs));
    headers['x-should-retry'] = 'true';
  } else if (err.kind === 'all_failed' || err.kind === 'rate_limited') {
    headers['x-should-retry'] = 'false';
  }
  return headers;
}
