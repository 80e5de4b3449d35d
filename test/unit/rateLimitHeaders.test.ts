import assert from 'node:assert/strict';
import { parseDurationMs, parseRateLimitHeaders } from '../../src/engine/http/rateLimitHeaders';

const NOW = Date.parse('2025-01-15T14:23:00Z');

describe('parseRateLimitHeaders', () => {
  it('reads OpenAI x-ratelimit-* headers with Go-style reset durations', () => {
    const snap = parseRateLimitHeaders(
      {
        'x-ratelimit-limit-requests': '60',
        'x-ratelimit-limit-tokens': '150000',
        'x-ratelimit-remaining-requests': '59',
        'x-ratelimit-remaining-tokens': '149984',
        'x-ratelimit-reset-requests': '1s',
        'x-ratelimit-reset-tokens': '6m0s',
      },
      NOW,
    );
    assert.deepEqual(snap, {
      requests: { limit: 60, remaining: 59, resetAt: NOW + 1_000 },
      tokens: { limit: 150_000, remaining: 149_984, resetAt: NOW + 360_000 },
    });
  });

  it('reads Groq-style fractional durations', () => {
    const snap = parseRateLimitHeaders(
      {
        'x-ratelimit-limit-requests': '14400',
        'x-ratelimit-remaining-requests': '14370',
        'x-ratelimit-reset-requests': '2m59.56s',
        'x-ratelimit-reset-tokens': '7.66s',
      },
      NOW,
    );
    assert.deepEqual(snap.requests, { limit: 14_400, remaining: 14_370, resetAt: NOW + 179_560 });
    assert.deepEqual(snap.tokens, { resetAt: NOW + 7_660 });
  });

  it('reads Cerebras’ suffixed per-day and per-minute headers, resets in fractional seconds (inference-docs.cerebras.ai/support/rate-limits, read 2026-12-03)', () => {
    const snap = parseRateLimitHeaders(
      {
        'x-ratelimit-limit-requests-day': '14400',
        'x-ratelimit-limit-tokens-minute': '60000',
        'x-ratelimit-remaining-requests-day': '14370',
        'x-ratelimit-remaining-tokens-minute': '0',
        'x-ratelimit-reset-requests-day': '33011.382867097855',
        'x-ratelimit-reset-tokens-minute': '11.382867097854614',
      },
      NOW,
    );
    assert.deepEqual(snap, {
      requests: { limit: 14_400, remaining: 14_370, resetAt: NOW + 33_011_383 },
      tokens: { limit: 60_000, remaining: 0, resetAt: NOW + 11_383 },
    });
  });

  it('reads OpenRouter’s unsuffixed x-ratelimit-* as the requests window, its reset in epoch milliseconds', () => {
    const snap = parseRateLimitHeaders({ 'x-ratelimit-limit': '20', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW + 42_000) }, NOW);
    assert.deepEqual(snap, { requests: { limit: 20, remaining: 0, resetAt: NOW + 42_000 } });
  });

  it('reads Anthropic anthropic-ratelimit-* headers with RFC 3339 reset times, including input/output token limits', () => {
    const snap = parseRateLimitHeaders(
      {
        'anthropic-ratelimit-requests-limit': '4000',
        'anthropic-ratelimit-requests-remaining': '3999',
        'anthropic-ratelimit-requests-reset': '2025-01-15T14:24:00Z',
        'anthropic-ratelimit-tokens-limit': '400000',
        'anthropic-ratelimit-tokens-remaining': '312000',
        'anthropic-ratelimit-tokens-reset': '2025-01-15T14:23:15Z',
        'anthropic-ratelimit-input-tokens-limit': '200000',
        'anthropic-ratelimit-input-tokens-remaining': '199000',
        'anthropic-ratelimit-input-tokens-reset': '2025-01-15T14:23:01.500Z',
        'anthropic-ratelimit-output-tokens-limit': '80000',
        'anthropic-ratelimit-output-tokens-remaining': '79000',
        'anthropic-ratelimit-output-tokens-reset': '2025-01-15T15:23:00+01:00',
      },
      NOW,
    );
    assert.deepEqual(snap, {
      requests: { limit: 4_000, remaining: 3_999, resetAt: NOW + 60_000 },
      tokens: { limit: 400_000, remaining: 312_000, resetAt: NOW + 15_000 },
      inputTokens: { limit: 200_000, remaining: 199_000, resetAt: NOW + 1_500 },
      outputTokens: { limit: 80_000, remaining: 79_000, resetAt: NOW },
    });
  });

  it('returns an empty snapshot when no rate-limit headers are present', () => {
    assert.deepEqual(parseRateLimitHeaders({ 'content-type': 'application/json', 'retry-after': '3' }, NOW), {});
  });

  it('skips unparseable or negative values but keeps the rest', () => {
    const snap = parseRateLimitHeaders(
      {
        'x-ratelimit-limit-tokens': '-1',
        'x-ratelimit-remaining-tokens': 'lots',
        'x-ratelimit-reset-tokens': '0',
        'x-ratelimit-limit-requests': '',
        'x-ratelimit-reset-requests': 'soon',
        'anthropic-ratelimit-requests-reset': 'yesterday-ish',
      },
      NOW,
    );
    assert.deepEqual(snap, { tokens: { resetAt: NOW } });
  });

  it('accepts an array header value (first wins)', () => {
    const snap = parseRateLimitHeaders({ 'x-ratelimit-remaining-requests': ['7', '8'] }, NOW);
    assert.deepEqual(snap, { requests: { remaining: 7 } });
  });
});

describe('parseDurationMs', () => {
  it('parses every Go duration unit and combination', () => {
    assert.equal(parseDurationMs('20ms'), 20);
    assert.equal(parseDurationMs('1s'), 1_000);
    assert.equal(parseDurationMs('6m0s'), 360_000);
    assert.equal(parseDurationMs('1h2m3.5s'), 3_723_500);
    assert.equal(parseDurationMs('1m30s'), 90_000);
    assert.equal(parseDurationMs('0s'), 0);
    assert.equal(parseDurationMs('1500us'), 1.5);
    assert.equal(parseDurationMs('2000000ns'), 2);
    assert.equal(parseDurationMs('12'), 12_000);
  });

  it('rejects text that is not a duration', () => {
    for (const bad of ['', 's', '1x', '1s junk', '-1s', '1.s']) assert.equal(parseDurationMs(bad), undefined, bad);
  });
});
