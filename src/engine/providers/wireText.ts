import { ProviderError, type ErrorClass } from '../errors';
import { retryAfterMsFromHeaders } from '../http/retryAfter';
import type { Usage } from '../types';
import type { ProviderEndpoint, ResponseHeaders } from './adapter';

/** Small pure helpers the provider adapters share for reading wire JSON and writing safe error messages. */

export type JsonRecord = Record<string, unknown>;

/** The longest provider-supplied detail most adapters put into an error message. */
const DEFAULT_DETAIL_CHARS = 200;

export function isRecord(v: unknown): v is JsonRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A token count as reported on the wire, or undefined when it is not a usable non-negative number. */
export function tokenCount(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** The counts a provider reported (undefined ones left out), or undefined when it reported none. */
export function reportedUsage(counts: { [K in keyof Usage]?: number | null }): Partial<Usage> | undefined {
  const usage: Partial<Usage> = {};
  for (const [field, value] of Object.entries(counts) as [keyof Usage, number | null | undefined][]) {
    if (typeof value === 'number') usage[field] = value;
  }
  return Object.keys(usage).length > 0 ? usage : undefined;
}

export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Parses one stream frame or line; anything that is not JSON is a malformed response described by `what`. */
export function parseJsonFrame(data: string, ep: ProviderEndpoint, what: string): unknown {
  try {
    return JSON.parse(data);
  } catch (err) {
    throw malformedResponse(ep, what, err);
  }
}

/** Providers sometimes echo the key back (e.g. "invalid key sk-…"); it must never reach a message or log. */
function redactKey(text: string, key: string | undefined): string {
  return key ? text.split(key).join('[redacted]') : text;
}

/** Collapses whitespace to one line and cuts it to at most `max` characters. */
function capMessage(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Provider-supplied text made fit for an error message: key removed, one line, capped. */
export function safeDetail(text: string, ep: ProviderEndpoint, max = DEFAULT_DETAIL_CHARS): string {
  return capMessage(redactKey(text, ep.apiKey), max);
}

/**
 * The readable part of an error body that is not the provider's JSON (a proxy's or CDN's HTML page,
 * plain text): an HTML page's <title> when it has one, otherwise the text without markup.
 */
export function describeNonJsonBody(text: string): string {
  const trimmed = text.trim();
  if (trimmed.startsWith('<')) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(trimmed)?.[1]?.trim();
    if (title) return title;
  }
  return trimmed.replace(/<[^>]*>/g, ' ');
}

/** `Provider '<id>': <head> — <detail>`, the form every adapter's error message takes; detail must already be safe. */
export function providerMessage(ep: ProviderEndpoint, head: string, detail?: string): string {
  return `Provider '${ep.id}': ${head}${detail ? ` — ${detail}` : ''}`;
}

export function malformedResponse(ep: ProviderEndpoint, what: string, cause?: unknown): ProviderError {
  return new ProviderError({
    provider: ep.id,
    errorClass: 'malformed_response',
    message: providerMessage(ep, 'malformed response', what),
    cause,
  });
}

/** An error answer whose body is not the provider's JSON, so only the HTTP status can classify it. */
export function nonJsonBodyError(
  ep: ProviderEndpoint,
  status: number,
  bodyText: string,
  headers: ResponseHeaders,
  errorClass: ErrorClass,
): ProviderError {
  return new ProviderError({
    provider: ep.id,
    errorClass,
    status,
    message: providerMessage(ep, String(status), safeDetail(describeNonJsonBody(bodyText), ep)),
    retryAfterMs: retryAfterMsFromHeaders(headers),
  });
}
