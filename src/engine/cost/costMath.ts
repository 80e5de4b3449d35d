import { promptChars } from '../chatContent';
import type { ChatRequest, Usage } from '../types';
import type { ModelPrice } from './priceTable';

/** Rough English-text ratio used for pre-send estimates; real tokenizers differ by model and language. */
const CHARS_PER_TOKEN = 4;
/** Output assumed for an estimate when the request sets no maxTokens. */
export const DEFAULT_ESTIMATED_OUTPUT_TOKENS = 1024;

const PER_MILLION = 1_000_000;

function count(n: number | undefined): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0;
}

/**
 * USD for a finished request. `inputTokens` includes the cached ones; the cached subset is billed at the
 * cached-input price (the input price when the model has none) and the rest at the input price.
 */
export function costOf(usage: Pick<Usage, 'inputTokens' | 'outputTokens' | 'cachedInputTokens'>, price: ModelPrice): number {
  const input = count(usage.inputTokens);
  const cached = Math.min(count(usage.cachedInputTokens), input);
  const output = count(usage.outputTokens);
  const cachedRate = price.cachedInputPerMillion ?? price.inputPerMillion;
  return ((input - cached) * price.inputPerMillion + cached * cachedRate + output * price.outputPerMillion) / PER_MILLION;
}

/** Estimated prompt tokens: characters of the system prompt and every message, divided by CHARS_PER_TOKEN. */
export function estimateInputTokens(request: Pick<ChatRequest, 'system' | 'messages'>): number {
  let chars = request.system?.length ?? 0;
  for (const m of request.messages) chars += promptChars(m);
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

export function estimateOutputTokens(request: Pick<ChatRequest, 'maxTokens'>, defaultOutputTokens = DEFAULT_ESTIMATED_OUTPUT_TOKENS): number {
  const max = request.maxTokens;
  return typeof max === 'number' && Number.isFinite(max) && max > 0 ? max : defaultOutputTokens;
}

/**
 * Upper-bound-ish USD estimate before sending: every estimated prompt token at the full input price (a
 * cache hit can only make it cheaper) and the whole output allowance at the output price.
 */
export function estimateCost(
  request: Pick<ChatRequest, 'system' | 'messages' | 'maxTokens'>,
  price: ModelPrice,
  defaultOutputTokens = DEFAULT_ESTIMATED_OUTPUT_TOKENS,
): number {
  return costOf(estimatedUsage(request, defaultOutputTokens), price);
}

/** The usage estimateCost prices: the same for every provider, so a request's candidates can share it. */
export function estimatedUsage(request: Pick<ChatRequest, 'system' | 'messages' | 'maxTokens'>, defaultOutputTokens = DEFAULT_ESTIMATED_OUTPUT_TOKENS): Pick<Usage, 'inputTokens' | 'outputTokens' | 'cachedInputTokens'> {
  return { inputTokens: estimateInputTokens(request), cachedInputTokens: 0, outputTokens: estimateOutputTokens(request, defaultOutputTokens) };
}

/** For display only; costs stay unrounded everywhere else. */
export function formatUsd(usd: number | null): string {
  if (usd === null) return 'unknown';
  if (usd !== 0 && Math.abs(usd) < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}
