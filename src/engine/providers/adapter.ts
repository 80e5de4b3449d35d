import type { ProviderError } from '../errors';
import type { OwnedFields } from './providerOptions';
import type { ChatRequest, ParsedCompletion, ProviderKind, StreamEvent } from '../types';

/** Header values as undici returns them. */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** One resolved provider endpoint: config plus the key found for it (never logged). */
export interface ProviderEndpoint {
  id: string;
  kind: ProviderKind;
  /** Without a trailing slash. For openai kinds it ends in /v1. */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Extra headers from config (e.g. OpenRouter's HTTP-Referer). */
  headers?: Record<string, string>;
  /** The provider's `promptCaching` setting: false means send no cache breakpoints or cache key. */
  promptCaching?: boolean;
}

export interface HttpRequestSpec {
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A GET that spends no tokens (the provider's models list), for background health probes. */
export interface ProbeRequestSpec {
  url: string;
  headers: Record<string, string>;
}

/** One framed unit of a stream: an SSE event (event name may be absent) or one NDJSON line (data only). */
export interface FramedEvent {
  event?: string;
  data: string;
}

/**
 * Translates ChatRequest ⇄ one provider's wire protocol. Adapters are pure: no I/O, no timers.
 * The shared transport does HTTP, framing, timeouts and size caps; the router does retries and fallback.
 */
export interface ProviderAdapter {
  readonly kind: ProviderKind;
  readonly defaultBaseUrl: string;
  /** Whether a request without a key is pointless (Ollama needs none). */
  readonly requiresKey: boolean;
  readonly streamFraming: 'sse' | 'ndjson';
  /** Wire-body fields built from the request that providerOptions cannot set (see providerOptions.ts). */
  readonly ownedFields: OwnedFields;
  buildRequest(req: ChatRequest, ep: ProviderEndpoint, stream: boolean): HttpRequestSpec;
  /** The token-free request a background health probe sends. */
  buildProbe(ep: ProviderEndpoint): ProbeRequestSpec;
  /** Parses a 2xx JSON body; throws ProviderError('malformed_response' or the provider's in-body error). */
  parseCompletion(body: unknown, ep: ProviderEndpoint): ParsedCompletion;
  /** Parses one framed stream event; may return several events or none (e.g. ping); throws ProviderError on in-stream errors. */
  parseStreamEvent(ev: FramedEvent, ep: ProviderEndpoint): StreamEvent[];
  /** Classifies a non-2xx response from its status, body text and headers (Retry-After etc.). */
  parseError(status: number, bodyText: string, headers: ResponseHeaders, ep: ProviderEndpoint): ProviderError;
}
