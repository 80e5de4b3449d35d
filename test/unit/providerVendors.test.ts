import { strict as assert } from 'node:assert';
import { parseConfig } from '../../src/engine/config/loadConfig';
import { BUILTIN_PRICING, pricingProviderFor } from '../../src/engine/cost/priceTable';
import { VENDORS } from '../../src/extension/commands/providerVendors';

describe('Add Provider vendors', () => {
  it('offers the vendors the walkthrough names, each once', () => {
    const labels = VENDORS.map((v) => v.label);
    for (const name of ['OpenAI', 'Anthropic', 'Gemini', 'Mistral', 'Groq', 'Cohere', 'Cerebras', 'OpenRouter', 'Ollama', 'OpenAI-compatible']) {
      assert.equal(labels.filter((l) => l.includes(name)).length >= 1, true, `${name} is offered`);
    }
    assert.equal(new Set(VENDORS.map((v) => v.defaultId)).size, VENDORS.length, 'default ids are distinct');
  });

  it('builds a valid provider for every hosted vendor with a model from the shipped price table', () => {
    for (const vendor of VENDORS.filter((v) => !v.askBaseUrl)) {
      const pricing = pricingProviderFor({ kind: vendor.kind, baseUrl: vendor.baseUrl });
      const models = BUILTIN_PRICING.models.filter((m) => m.provider === pricing);
      assert.ok(models.length > 0, `${vendor.label} has models in the price table`);
      const entry = { id: vendor.defaultId, kind: vendor.kind, model: models[0].model, ...(vendor.baseUrl ? { baseUrl: vendor.baseUrl } : {}) };
      assert.doesNotThrow(() => parseConfig({ providers: [entry] }), `${vendor.label} makes a valid provider`);
      assert.equal(vendor.key, 'required', `${vendor.label} asks for a key`);
      assert.match(vendor.baseUrl ?? 'https://', /^https:\/\//, `${vendor.label} is reached over https`);
    }
  });
});
