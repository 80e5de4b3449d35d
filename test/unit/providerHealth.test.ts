import assert from 'node:assert/strict';
import { providerHealth, summarizeHealth, type HealthInputs, type HealthState } from '../../src/engine/health/providerHealth';
import type { BreakerSnapshot } from '../../src/engine/resilience/circuitBreaker';

// 10:40:00 local time, so clock texts read the same in every time zone.
const NOW = new Date(2026, 11, 3, 10, 40, 0).getTime();
const S = 1_000;

function breaker(over: Partial<BreakerSnapshot> = {}): BreakerSnapshot {
  return { provider: 'p', state: 'closed', since: NOW - 3_600 * S, consecutiveFailures: 0, failureRate: 0, requestsInWindow: 0, ...over };
}

function inputs(over: Partial<HealthInputs> = {}): HealthInputs {
  return { breaker: breaker(), everAnswered: true, now: NOW, ...over };
}

const timeout = { errorClass: 'timeout', message: "Provider 'p': no first token within 8000 ms.", at: NOW - 20 * S };

describe('provider health (the one definition every surface shows)', () => {
  const cases: Array<[string, HealthInputs, HealthState, string]> = [
    ['a provider that never answered is unknown, not healthy', inputs({ everAnswered: false }), 'unknown', 'No answer yet'],
    ['after a success it is healthy, saying when it last answered', inputs({ lastOutcome: { ok: true, at: NOW - 5 * S } }), 'healthy', 'Last answered at 10:39:55'],
    ['answered in an earlier session and not asked since: healthy', inputs(), 'healthy', 'Answered before; no request since the router started'],
    [
      'its last request failed: degraded, even with a closed breaker and a clean past',
      inputs({ lastOutcome: { ok: false, at: NOW - 2 * S, errorClass: 'connection', message: "Provider 'p': connection refused (ECONNREFUSED)" } }),
      'degraded',
      "Last request failed at 10:39:58: connection — Provider 'p': connection refused (ECONNREFUSED)",
    ],
    [
      'a failure before it ever answered is degraded, not unknown: something is known, and it is bad',
      inputs({ everAnswered: false, lastOutcome: { ok: false, at: NOW - 2 * S, errorClass: 'missing_key' } }),
      'degraded',
      'Last request failed at 10:39:58: missing key',
    ],
    [
      'with no outcome seen by this process, a failure its breaker remembers (another process, a restart) still counts',
      inputs({ everAnswered: false, breaker: breaker({ consecutiveFailures: 1, requestsInWindow: 1, failureRate: 1, lastError: timeout }) }),
      'degraded',
      "Last request failed at 10:39:40: timeout — Provider 'p': no first token within 8000 ms.",
    ],
    [
      'breaker open: unavailable until the probe, with the count and class of failures that opened it',
      inputs({ breaker: breaker({ state: 'open', openUntil: NOW + 150 * S, consecutiveFailures: 5, failureRate: 1, requestsInWindow: 5, lastError: timeout }) }),
      'unavailable',
      'Breaker open until 10:42:30 after 5 consecutive timeout failures',
    ],
    [
      'breaker opened by its failure rate',
      inputs({ breaker: breaker({ state: 'open', openUntil: NOW + 30 * S, consecutiveFailures: 1, failureRate: 0.5, requestsInWindow: 20, lastError: timeout }) }),
      'unavailable',
      'Breaker open until 10:40:30 after 50 % of 20 recent requests failed',
    ],
    [
      'inside a Retry-After wait: unavailable until then, although its last request may have succeeded',
      inputs({ coolingDownUntil: NOW + 12 * S, lastOutcome: { ok: true, at: NOW - S } }),
      'unavailable',
      "Rate-limited until 10:40:12 (the provider's Retry-After)",
    ],
    [
      'a Retry-After wait that has run out no longer counts',
      inputs({ coolingDownUntil: NOW - 1, lastOutcome: { ok: true, at: NOW - 30 * S } }),
      'healthy',
      'Last answered at 10:39:30',
    ],
    [
      "the provider's announced requests used up: unavailable until the reset, although its last request succeeded",
      inputs({ rateLimit: { limitedBy: 'requests', resetAt: NOW + 20 * S }, lastOutcome: { ok: true, at: NOW - S } }),
      'unavailable',
      "Held back until 10:40:20: the provider's announced requests are used up",
    ],
    [
      'limits.tpm reached: unavailable until the oldest request leaves the minute',
      inputs({ rateLimit: { limitedBy: 'tpm', resetAt: NOW + 45 * S }, lastOutcome: { ok: true, at: NOW - S } }),
      'unavailable',
      'Held back until 10:40:45: limits.tpm reached for this minute',
    ],
    [
      'a used-up limit whose reset has passed no longer holds it back',
      inputs({ rateLimit: { limitedBy: 'output_tokens', resetAt: NOW - 1 }, lastOutcome: { ok: true, at: NOW - 30 * S } }),
      'healthy',
      'Last answered at 10:39:30',
    ],
    [
      'headroom that is low but not used up is no reason to hold it back',
      inputs({ rateLimit: { resetAt: NOW + 20 * S }, lastOutcome: { ok: true, at: NOW - S } }),
      'healthy',
      'Last answered at 10:39:59',
    ],
    [
      'an open breaker says more than a used-up limit: it would not be called even with headroom',
      inputs({ rateLimit: { limitedBy: 'requests', resetAt: NOW + 20 * S }, breaker: breaker({ state: 'open', openUntil: NOW + 30 * S, consecutiveFailures: 5, failureRate: 1, requestsInWindow: 5, lastError: timeout }) }),
      'unavailable',
      'Breaker open until 10:40:30 after 5 consecutive timeout failures',
    ],
    ['half-open: degraded while the next request tests it', inputs({ breaker: breaker({ state: 'half-open', since: NOW - 3 * S }) }), 'degraded', 'Breaker half-open: the next request tests whether it recovered'],
    [
      'isolated by the user, whatever else is true',
      inputs({ breaker: breaker({ state: 'isolated', since: NOW - 120 * S }), coolingDownUntil: NOW + 60 * S }),
      'isolated',
      'Isolated since 10:38:00: no requests are sent until you restore it',
    ],
    [
      'a last success among many recent failures is still degraded',
      inputs({ breaker: breaker({ failureRate: 0.25, requestsInWindow: 8 }), lastOutcome: { ok: true, at: NOW - S } }),
      'degraded',
      '25 % of its 8 recent requests failed',
    ],
    ['a few failures among many answers stay healthy', inputs({ breaker: breaker({ failureRate: 0.05, requestsInWindow: 40 }), lastOutcome: { ok: true, at: NOW - S } }), 'healthy', 'Last answered at 10:39:59'],
  ];

  for (const [what, input, state, reason] of cases) {
    it(what, () => {
      assert.deepEqual(providerHealth(input), { state, reason });
    });
  }

  it('keeps a long error message to one short line', () => {
    const message = `line one\n${'x'.repeat(400)}`;
    const { reason } = providerHealth(inputs({ lastOutcome: { ok: false, at: NOW, errorClass: 'server_error', message } }));
    assert.doesNotMatch(reason, /\n/);
    assert.ok(reason.length < 220, `${reason.length} chars`);
    assert.match(reason, /^Last request failed at 10:40:00: server error — line one x+…$/);
  });
});

describe('health summary (status bar n/m and the dashboard headline)', () => {
  const cases: Array<[HealthState[], number, string, string]> = [
    [['unknown', 'unknown'], 0, 'unknown', '0 of 2 providers healthy'],
    [['healthy', 'unknown'], 1, 'unknown', '1 of 2 providers healthy'],
    [['healthy', 'healthy'], 2, 'healthy', '2 of 2 providers healthy'],
    [['healthy', 'degraded'], 1, 'degraded', '1 of 2 providers healthy'],
    [['unavailable', 'healthy', 'isolated'], 1, 'degraded', '1 of 3 providers healthy'],
    [['unavailable', 'isolated'], 0, 'down', '0 of 2 providers healthy'],
    [['healthy'], 1, 'healthy', '1 of 1 provider healthy'],
    [[], 0, 'down', 'No providers configured'],
  ];
  for (const [states, healthy, overall, headline] of cases) {
    it(`[${states.join(', ')}] → ${healthy}/${states.length}, ${overall}`, () => {
      assert.deepEqual(summarizeHealth(states), { healthy, total: states.length, overall, headline });
    });
  }
});
