import * as assert from 'node:assert/strict';
import { tokenUsageBytes, usageFromDataPart } from '../../src/extension/lm/tokenUsagePart';

const part = (value: unknown, mimeType = 'token_usage') => ({ mimeType, data: new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value)) });

describe('token usage data parts (what Copilot Chat reads as a request’s usage)', () => {
  it('writes OpenAI-shaped usage: prompt_tokens counts cached reads, total is prompt plus completion', () => {
    const bytes = tokenUsageBytes({ inputTokens: 1_200, outputTokens: 80, cachedInputTokens: 1_024, cacheWriteTokens: 0 });
    assert.deepEqual(JSON.parse(new TextDecoder().decode(bytes)), { prompt_tokens: 1_200, completion_tokens: 80, total_tokens: 1_280, prompt_tokens_details: { cached_tokens: 1_024 } });
  });

  it('reads back what it writes, and another vendor’s usage by its shape whatever the mime type', () => {
    const usage = { inputTokens: 40, outputTokens: 9, cachedInputTokens: 0, cacheWriteTokens: 0 };
    assert.deepEqual(usageFromDataPart({ mimeType: 'token_usage', data: tokenUsageBytes(usage) }), usage);
    assert.deepEqual(usageFromDataPart(part({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 }, 'application/json')), { inputTokens: 5, outputTokens: 2, cachedInputTokens: 0, cacheWriteTokens: 0 });
  });

  it('takes no other part for usage: images, other JSON, partial usage, negative counts, text', () => {
    assert.equal(usageFromDataPart(part({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 }, 'image/png')), undefined);
    assert.equal(usageFromDataPart(part({ type: 'ephemeral' })), undefined);
    assert.equal(usageFromDataPart(part({ prompt_tokens: 5, completion_tokens: 2 })), undefined);
    assert.equal(usageFromDataPart(part({ prompt_tokens: -1, completion_tokens: 2, total_tokens: 1 })), undefined);
    assert.equal(usageFromDataPart(part('ephemeral', 'cache_control')), undefined);
    assert.equal(usageFromDataPart(part('null')), undefined);
  });

  it('never counts more cached tokens than prompt tokens', () => {
    assert.equal(usageFromDataPart(part({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7, prompt_tokens_details: { cached_tokens: 50 } }))?.cachedInputTokens, 5);
  });
});
