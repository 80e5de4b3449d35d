import assert from 'node:assert/strict';
import type { ProviderConfig } from '../../src/engine/config/schema';
import { BUILTIN_PRICING, findPriceEntry, priceFor, pricingProviderFor } from '../../src/engine/cost/priceTable';

type PriceInput = Pick<ProviderConfig, 'kind' | 'baseUrl' | 'model' | 'pricing'>;
const cfg = (kind: ProviderConfig['kind'], model: string, extra: Partial<PriceInput> = {}): PriceInput => ({ kind, model, ...extra });

describe('price table lookup', () => {
  it('prices a configured OpenAI model from the table, cached-input price included', () => {
    const r = priceFor(cfg('openai', 'gpt-4o-mini'));
    assert.equal(r?.source, 'table');
    assert.deepEqual(r?.price, { inputPerMillion: 0.15, outputPerMillion: 0.6, cachedInputPerMillion: 0.075 });
  });

  it('maps dated and prefixed model ids to their family entry', () => {
    const cases: Array<[ProviderConfig['kind'], string, string]> = [
      ['openai', 'gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
      ['openai', 'o4-mini-2025-04-16', 'o4-mini'],
      ['anthropic', 'claude-3-5-haiku-20241022', 'claude-3-5-haiku'],
      ['anthropic', 'claude-3-5-haiku-latest', 'claude-3-5-haiku'],
      ['anthropic', 'claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
      ['anthropic', 'claude-opus-4-20250514', 'claude-opus-4'],
      ['anthropic', 'claude-sonnet-4-5@20250929', 'claude-sonnet-4-5'],
      ['gemini', 'models/gemini-2.5-flash', 'gemini-2.5-flash'],
      ['gemini', 'gemini-2.5-flash-lite', 'gemini-2.5-flash-lite'],
      ['cohere', 'command-r-08-2024', 'command-r'],
      ['cohere', 'command-r-plus-08-2024', 'command-r-plus'],
      ['cohere', 'command-r7b-12-2024', 'command-r7b'],
      ['cohere', 'command-a-03-2025', 'command-a'],
    ];
    for (const [kind, model, expected] of cases) {
      assert.equal(priceFor(cfg(kind, model))?.entry?.model, expected, `${kind}/${model}`);
    }
  });

  it('prefers an exact snapshot entry over its family when the snapshot is priced differently', () => {
    assert.equal(priceFor(cfg('openai', 'gpt-4o-2024-05-13'))?.price.inputPerMillion, 5);
    assert.equal(priceFor(cfg('openai', 'gpt-4o-2024-08-06'))?.price.inputPerMillion, 2.5);
  });

  it('never lends a model the price of a differently named relative', () => {
    for (const [kind, model] of [
      ['openai', 'o3-mini'],
      ['openai', 'gpt-5.4-pro'],
      ['openai', 'gpt-4o-mini-search-preview'],
      ['anthropic', 'claude-opus-4-9'],
      ['gemini', 'gemini-2.5-flash-preview-05-20'],
      ['cohere', 'command-a-reasoning-08-2025'],
    ] as Array<[ProviderConfig['kind'], string]>) {
      assert.equal(priceFor(cfg(kind, model)), null, `${kind}/${model}`);
    }
  });

  it('matches openai-compatible providers by their base URL host', () => {
    const cases: Array<[string, string, string]> = [
      ['https://api.groq.com/openai/v1', 'llama-3.3-70b-versatile', 'groq'],
      ['https://api.mistral.ai/v1', 'mistral-small-2506', 'mistral'],
      ['https://api.cerebras.ai/v1', 'gpt-oss-120b', 'cerebras'],
      ['https://openrouter.ai/api/v1', 'openai/gpt-5-mini', 'openrouter'],
      ['https://api.deepseek.com', 'deepseek-flash', 'deepseek'],
    ];
    for (const [baseUrl, model, provider] of cases) {
      const r = priceFor(cfg('openai-compatible', model, { baseUrl }));
      assert.equal(r?.entry?.provider, provider, baseUrl);
      assert.equal(r?.entry?.model, model);
    }
    assert.equal(priceFor(cfg('openai-compatible', 'llama-3.3-70b-versatile', { baseUrl: 'https://llm.example.com/v1' })), null);
  });

  it('prices by the host even when the kind names another vendor, and by the kind when the host is unknown', () => {
    assert.equal(pricingProviderFor({ kind: 'openai', baseUrl: 'https://api.groq.com/openai/v1' }), 'groq');
    assert.equal(pricingProviderFor({ kind: 'anthropic', baseUrl: 'https://api.deepseek.com/anthropic' }), 'deepseek');
    assert.equal(pricingProviderFor({ kind: 'anthropic', baseUrl: 'http://127.0.0.1:4010' }), 'anthropic');
    assert.equal(pricingProviderFor({ kind: 'cohere' }), 'cohere');
    assert.equal(pricingProviderFor({ kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:4010/v1' }), undefined);
    // A look-alike host must not borrow a vendor's prices.
    assert.equal(pricingProviderFor({ kind: 'openai-compatible', baseUrl: 'https://notgroq.com/v1' }), undefined);
  });

  it('lets a configured pricing override win over the table, an unknown model and a local model', () => {
    const pricing = { inputPerMillion: 1, outputPerMillion: 2 };
    assert.deepEqual(priceFor(cfg('openai', 'gpt-4o', { pricing })), { price: pricing, source: 'override' });
    assert.deepEqual(priceFor(cfg('openai-compatible', 'my-model', { baseUrl: 'https://x.example/v1', pricing }))?.price, pricing);
    assert.equal(priceFor(cfg('ollama', 'llama3', { pricing }))?.source, 'override');
  });

  it('prices a local Ollama model at zero, and an unknown model as unknown rather than free', () => {
    const local = priceFor(cfg('ollama', 'llama3.2'));
    assert.equal(local?.source, 'local');
    assert.deepEqual(local?.price, { inputPerMillion: 0, outputPerMillion: 0, cachedInputPerMillion: 0 });
    assert.equal(priceFor(cfg('openai', 'gpt-99-ultra')), null);
  });

  it("prices Anthropic cache writes at 1.25x the input price and reads at the table's cached price; OpenAI and Gemini writes at the input price", () => {
    assert.deepEqual(priceFor(cfg('anthropic', 'claude-sonnet-4-5'))?.price, { inputPerMillion: 3, outputPerMillion: 15, cachedInputPerMillion: 0.3, cacheWritePerMillion: 3.75 });
    assert.equal(priceFor(cfg('anthropic', 'claude-haiku-4-5'))?.price.cacheWritePerMillion, 1.25);
    assert.equal(priceFor(cfg('openai', 'gpt-4o-mini'))?.price.cacheWritePerMillion, undefined);
    assert.equal(priceFor(cfg('gemini', 'gemini-2.5-flash'))?.price.cacheWritePerMillion, undefined);
  });

  it("fills a pricing override's missing cache prices from its vendor's multipliers, and keeps the ones it sets", () => {
    const over = (pricing: PriceInput['pricing'], kind: ProviderConfig['kind'] = 'anthropic') => priceFor(cfg(kind, 'claude-next', { pricing }))?.price;
    assert.deepEqual(over({ inputPerMillion: 4, outputPerMillion: 20 }), { inputPerMillion: 4, outputPerMillion: 20, cacheWritePerMillion: 5, cachedInputPerMillion: 0.4 });
    assert.deepEqual(over({ inputPerMillion: 4, outputPerMillion: 20, cachedInputPerMillion: 0.2, cacheWritePerMillion: 4.5 }), { inputPerMillion: 4, outputPerMillion: 20, cachedInputPerMillion: 0.2, cacheWritePerMillion: 4.5 });
    assert.deepEqual(over({ inputPerMillion: 1, outputPerMillion: 2 }, 'openai-compatible'), { inputPerMillion: 1, outputPerMillion: 2 }, 'an unknown vendor: nothing is assumed');
  });

  it('looks up an explicit model instead of the configured one (e.g. the model a response reports)', () => {
    assert.equal(priceFor(cfg('openai', 'gpt-4o'), 'gpt-4.1-nano-2025-04-14')?.entry?.model, 'gpt-4.1-nano');
  });

  it('ships a well-formed table: a date, a source per provider, unique entries and sane prices', () => {
    assert.match(BUILTIN_PRICING.takenOn, /^\d{4}-\d{2}-\d{2}$/);
    const seen = new Set<string>();
    for (const e of BUILTIN_PRICING.models) {
      const key = `${e.provider}/${e.model}`;
      assert.ok(!seen.has(key), `duplicate ${key}`);
      seen.add(key);
      assert.match(BUILTIN_PRICING.sources[e.provider] ?? '', /^https:\/\//, `source for ${e.provider}`);
      assert.ok(e.inputPerMillion > 0 && e.outputPerMillion > 0, key);
      if (e.cachedInputPerMillion !== undefined) assert.ok(e.cachedInputPerMillion <= e.inputPerMillion, key);
      assert.equal(findPriceEntry(BUILTIN_PRICING, e.provider, e.model), e, `${key} finds itself`);
    }
    for (const [vendor, rule] of Object.entries(BUILTIN_PRICING.promptCaching)) {
      assert.match(rule.source, /^https:\/\//, `cache price source for ${vendor}`);
      assert.match(rule.takenOn, /^\d{4}-\d{2}-\d{2}$/);
      assert.ok(rule.cacheWriteMultiplier >= 1, vendor);
    }
    for (const p of ['openai', 'anthropic', 'gemini', 'cohere', 'mistral', 'groq', 'cerebras', 'deepseek', 'openrouter']) {
      assert.ok(BUILTIN_PRICING.models.some((e) => e.provider === p), `covers ${p}`);
    }
  });
});
