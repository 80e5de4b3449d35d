import type { IncomingHttpHeaders, ServerResponse } from 'node:http';

/** What the official SDKs send besides the body's content type: auth, API versions and their own `x-stainless-*` telemetry. */
const DEFAULT_ALLOW_HEADERS = 'authorization, content-type, x-api-key, anthropic-version, anthropic-beta, anthropic-dangerous-direct-browser-access';
/** Response headers a page may read: who answered, the request id, and how long to wait. */
const EXPOSE_HEADERS = 'x-llm-router-provider, x-llm-router-attempts, x-llm-router-dropped-tools, x-request-id, request-id, retry-after, retry-after-ms, x-should-retry';
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;

/** Lets a listed origin read the answer and its headers (the guard has refused any other origin already). */
export function allowOrigin(res: ServerResponse, origin: string): void {
  res.setHeader('access-control-allow-origin', origin).setHeader('vary', 'origin').setHeader('access-control-expose-headers', EXPOSE_HEADERS);
}

/**
 * A preflight's answer. The headers the page asks to send are allowed as asked: the SDKs add their own
 * (`x-stainless-os`, `x-stainless-retry-count`, …) and a list of them would break with each release.
 */
export function preflight(res: ServerResponse, headers: IncomingHttpHeaders): void {
  const asked = headers['access-control-request-headers']?.trim();
  const allowHeaders = asked && HEADER_LIST.test(asked) ? asked : DEFAULT_ALLOW_HEADERS;
  res.writeHead(204, { 'access-control-allow-methods': 'GET, POST, OPTIONS', 'access-control-allow-headers': allowHeaders, 'access-control-max-age': '600', vary: 'origin, access-control-request-headers' });
  res.end();
}
