import assert from 'node:assert/strict';
import {
  costOf,
  DEFAULT_ESTIMATED_OUTPUT_TOKENS,
  estimateCost,
  estimateInputTokens,
  estimateOutputTokens,
  formatUsd,
  promptCacheSavings,
} from '../../src/engine/cost/costMath';

const withCache = { inputPerMillion: 2.5, cachedInputPerMillion: 1.25, outputPerMillion: 10 };
const noCache = { inputPerMillion: 3, outputPerMillion: 15 };

describe('cost arithmetic', () => {
  it('bills cached input at the cached price, the rest of the input at the input price, output at the output price', () => {
    // 6,000 uncached * 2.5 + 4,000 cached * 1.25 + 2,000 out * 10 = 40,000 per million
    assert.equal(costOf({ inputTokens: 10_000, cachedInputTokens: 4_000, outputTokens: 2_000 }, withCache), 0.04);
  });

  it('bills cached input at the input price when the model has no cached price', () => {
    // (1,000 * 3 + 100 * 15) / 1e6, the 400 cached tokens included at 3
    assert.equal(costOf({ inputTokens: 1_000, cachedInputTokens: 400, outputTokens: 100 }, noCache), 0.0045);
  });

  it('computes real table prices exactly for a gpt-4o-mini call', () => {
    const mini = { inputPerMillion: 0.15, cachedInputPerMillion: 0.075, outputPerMillion: 0.6 };
    assert.equal(costOf({ inputTokens: 10_000, cachedInputTokens: 4_000, outputTokens: 2_000 }, mini), 0.0024);
  });

  it('costs nothing for no tokens and ignores negative or missing counts', () => {
    assert.equal(costOf({ inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 }, withCache), 0);
    assert.equal(costOf({ inputTokens: -5, cachedInputTokens: Number.NaN, outputTokens: 1_000 }, withCache), 0.01);
  });

  it('bills cache writes at the cache-write price, the input price when the model has none', () => {
    const anthropic = { inputPerMillion: 3, cachedInputPerMillion: 0.3, cacheWritePerMillion: 3.75, outputPerMillion: 15 };
    // 1,000 uncached * 3 + 1,000 written * 3.75 = 6,750 per million
    assert.equal(costOf({ inputTokens: 2_000, cachedInputTokens: 0, cacheWriteTokens: 1_000, outputTokens: 0 }, anthropic), 0.00675);
    assert.equal(costOf({ inputTokens: 2_000, cachedInputTokens: 0, cacheWriteTokens: 1_000, outputTokens: 0 }, noCache), 0.006);
    // Writes never exceed what is left of the input after the reads.
    assert.equal(costOf({ inputTokens: 1_000, cachedInputTokens: 600, cacheWriteTokens: 900, outputTokens: 0 }, anthropic), (600 * 0.3 + 400 * 3.75) / 1e6);
  });

  it('says what a prompt cache saved (reads at the input minus the read price) and what writes cost above input', () => {
    const anthropic = { inputPerMillion: 3, cachedInputPerMillion: 0.3, cacheWritePerMillion: 3.75, outputPerMillion: 15 };
    const saved = promptCacheSavings({ inputTokens: 10_000, cachedInputTokens: 6_000, cacheWriteTokens: 2_000, outputTokens: 500 }, anthropic);
    assert.ok(Math.abs(saved.savedUsd - 0.0162) < 1e-15, String(saved.savedUsd)); // 6,000 * (3 - 0.3)
    assert.ok(Math.abs(saved.writePremiumUsd - 0.0015) < 1e-15, String(saved.writePremiumUsd)); // 2,000 * (3.75 - 3)
    assert.deepEqual(promptCacheSavings({ inputTokens: 10_000, cachedInputTokens: 6_000, cacheWriteTokens: 0, outputTokens: 0 }, noCache), { savedUsd: 0, writePremiumUsd: 0 });
  });

  it('never bills more cached tokens than there were input tokens', () => {
    assert.equal(costOf({ inputTokens: 1_000, cachedInputTokens: 5_000, outputTokens: 0 }, withCache), 0.00125);
  });

  it('estimates input tokens as characters of system prompt and messages over 4, rounded up', () => {
    const req = { system: 'abcd', messages: [{ role: 'user' as const, content: 'hello world!' }, { role: 'assistant' as const, content: 'xyz' }] };
    assert.equal(estimateInputTokens(req), 5); // 19 chars
    assert.equal(estimateInputTokens({ messages: [{ role: 'user', content: '' }] }), 0);
  });

  it('estimates output as maxTokens, or the default allowance when unset', () => {
    assert.equal(estimateOutputTokens({ maxTokens: 100 }), 100);
    assert.equal(estimateOutputTokens({}), DEFAULT_ESTIMATED_OUTPUT_TOKENS);
    assert.equal(DEFAULT_ESTIMATED_OUTPUT_TOKENS, 1024);
  });

  it('estimates a request before sending from those token guesses at full input price', () => {
    const req = { system: 'abcd', messages: [{ role: 'user' as const, content: 'hello world!xyz' }], maxTokens: 100 };
    // 5 in * 2.5 + 100 out * 10 = 1012.5 per million
    assert.equal(estimateCost(req, withCache), 0.0010125);
    // no maxTokens: 5 * 2.5 + 1024 * 10 = 10252.5 per million
    assert.equal(estimateCost({ ...req, maxTokens: undefined }, withCache), 0.0102525);
  });

  it('estimates prompt tokens at the cache-write price where writing costs more than input (Anthropic), so the estimate stays an upper bound', () => {
    const anthropic = { inputPerMillion: 3, cachedInputPerMillion: 0.3, cacheWritePerMillion: 3.75, outputPerMillion: 15 };
    const req = { system: 'abcd', messages: [{ role: 'user' as const, content: 'hello world!xyz' }], maxTokens: 100 };
    // 5 in * 3.75 + 100 out * 15 = 1518.75 per million
    assert.equal(estimateCost(req, anthropic), 0.00151875);
  });

  it('formats for display without changing stored values', () => {
    assert.equal(formatUsd(null), 'unknown');
    assert.equal(formatUsd(0), '$0.00');
    assert.equal(formatUsd(0.0024), '$0.0024');
    assert.equal(formatUsd(12.345), '$12.35');
  });
});
