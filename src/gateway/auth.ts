import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from './gatewayError';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Accepts `Authorization: Bearer T` or `x-api-key: T`; compares fixed-length digests in constant time. */
export function createTokenCheck(token: string): (headers: IncomingHttpHeaders) => void {
  const expected = digest(token);
  const matches = (presented: string | undefined): boolean => presented !== undefined && timingSafeEqual(digest(presented), expected);
  return (headers) => {
    const auth = headers.authorization;
    const bearer = auth && /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '').trim() : undefined;
    const apiKey = typeof headers['x-api-key'] === 'string' ? headers['x-api-key'].trim() : undefined;
    if (bearer === undefined && apiKey === undefined) {
      throw new GatewayError('unauthorized', 'Missing gateway token: send it as "Authorization: Bearer <token>" or "x-api-key: <token>" (the token llm-router serve printed or keeps in its state dir; in VS Code, run \'LLM Router: Copy Gateway Connection\').');
    }
    if (!matches(bearer) && !matches(apiKey)) throw new GatewayError('unauthorized', 'Wrong gateway token.');
  };
}
