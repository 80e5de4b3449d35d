import { createHash } from 'node:crypto';
import type { ChatMessage, ChatRequest, ProviderKind } from '../types';

/** Bump when the key material or its serialisation changes: old entries then never match and old files are set aside. */
export const CACHE_KEY_VERSION = 2;

export interface CacheKeyInput {
  providerKind: ProviderKind;
  /** The endpoint's configured model; `request.model` overrides it, as the adapters do. */
  model: string;
  baseUrl: string;
  request: ChatRequest;
  /** Tool definitions, when the caller sends any alongside the request. */
  tools?: unknown;
}

/**
 * Request fields that cannot change the answer. Everything else in ChatRequest is hashed, so a field added
 * later is part of the key by default (a missed hit is cheap; a wrong answer is not).
 */
const NOT_OUTPUT_AFFECTING = new Set<string>(['stream', 'purpose', 'model']);

/** sha256 (hex) of everything that can change a provider's answer. */
export function cacheKey(input: CacheKeyInput): string {
  const req = input.request as unknown as Record<string, unknown>;
  const params: Record<string, unknown> = {};
  for (const name of Object.keys(req)) {
    if (!NOT_OUTPUT_AFFECTING.has(name)) params[name] = req[name];
  }
  params.messages = input.request.messages.map(withImageHashes);
  const material = {
    v: CACHE_KEY_VERSION,
    kind: input.providerKind,
    baseUrl: input.baseUrl.replace(/\/+$/, ''),
    model: input.request.model ?? input.model,
    params,
    tools: input.tools,
  };
  return createHash('sha256').update(canonicalJson(material)).digest('hex');
}

/** Images enter the key by the sha256 of their data (tools, tool choice and schema are request fields, hashed as they are). */
function withImageHashes(m: ChatMessage): unknown {
  if (typeof m.content === 'string') return m;
  return {
    ...m,
    content: m.content.map((p) => (p.type === 'image' && p.source.kind === 'base64' ? { type: 'image', mediaType: p.source.mediaType, sha256: createHash('sha256').update(p.source.data).digest('hex') } : p)),
  };
}

/**
 * JSON with object keys sorted and undefined-valued keys dropped, so equal parameters always serialise
 * identically. Only ever hashed, so non-finite numbers and bigints get distinct non-JSON spellings
 * rather than collapsing into `null` as JSON.stringify would.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return `${value}n`;
    case 'undefined':
    case 'function':
    case 'symbol':
      return 'null';
    default:
      break;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalJson(value[i]);
    return out + ']';
  }
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') return canonicalJson(withJson.toJSON());
  const obj = value as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const k of Object.keys(obj).sort()) {
    const v = obj[k];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    out += (first ? '' : ',') + JSON.stringify(k) + ':' + canonicalJson(v);
    first = false;
  }
  return out + '}';
}
