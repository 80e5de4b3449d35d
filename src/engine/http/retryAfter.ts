import type { ResponseHeaders } from '../providers/adapter';

export function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const v = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * How long the provider asked us to wait, in ms: `retry-after-ms` (OpenAI, Anthropic) wins over
 * `retry-after` (seconds or an HTTP date). Undefined when absent or unparseable.
 */
export function retryAfterMsFromHeaders(headers: ResponseHeaders, now = Date.now()): number | undefined {
  const ms = headerValue(headers, 'retry-after-ms');
  if (ms !== undefined && ms.trim() !== '') {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return n;
  }
  const ra = headerValue(headers, 'retry-after');
  if (ra === undefined || ra.trim() === '') return undefined;
  const secs = Number(ra);
  if (Number.isFinite(secs)) return secs >= 0 ? secs * 1000 : undefined;
  const date = Date.parse(ra);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
