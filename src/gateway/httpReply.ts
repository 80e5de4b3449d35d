import type { ServerResponse } from 'node:http';
import type { AttemptRecord } from '../engine/types';

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
