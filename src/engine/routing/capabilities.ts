import { messageParts, promptChars } from '../chatContent';
import type { ProviderConfig } from '../config/schema';
import { BUILTIN_PRICING, findPriceEntry, pricingProviderFor, type PriceEntry } from '../cost/priceTable';
import type { ChatRequest } from '../types';

/**
 * Characters per token for the window check. Lower than the cost estimate's 4 on purpose: code and non-English
 * text run nearer 3, and over-counting only skips a provider that was close to its limit anyway.
 */
export const WINDOW_CHARS_PER_TOKEN = 3;
/** Tokens counted per image: the upper end of what providers bill for one screen-sized image (Anthropic ~1,600). */
export const WINDOW_TOKENS_PER_IMAGE = 1_600;

export type CapabilityGap = 'no_tool_support' | 'no_image_support' | 'no_structured_output' | 'context_too_long';

export interface CapabilityShortfall {
  gap: CapabilityGap;
  message: string;
}

/**
 * Why a provider cannot serve the request, decided before any connection; undefined when it can (or might).
 * `windowTokens` is the request's estimateWindowTokens, which callers checking several providers count once.
 */
export function capabilityGap(p: ProviderConfig, req: ChatRequest, windowTokens: () => number = () => estimateWindowTokens(req)): CapabilityShortfall | undefined {
  const caps = p.capabilities ?? {};
  if (caps.tools === false && needsTools(req)) return { gap: 'no_tool_support', message: 'the request uses tools and this provider is configured without tool support (capabilities.tools: false)' };
  if (caps.images === false && hasImages(req)) return { gap: 'no_image_support', message: 'the request has images and this provider is configured without image support (capabilities.images: false)' };
  const model = req.model ?? p.model;
  if (req.responseFormat && !req.responseFormat.fallbackToText) {
    const missing = structuredOutputMissing(p, model);
    if (missing) return { gap: 'no_structured_output', message: `the request asks for structured output and ${missing}` };
  }
  const window = contextWindowOf(p, model);
  if (window !== undefined) {
    const needed = windowTokens() + (req.maxTokens ?? 0);
    if (needed > window) return { gap: 'context_too_long', message: `the request needs about ${needed} tokens (prompt estimate plus maxTokens) and the model's context window is ${window}` };
  }
  return undefined;
}

/** Why `model` on this provider gives no structured output (config first, then the shipped table), or undefined when it does or might. */
function structuredOutputMissing(p: ProviderConfig, model: string): string | undefined {
  const configured = p.capabilities?.structuredOutput;
  if (configured === false) return 'this provider is configured without it (capabilities.structuredOutput: false)';
  if (configured === undefined && tableEntry(p, model)?.structuredOutput === false) {
    return `the model table says ${model} has none (set capabilities.structuredOutput: true if it does)`;
  }
  return undefined;
}

/** Whether to send this provider the request's structured output; a request that allows text gets it only where it is served. */
export function servesStructuredOutput(p: ProviderConfig, req: ChatRequest): boolean {
  return structuredOutputMissing(p, req.model ?? p.model) === undefined;
}

/**
 * The request as this provider is sent it: without its responseFormat where the provider has no structured output and
 * the request says `fallbackToText` (the caller then parses the text), else unchanged.
 */
export function requestForProvider(p: ProviderConfig, req: ChatRequest): ChatRequest {
  if (!req.responseFormat?.fallbackToText || servesStructuredOutput(p, req)) return req;
  return withoutResponseFormat(req);
}

export function withoutResponseFormat(req: ChatRequest): ChatRequest {
  const { responseFormat: _dropped, ...rest } = req;
  return rest;
}

/** The provider's `contextWindow`, else the shipped table's for its model; undefined when neither knows. */
export function contextWindowOf(p: ProviderConfig, model: string): number | undefined {
  return p.contextWindow ?? tableEntry(p, model)?.contextWindow;
}

function tableEntry(p: ProviderConfig, model: string): PriceEntry | undefined {
  const pricingProvider = pricingProviderFor(p);
  return pricingProvider ? findPriceEntry(BUILTIN_PRICING, pricingProvider, model) : undefined;
}

/** Prompt tokens as the window check counts them: system, messages, tool definitions and images (see the constants above). */
export function estimateWindowTokens(req: ChatRequest): number {
  let chars = req.system?.length ?? 0;
  let images = 0;
  for (const m of req.messages) {
    chars += promptChars(m);
    for (const p of messageParts(m)) if (p.type === 'image') images++;
  }
  if (req.tools) chars += JSON.stringify(req.tools).length;
  if (req.responseFormat) chars += JSON.stringify(req.responseFormat.schema).length;
  return Math.ceil(chars / WINDOW_CHARS_PER_TOKEN) + images * WINDOW_TOKENS_PER_IMAGE;
}

function needsTools(req: ChatRequest): boolean {
  return (req.tools?.length ?? 0) > 0 || req.messages.some((m) => m.role === 'tool');
}

function hasImages(req: ChatRequest): boolean {
  return req.messages.some((m) => messageParts(m).some((p) => p.type === 'image' || (p.type === 'tool_result' && typeof p.content !== 'string' && p.content.some((c) => c.type === 'image'))));
}
