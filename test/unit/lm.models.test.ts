import assert from 'node:assert/strict';
import { parseConfig } from '../../src/engine/config/loadConfig';
import { AUTO_MODEL_ID, routerChatModels, UNKNOWN_CONTEXT_WINDOW } from '../../src/extension/lm/routerChatModels';

const config = (providers: Record<string, unknown>[], extra: Record<string, unknown> = {}) => parseConfig({ providers, ...extra }).config;
// gpt-4o-mini: 128,000 tokens in the shipped price table (src/engine/cost/pricing.json).
const openai = { id: 'openai', kind: 'openai', model: 'gpt-4o-mini' };

describe('language model chat models: what each model promises', () => {
  it('lists Auto first and one model per enabled provider, pinned to it', () => {
    const models = routerChatModels(config([openai, { id: 'local', kind: 'ollama', model: 'llama3.2' }, { id: 'off', kind: 'ollama', model: 'x', enabled: false }]));
    assert.deepEqual(models.map((m) => [m.id, m.name, m.onlyProviders]), [
      [AUTO_MODEL_ID, 'LLM Router · Auto', undefined],
      ['openai', 'LLM Router · openai', ['openai']],
      ['local', 'LLM Router · local', ['local']],
    ]);
    assert.equal(models[1].family, 'gpt-4o-mini');
  });

  it('splits a known window into input and output, and never promises more than the window', () => {
    const [, m] = routerChatModels(config([openai]));
    assert.equal(m.maxOutputTokens, 16_384);
    assert.equal(m.maxInputTokens + m.maxOutputTokens, 128_000);
    const [, small] = routerChatModels(config([{ ...openai, contextWindow: 8_000 }]));
    assert.deepEqual([small.maxInputTokens, small.maxOutputTokens], [6_000, 2_000]);
  });

  it('assumes a stated window for an unknown model and says how to set the true one', () => {
    const [, m] = routerChatModels(config([{ id: 'local', kind: 'ollama', model: 'llama3.2' }]));
    assert.equal(m.maxInputTokens + m.maxOutputTokens, UNKNOWN_CONTEXT_WINDOW);
    assert.match(m.tooltip, /contextWindow/);
  });

  it('Auto promises only what every provider behind it can serve: the smallest window, tools and images only if none lacks them', () => {
    const models = routerChatModels(config([openai, { id: 'small', kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:1/v1', model: 'm', contextWindow: 8_000, capabilities: { images: false } }]));
    const auto = models[0];
    assert.deepEqual([auto.maxInputTokens, auto.maxOutputTokens], [6_000, 2_000]);
    assert.deepEqual(auto.capabilities, { toolCalling: true, imageInput: false });
    assert.deepEqual(models[1].capabilities, { toolCalling: true, imageInput: true });
    assert.deepEqual(models[2].capabilities, { toolCalling: true, imageInput: false });
    const noTools = routerChatModels(config([openai, { ...openai, id: 'plain', capabilities: { tools: false } }]));
    assert.equal(noTools[0].capabilities.toolCalling, false);
  });

  it('offers nothing when every provider is disabled', () => {
    assert.deepEqual(routerChatModels(config([{ ...openai, enabled: false }])), []);
  });
});
