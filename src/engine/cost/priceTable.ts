import type { ProviderConfig } from '../config/schema';
import pricingData from './pricing.json';

/** USD per 1M tokens. Cache reads and writes fall back to the input price when absent. */
export interface ModelPrice {
  inputPerMillion: number;
  outputPerMillion: number;
  /** Input read from the provider's prompt cache. */
  cachedInputPerMillion?: number;
  /** Input written to the provider's prompt cache (Anthropic: 1.25x input for the 5-minute TTL). */
  cacheWritePerMillion?: number;
}

/** A vendor's documented prompt-cache price rule, as multiples of its input price. */
export interface PromptCachePricing {
  cacheWriteMultiplier: number;
  /** Used only for a model whose entry has no cachedInputPerMillion. */
  cacheReadMultiplier?: number;
  note: string;
  source: string;
  takenOn: string;
}

export interface PriceEntry extends ModelPrice {
  /** Pricing provider, e.g. 'openai', 'groq' (not the user's provider id). */
  provider: string;
  model: string;
  contextWindow?: number;
  /** false for a model its vendor documents without structured output; absent means capable. */
  structuredOutput?: boolean;
}

export interface PricingTable {
  /** YYYY-MM-DD the prices were read from the sources. */
  takenOn: string;
  /** Pricing page per pricing provider. */
  sources: Record<string, string>;
  /** Cache write (and fallback read) multipliers per pricing provider. */
  promptCaching: Record<string, PromptCachePricing>;
  models: PriceEntry[];
}

export type PriceSource = 'override' | 'table' | 'local';

export interface ResolvedPrice {
  price: ModelPrice;
  /** 'override' = the provider's `pricing` in config; 'local' = a model on this machine, free. */
  source: PriceSource;
  /** The table entry used, when source is 'table'. */
  entry?: PriceEntry;
}

export const BUILTIN_PRICING: PricingTable = pricingData;

const FREE: ModelPrice = { inputPerMillion: 0, outputPerMillion: 0, cachedInputPerMillion: 0 };

/** Official API hosts (and their subdomains) of each pricing provider. */
const HOST_PROVIDERS: ReadonlyArray<readonly [string, string]> = [
  ['openai.com', 'openai'],
  ['anthropic.com', 'anthropic'],
  ['generativelanguage.googleapis.com', 'gemini'],
  ['cohere.com', 'cohere'],
  ['cohere.ai', 'cohere'],
  ['mistral.ai', 'mistral'],
  ['groq.com', 'groq'],
  ['cerebras.ai', 'cerebras'],
  ['openrouter.ai', 'openrouter'],
  ['deepseek.com', 'deepseek'],
];

const KIND_PROVIDERS: Partial<Record<ProviderConfig['kind'], string>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  gemini: 'gemini',
  cohere: 'cohere',
};

/** The pricing provider an API host belongs to, or undefined for hosts we have no prices for. */
function pricingProviderForHost(host: string): string | undefined {
  const h = host.toLowerCase().replace(/\.$/, '');
  for (const [suffix, provider] of HOST_PROVIDERS) {
    if (h === suffix || h.endsWith(`.${suffix}`)) return provider;
  }
  return undefined;
}

/**
 * Which price list applies to a configured provider. A known host wins over the kind, so an
 * openai-compatible entry pointing at api.groq.com (or an anthropic-kind entry pointing at DeepSeek's
 * Anthropic endpoint) is priced as that vendor. An unknown host falls back to the kind's vendor,
 * except for 'openai-compatible', whose vendor is unknowable.
 */
export function pricingProviderFor(p: Pick<ProviderConfig, 'kind' | 'baseUrl'>): string | undefined {
  const memo = `${p.kind} ${p.baseUrl ?? ''}`;
  if (pricingProviders.has(memo)) return pricingProviders.get(memo);
  const found = pricingProviderUncached(p);
  pricingProviders.set(memo, found);
  return found;
}

// Asked several times per request (capabilities, estimate, record); there are only as many as configured providers.
const pricingProviders = new Map<string, string | undefined>();

function pricingProviderUncached(p: Pick<ProviderConfig, 'kind' | 'baseUrl'>): string | undefined {
  if (p.baseUrl) {
    let host: string | undefined;
    try {
      host = new URL(p.baseUrl).hostname;
    } catch {
      host = undefined;
    }
    const byHost = host ? pricingProviderForHost(host) : undefined;
    if (byHost) return byHost;
  }
  return KIND_PROVIDERS[p.kind];
}

/**
 * What may follow a table id in a real model id and still be the same priced model: snapshot dates
 * (-2024-07-18, -20241022, @20250929, -08-2024), numeric snapshots (-001, -0613) and -latest. Anything
 * else (-mini, -pro, -5) names a different model, which must not inherit a cheaper relative's price.
 */
const SNAPSHOT_SUFFIX = /^(?:[-@:_](?:\d{4}-\d{2}-\d{2}|\d{2}-\d{4}|\d{3,8}|latest))+$/;

function normalizeModelId(model: string): string {
  return model.trim().toLowerCase().replace(/^models\//, '');
}

/** Longest table id that is the model id itself or the model id minus a snapshot suffix. */
export function findPriceEntry(table: PricingTable, provider: string, model: string): PriceEntry | undefined {
  let found = priceEntries.get(table);
  if (!found) {
    found = new Map();
    priceEntries.set(table, found);
  }
  const memo = `${provider}\u0000${model}`;
  if (found.has(memo)) return found.get(memo);
  const entry = findPriceEntryUncached(table, provider, model);
  // Bounded: a table is looked up only for configured providers' models and the models their answers name.
  if (found.size < 1_000) found.set(memo, entry);
  return entry;
}

// A table is never changed once loaded, so what a lookup found stays true; this saves a scan of the whole table
// for each of the several lookups every request makes.
const priceEntries = new WeakMap<PricingTable, Map<string, PriceEntry | undefined>>();

function findPriceEntryUncached(table: PricingTable, provider: string, model: string): PriceEntry | undefined {
  const id = normalizeModelId(model);
  let best: PriceEntry | undefined;
  for (const entry of table.models) {
    if (entry.provider !== provider) continue;
    const key = entry.model.toLowerCase();
    if (!id.startsWith(key)) continue;
    const rest = id.slice(key.length);
    if (rest !== '' && !SNAPSHOT_SUFFIX.test(rest)) continue;
    if (!best || key.length > best.model.length) best = entry;
  }
  return best;
}

/**
 * The price of `model` (default: the provider's configured model) on a configured provider, or null when
 * it is unknown. Unknown never means free: callers must treat null as "cost not known".
 */
export function priceFor(
  p: Pick<ProviderConfig, 'kind' | 'baseUrl' | 'model' | 'pricing'>,
  model: string = p.model,
  table: PricingTable = BUILTIN_PRICING,
): ResolvedPrice | null {
  if (p.kind === 'ollama' && !p.pricing) return { price: { ...FREE }, source: 'local' };
  const provider = pricingProviderFor(p);
  if (p.pricing) return { price: withCachePrices({ ...p.pricing }, provider ? table.promptCaching[provider] : undefined), source: 'override' };
  if (!provider) return null;
  const entry = findPriceEntry(table, provider, model);
  if (!entry) return null;
  const price: ModelPrice = { inputPerMillion: entry.inputPerMillion, outputPerMillion: entry.outputPerMillion };
  if (entry.cachedInputPerMillion !== undefined) price.cachedInputPerMillion = entry.cachedInputPerMillion;
  if (entry.cacheWritePerMillion !== undefined) price.cacheWritePerMillion = entry.cacheWritePerMillion;
  return { price: withCachePrices(price, table.promptCaching[provider]), source: 'table', entry };
}

/** Fills cache read and write prices the price leaves out from the vendor's documented multipliers. */
function withCachePrices(price: ModelPrice, rule: PromptCachePricing | undefined): ModelPrice {
  if (!rule) return price;
  if (price.cacheWritePerMillion === undefined && rule.cacheWriteMultiplier !== 1) price.cacheWritePerMillion = price.inputPerMillion * rule.cacheWriteMultiplier;
  if (price.cachedInputPerMillion === undefined && rule.cacheReadMultiplier !== undefined) price.cachedInputPerMillion = price.inputPerMillion * rule.cacheReadMultiplier;
  return price;
}
