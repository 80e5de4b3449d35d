import { ProviderError } from '../errors';
import type { ProviderEndpoint } from './adapter';
import { isRecord, providerMessage, type JsonRecord } from './wireText';

/** The wire-body fields an adapter builds from the request itself, each with the ChatRequest field it comes from. */
export type OwnedFields = Readonly<Record<string, 'model' | 'messages' | 'system' | 'stream'>>;

const SET_INSTEAD: Record<OwnedFields[string], string> = {
  model: "the request's model (or the provider's configured one)",
  messages: "the request's messages",
  system: "the request's system prompt",
  stream: "the request's stream flag",
};

/**
 * The one rule for `ChatRequest.providerOptions`, the same in every adapter:
 * - they are fields of the provider's own wire body, merged over the body the adapter built from the request,
 *   so they win over the mapped parameters (e.g. Anthropic `max_tokens` over `maxTokens`);
 * - a plain object merges key by key into the object already there, at any depth (Gemini `generationConfig`,
 *   Ollama `options`); `null` removes a field (OpenAI `stream_options` for a server that rejects it);
 *   any other value replaces it;
 * - a field the router owns (the adapter's `owned` table: model, messages, stream, system…) cannot be set:
 *   the attempt fails before anything is sent with a bad_request error naming the field, and the router
 *   falls back as for any other refused request.
 */
export function applyProviderOptions(body: JsonRecord, options: JsonRecord | undefined, owned: OwnedFields, ep: ProviderEndpoint): JsonRecord {
  if (options === undefined) return body;
  for (const field of Object.keys(options)) {
    if (Object.hasOwn(owned, field)) throw ownedFieldError(field, owned[field], ep);
  }
  return mergeInto(body, options);
}

function mergeInto(target: JsonRecord, extra: JsonRecord): JsonRecord {
  for (const [key, value] of Object.entries(extra)) {
    if (value === null) {
      delete target[key];
      continue;
    }
    // Own properties only, so a "__proto__" key from JSON.parse stays a plain field and never reaches a prototype.
    const current = Object.hasOwn(target, key) ? target[key] : undefined;
    const merged = isRecord(value) ? mergeInto(isRecord(current) ? current : {}, value) : value;
    Object.defineProperty(target, key, { value: merged, enumerable: true, writable: true, configurable: true });
  }
  return target;
}

function ownedFieldError(field: string, source: OwnedFields[string], ep: ProviderEndpoint): ProviderError {
  return new ProviderError({
    provider: ep.id,
    errorClass: 'bad_request',
    message: providerMessage(ep, `providerOptions.${field} cannot be set`, `the router builds it from ${SET_INSTEAD[source]}; remove it from providerOptions`),
  });
}
