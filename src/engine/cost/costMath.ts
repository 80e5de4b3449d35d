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

type BilledUsage = Pick<Usage, 'inputTokens' | 'outputTokens' | 'cachedInputTokens'> & Partial<Pick<Usage, 'cacheWriteTokens'>>;

/** The input split the way providers bill it; reads and writes never exceed the input they are part of. */
function inputSplit(usage: BilledUsage): { uncached: number; reads: number; writes: number } {
  const input = count(usage.inputTokens);
  const reads = Math.min(count(usage.cachedInputTokens), input);
  const writes = Math.min(count(usage.cacheWriteTokens), input - reads);
  return { uncached: input - reads - writes, reads, writes };
}

/**
 * USD for a finished request. `inputTokens` includes cache reads and writes: uncached input is billed at the
 * input price, reads at the cached-input price, writes at the cache-write price (each the input price when
 * the model has none).
 */
export function costOf(usage: BilledUsage, price: ModelPrice): number {
  const { uncached, reads, writes } = inputSplit(usage);
  const output = count(usage.outputTokens);
  const readRate = price.cachedInputPerMillion ?? price.inputPerMillion;
  const writeRate = price.cacheWritePerMillion ?? price.inputPerMillion;
  return (uncached * price.inputPerMillion + reads * readRate + writes * writeRate + output * price.outputPerMillion) / PER_MILLION;
}

export interface PromptCacheSavings {
  /** What the cache reads saved against paying the input price for them. */
  savedUsd: number;
  /** What the cache writes cost above the input price (Anthropic's 25 %). */
  writePremiumUsd: number;
}

/** What the provider's prompt cache saved and cost extra on one answer, at the price it was billed at. */
export function promptCacheSavings(usage: BilledUsage, price: ModelPrice): PromptCacheSavings {
  const { reads, writes } = inputSplit(usage);
  const readRate = price.cachedInputPerMillion ?? price.inputPerMillion;
  const writeRate = price.cacheWritePerMillion ?? price.inputPerMillion;
  return {
    savedUsd: Math.max(0, (reads * (price.inputPerMillion - readRate)) / PER_MILLION),
    writePremiumUsd: Math.max(0, (writes * (writeRate - price.inputPerMillion)) / PER_MILLION),
  };
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
 * Upper-bound-ish USD estimate before sending: every estimated prompt token at the dearer of the input and the
 * cache-write price (a first Anthropic request writes its prefix at 1.25x; a cache hit can only make it cheaper)
 * and the whole output allowance at the output price.
 */
export function estimateCost(
  request: Pick<ChatRequest, 'system' | 'messages' | 'maxTokens'>,
  price: ModelPrice,
  defaultOutputTokens = DEFAULT_ESTIMATED_OUTPUT_TOKENS,
): number {
  return costOf(estimatedUsage(request, defaultOutputTokens), price);
}

/**
 * The usage estimateCost prices: the same for every provider, so a request's candidates can share it. The whole
 * prompt counts as written to the provider's cache, the dearest way to send it (Anthropic 1.25x input; the input
 * price where writes cost nothing extra).
 */
export function estimatedUsage(request: Pick<ChatRequest, 'system' | 'messages' | 'maxTokens'>, defaultOutputTokens = DEFAULT_ESTIMATED_OUTPUT_TOKENS): Pick<Usage, 'inputTokens' | 'outputTokens' | 'cachedInputTokens' | 'cacheWriteTokens'> {
  const inputTokens = estimateInputTokens(request);
  return { inputTokens, cachedInputTokens: 0, cacheWriteTokens: inputTokens, outputTokens: estimateOutputTokens(request, defaultOutputTokens) };
}

/** For display only; costs stay unrounded everywhere else. */
export function formatUsd(usd: number | null): string {
  if (usd === null) return 'unknown';
  if (usd !== 0 && Math.abs(usd) < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}
