import { ProviderError } from '../errors';
import type { ChatRequest } from '../types';
import type { ProviderEndpoint } from './adapter';
import { providerMessage } from './wireText';

/**
 * For adapters that translate text chat only so far: a request with tools, images, tool messages or
 * structured output fails before anything is sent (bad_request naming what), and the router falls back.
 */
export function refuseBeyondText(req: ChatRequest, ep: ProviderEndpoint): void {
  const what = beyondText(req);
  if (what === undefined) return;
  throw new ProviderError({
    provider: ep.id,
    errorClass: 'bad_request',
    message: providerMessage(ep, `this adapter does not translate ${what} yet`, 'route the request to an OpenAI or Anthropic provider'),
  });
}

function beyondText(req: ChatRequest): string | undefined {
  if (req.tools && req.tools.length > 0) return 'tools';
  if (req.responseFormat) return 'structured output (responseFormat)';
  for (const m of req.messages) {
    if (m.role === 'tool') return 'tool results';
    if (typeof m.content === 'string') continue;
    for (const p of m.content) if (p.type !== 'text' && p.type !== 'reasoning') return `${p.type} parts`;
  }
  return undefined;
}
