import { ProviderError } from '../errors';
import type { FinishReason } from '../types';
import type { ProviderEndpoint } from './adapter';
import { malformedResponse, providerMessage } from './wireText';

/**
 * Why a complete 2xx answer is not an answer, or undefined when it is one. Without text it must say why
 * it stopped: with no finish reason either (OpenAI's `choices: []` from a gateway) it is malformed, and
 * with only a content-filter stop it is the provider's refusal; either way the router falls back.
 */
export function emptyAnswerError(ep: ProviderEndpoint, text: string, finish: FinishReason | undefined, toolCalls = 0): ProviderError | undefined {
  if (text !== '' || toolCalls > 0) return undefined;
  if (finish === undefined) return malformedResponse(ep, 'an answer with no text and no finish reason (no choice or candidate)');
  if (finish !== 'content_filter') return undefined;
  return new ProviderError({
    provider: ep.id,
    errorClass: 'content_policy',
    providerCode: 'content_filter',
    message: providerMessage(ep, 'its content filter withheld the whole answer'),
  });
}
