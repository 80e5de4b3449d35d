// A recorded-style message sequence for the dashboard: a snapshot of an hour in which one provider's breaker
// opened, one was rate-limited, one is probing and one was isolated, then the deltas of the next seconds.
// Deterministic (seeded noise, times relative to `now`), so the browser test can assert exact numbers.
import { providerHealth, type LastOutcome } from '../../src/engine/health/providerHealth';
import { adviseFailure } from '../../src/engine/failureAdvice';
import { qualityScore } from '../../src/engine/quality/qualityScore';
import { noSignals, type QualitySignals } from '../../src/engine/quality/qualitySignals';
import type { ProviderKind } from '../../src/engine/types';
import { usesKey } from '../../src/extension/dashboard/toProtocol';
import { EMPTY_STATS, type DeltaMessage, type HistoryPointDto, type LogEventDto, type ProviderStatusDto, type QualityRankDto, type SnapshotMessage, type TeamDto, type WindowStatsDto } from '../../src/extension/dashboard/protocol';

const MIN = 60_000;

function seeded(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return x / 2_147_483_648;
  };
}

interface Profile {
  id: string;
  kind: string;
  model: string;
  baseUrl: string;
  latency: number;
  ttft: number;
  perMinute: number;
  errorRate: number;
  costPerRequest: number;
  /** Minutes ago from which the provider gets no successful traffic. */
  quietSince?: number;
}

const PROFILES: Profile[] = [
  { id: 'claude', kind: 'anthropic', model: 'claude-sonnet-4-5', baseUrl: 'https://api.anthropic.com', latency: 1_150, ttft: 420, perMinute: 11, errorRate: 0.04, costPerRequest: 0.0042 },
  { id: 'openai', kind: 'openai', model: 'gpt-4o-mini', baseUrl: 'https://api.openai.com/v1', latency: 820, ttft: 310, perMinute: 9, errorRate: 0.03, costPerRequest: 0.0006, quietSince: 3 },
  { id: 'groq', kind: 'openai-compatible', model: 'llama-3.3-70b-versatile', baseUrl: 'https://api.groq.com/openai/v1', latency: 380, ttft: 120, perMinute: 14, errorRate: 0.06, costPerRequest: 0.0004 },
  { id: 'gemini', kind: 'gemini', model: 'gemini-2.5-flash', baseUrl: 'https://generativelanguage.googleapis.com', latency: 960, ttft: 380, perMinute: 5, errorRate: 0.08, costPerRequest: 0.0009 },
  { id: 'ollama', kind: 'ollama', model: 'llama3.2', baseUrl: 'http://localhost:11434', latency: 2_300, ttft: 650, perMinute: 3, errorRate: 0, costPerRequest: 0, quietSince: 22 },
];

function history(p: Profile, now: number, rand: () => number): HistoryPointDto[] {
  const points: HistoryPointDto[] = [];
  const current = Math.floor(now / MIN) * MIN;
  for (let ago = 60; ago >= 0; ago--) {
    const t = current - ago * MIN;
    const quiet = p.quietSince !== undefined && ago < p.quietSince;
    const wave = 1 + 0.25 * Math.sin((t / MIN) * 0.21 + p.latency);
    let requests = Math.max(1, Math.round(p.perMinute * (0.7 + 0.6 * rand()) * (ago === 0 ? 0.4 : 1)));
    let errors = Math.round(requests * p.errorRate * 2 * rand());
    if (p.id === 'openai' && ago >= 3 && ago <= 5) errors = requests;
    if (p.id === 'groq' && ago <= 8 && ago >= 6) errors = Math.ceil(requests * 0.4);
    if (quiet) {
      if (p.id === 'ollama') continue;
      requests = 0;
      errors = 0;
    }
    if (requests === 0) continue;
    const ok = requests - errors;
    const p50 = ok > 0 ? Math.round(p.latency * wave * (0.9 + 0.2 * rand())) : null;
    const spike = ago % 17 === 3 ? 1.8 : 1;
    points.push({
      t,
      requests,
      errors,
      p50,
      p95: p50 === null ? null : Math.round(p50 * (1.7 + 0.4 * rand()) * spike),
      p99: p50 === null ? null : Math.round(p50 * (2.6 + 0.8 * rand()) * spike),
      ttftP50: p50 === null ? null : Math.round(p.ttft * wave * (0.9 + 0.2 * rand())),
      costUsd: Math.round(ok * p.costPerRequest * (0.8 + 0.4 * rand()) * 1e6) / 1e6,
    });
  }
  return points;
}

/** Window stats that agree with the minute points; failures are split across `classes`, most to the first. */
function statsOf(points: HistoryPointDto[], classes: string[], extra: Partial<WindowStatsDto>): WindowStatsDto {
  const requests = points.reduce((n, p) => n + p.requests, 0);
  const errorCount = points.reduce((n, p) => n + p.errors, 0);
  const major = classes.length > 1 ? Math.ceil(errorCount * 0.8) : errorCount;
  const errorsByClass = errorCount === 0 ? [] : classes.map((errorClass, i) => ({ errorClass, count: i === 0 ? major : errorCount - major })).filter((e) => e.count > 0);
  return {
    requests,
    successes: requests - errorCount,
    errorCount,
    errorRate: requests > 0 ? errorCount / requests : null,
    errorsByClass,
    retries: 0,
    fallbacks: 0,
    latency: { p50: null, p95: null, p99: null },
    ttft: { p50: null, p95: null, p99: null },
    tokens: { input: requests * 900, output: requests * 210, cached: requests * 120 },
    // 120 of every 900 input tokens read from provider caches at Sonnet 4.5 prices ($3 input, $0.30 read), 30 written ($3.75).
    providerCache: {
      inputTokens: requests * 900,
      cachedInputTokens: requests * 120,
      cacheWriteTokens: requests * 30,
      share: requests > 0 ? 120 / 900 : null,
      savedUsd: (requests * 120 * 2.7) / 1e6,
      writePremiumUsd: (requests * 30 * 0.75) / 1e6,
      netSavedUsd: (requests * (120 * 2.7 - 30 * 0.75)) / 1e6,
    },
    costUsd: points.reduce((n, p) => n + p.costUsd, 0),
    unknownCostRequests: 0,
    ...extra,
  };
}

const CLASSES = { claude: ['overloaded'], openai: ['server_error', 'timeout'], groq: ['rate_limited'], gemini: ['timeout'] };

export interface FixtureSequence {
  snapshot: SnapshotMessage;
  deltas: DeltaMessage[];
}

type UnjudgedStatus = Omit<ProviderStatusDto, 'health' | 'usesKey' | 'lastError'>;

/** The status with the engine's own verdict on it, as the host sends it; every provider here has answered before. */
function judged(p: UnjudgedStatus, now: number, lastOutcome?: LastOutcome): ProviderStatusDto {
  const kind = p.kind as ProviderKind;
  const err = p.breaker.lastError;
  const lastError = err ? { ...err, advice: adviseFailure({ provider: p.id, errorClass: err.errorClass, kind, baseUrl: p.baseUrl, message: err.message }).text } : undefined;
  return { ...p, usesKey: usesKey(kind, p.baseUrl), ...(lastError ? { lastError } : {}), health: providerHealth({ breaker: { provider: p.id, ...p.breaker }, coolingDownUntil: p.coolingDownUntil, lastOutcome, everAnswered: true, now }) };
}

/** A ranking entry scored by the engine's own formula, so the numbers shown are the ones it would compute. */
export function qualityRank(provider: string, model: string, signals: Partial<QualitySignals>): QualityRankDto {
  const full = { ...noSignals(), ...signals };
  return { provider, model, score: Math.round(qualityScore(full) * 1000) / 1000, signals: full };
}

/** The ranking of the hour: groq's answers often stop at the token limit, gemini's findings once did not parse. */
export function qualityFixture(): QualityRankDto[] {
  return [
    qualityRank('claude', 'claude-sonnet-4-5', { answers: 41.3, flagged: 1.2, truncated: 1.2, applied: 6.8, discarded: 0.9, accepted: 14.2, ignored: 22.6 }),
    qualityRank('openai', 'gpt-4o-mini', { answers: 18.4, flagged: 0.6, empty: 0.6, applied: 1.9, accepted: 3.1, ignored: 9.4 }),
    qualityRank('ollama', 'llama3.2', {}),
    qualityRank('gemini', 'gemini-2.5-flash', { answers: 7.9, flagged: 0.8, schemaFailed: 0.8, unparsedFindings: 1, discarded: 1.4 }),
    qualityRank('groq', 'llama-3.3-70b-versatile', { answers: 12.5, flagged: 5.1, truncated: 4.7, toolArgsFailed: 0.4, discarded: 2.2, ignored: 3 }),
  ].sort((a, b) => b.score - a.score);
}

function teamFigures(requests: number, failed: number, calls: number, failedCalls: number, tokens: [number, number], costUsd: number, p95: number) {
  const stats = { ...EMPTY_STATS, requests: calls, successes: calls - failedCalls, errorCount: failedCalls, costUsd, tokens: { input: tokens[0], output: tokens[1], cached: 0 }, latency: { p50: p95 / 3, p95, p99: p95 * 1.4 } };
  return { stats, routed: { requests, answered: requests - failed, failed, errorRate: requests > 0 ? failed / requests : null } };
}

/** Three members sharing metrics in the hour: a CI agent, this laptop and a gateway; the total is their sum. */
export function teamFixture(now: number): TeamDto {
  return {
    total: teamFigures(412, 3, 440, 31, [2_315_000, 98_400], 6.9123, 2_210),
    members: [
      { id: '7c1e09a4b2d3', label: 'ci-runner-04 (7c1e09)', self: false, lastSeenAt: now - 40_000, ...teamFigures(268, 2, 283, 17, [1_640_000, 61_200], 4.2011, 2_430) },
      { id: 'a93f5d20e611', label: 'dana-laptop (a93f5d)', self: true, lastSeenAt: now - 2_000, ...teamFigures(97, 1, 106, 12, [512_000, 24_900], 1.8412, 1_980) },
      { id: '0b44c8e7f915', label: 'gateway-eu (0b44c8)', self: false, lastSeenAt: now - 310_000, ...teamFigures(47, 0, 51, 2, [163_000, 12_300], 0.87, 1_120) },
    ],
  };
}

/** The sequence as of `now` (epoch ms), window '1h'. */
export function fixtureSequence(now: number): FixtureSequence {
  const rand = seeded(42);
  const hist = new Map(PROFILES.map((p) => [p.id, history(p, now, rand)]));
  const unjudged: UnjudgedStatus[] = [
    {
      id: 'claude',
      kind: 'anthropic',
      model: 'claude-sonnet-4-5',
      baseUrl: 'https://api.anthropic.com',
      breaker: { state: 'closed', since: now - 3 * 3_600_000, consecutiveFailures: 0, failureRate: 0, requestsInWindow: 12 },
      headroom: { requestsRemaining: 3_987, tokensRemaining: 381_200 },
    },
    {
      id: 'openai',
      kind: 'openai',
      model: 'gpt-4o-mini',
      baseUrl: 'https://api.openai.com/v1',
      breaker: {
        state: 'open',
        since: now - 2 * MIN - 14_000,
        consecutiveFailures: 5,
        failureRate: 1,
        requestsInWindow: 5,
        openUntil: now + 18_000,
        lastError: { errorClass: 'server_error', message: "Provider 'openai': 503 Service Unavailable — The server is overloaded or not ready yet.", at: now - 2 * MIN - 14_000 },
      },
    },
    {
      id: 'groq',
      kind: 'openai-compatible',
      model: 'llama-3.3-70b-versatile',
      baseUrl: 'https://api.groq.com/openai/v1',
      breaker: {
        state: 'closed',
        since: now - 55 * MIN,
        consecutiveFailures: 1,
        failureRate: 0.18,
        requestsInWindow: 11,
        lastError: { errorClass: 'rate_limited', message: "Provider 'groq': 429 Too Many Requests — Rate limit reached for model llama-3.3-70b-versatile on tokens per minute.", at: now - 41_000 },
      },
      coolingDownUntil: now + 21_000,
      headroom: { requestsRemaining: 14_212, tokensRemaining: 0, resetAt: now + 21_000, limitedBy: 'tokens' },
      keys: [
        { label: 'key 1 of 2', active: false, coolingDownUntil: now + 21_000, reason: 'rate_limited' },
        { label: 'key 2 of 2', active: true },
      ],
    },
    {
      id: 'gemini',
      kind: 'gemini',
      model: 'gemini-2.5-flash',
      baseUrl: 'https://generativelanguage.googleapis.com',
      breaker: {
        state: 'half-open',
        since: now - 6_000,
        consecutiveFailures: 3,
        failureRate: 0.5,
        requestsInWindow: 6,
        lastError: { errorClass: 'timeout', message: "Provider 'gemini': no first token within 30000 ms.", at: now - 36_000 },
      },
    },
    {
      id: 'ollama',
      kind: 'ollama',
      model: 'llama3.2',
      baseUrl: 'http://localhost:11434',
      breaker: { state: 'isolated', since: now - 22 * MIN, consecutiveFailures: 0, failureRate: 0, requestsInWindow: 0 },
    },
  ];
  const statuses = unjudged.map((p) => judged(p, now, p.id === 'claude' ? { ok: true, at: now - 4_000 } : undefined));
  const stats = [
    {
      provider: 'claude',
      stats: statsOf(hist.get('claude') as HistoryPointDto[], CLASSES.claude, {
        retries: 4,
        fallbacks: 19,
        latency: { p50: 1_180, p95: 2_430, p99: 3_900 },
        ttft: { p50: 432, p95: 910, p99: 1_480 },
      }),
    },
    {
      provider: 'openai',
      stats: statsOf(hist.get('openai') as HistoryPointDto[], CLASSES.openai, {
        retries: 11,
        fallbacks: 0,
        latency: { p50: 812, p95: 1_640, p99: 2_870 },
        ttft: { p50: 305, p95: 690, p99: 1_120 },
      }),
    },
    {
      provider: 'groq',
      stats: statsOf(hist.get('groq') as HistoryPointDto[], CLASSES.groq, {
        retries: 9,
        fallbacks: 14,
        latency: { p50: 371, p95: 795, p99: 1_310 },
        ttft: { p50: 118, p95: 260, p99: 405 },
      }),
    },
    {
      provider: 'gemini',
      stats: statsOf(hist.get('gemini') as HistoryPointDto[], CLASSES.gemini, {
        retries: 6,
        fallbacks: 3,
        latency: { p50: 955, p95: 2_010, p99: 3_340 },
        ttft: { p50: 371, p95: 802, p99: 1_200 },
      }),
    },
    {
      provider: 'ollama',
      stats: statsOf(hist.get('ollama') as HistoryPointDto[], [], {
        latency: { p50: 2_280, p95: 4_100, p99: 6_020 },
        ttft: { p50: 640, p95: 1_150, p99: 1_730 },
      }),
    },
  ];
  const all = [...hist.values()].flat();
  const totals = statsOf(all, ['rate_limited', 'server_error'], {
    retries: 30,
    fallbacks: 36,
    latency: { p50: 860, p95: 2_210, p99: 3_720 },
    ttft: { p50: 330, p95: 850, p99: 1_390 },
  });
  const events: LogEventDto[] = [
    { kind: 'breaker', id: 1, at: now - 22 * MIN, provider: 'ollama', from: 'closed', to: 'isolated', reason: 'isolated' },
    { kind: 'failure', id: 2, at: now - 8 * MIN, provider: 'groq', model: 'llama-3.3-70b-versatile', errorClass: 'rate_limited', latencyMs: 212 },
    { kind: 'fallback', id: 3, at: now - 8 * MIN + 300, from: 'groq', to: 'claude', errorClass: 'rate_limited' },
    { kind: 'budget', id: 4, at: now - 6 * MIN, budget: 'daily', spentUsd: 4.01, limitUsd: 5, percent: 80.2 },
    { kind: 'failure', id: 5, at: now - 5 * MIN, provider: 'openai', model: 'gpt-4o-mini', errorClass: 'server_error', latencyMs: 1_840 },
    { kind: 'fallback', id: 6, at: now - 5 * MIN + 200, from: 'openai', to: 'groq', errorClass: 'server_error' },
    { kind: 'failure', id: 7, at: now - 2 * MIN - 14_100, provider: 'openai', model: 'gpt-4o-mini', errorClass: 'server_error', latencyMs: 2_030 },
    { kind: 'breaker', id: 8, at: now - 2 * MIN - 14_000, provider: 'openai', from: 'closed', to: 'open', reason: 'consecutive-failures' },
    { kind: 'fallback', id: 9, at: now - 2 * MIN - 13_800, from: 'openai', to: 'claude', errorClass: 'server_error' },
    { kind: 'breaker', id: 10, at: now - 96_000, provider: 'gemini', from: 'closed', to: 'open', reason: 'consecutive-failures' },
    { kind: 'failure', id: 11, at: now - 41_000, provider: 'groq', model: 'llama-3.3-70b-versatile', errorClass: 'rate_limited', latencyMs: 188 },
    { kind: 'fallback', id: 12, at: now - 40_800, from: 'groq', to: 'claude', errorClass: 'rate_limited' },
    { kind: 'breaker', id: 13, at: now - 6_000, provider: 'gemini', from: 'open', to: 'half-open', reason: 'half-open-after-wait' },
  ];
  const costs: SnapshotMessage['costs'] = {
    today: {
      costUsd: 4.21,
      requests: 1_712,
      unknownCostRequests: 0,
      providers: [
        { provider: 'claude', costUsd: 3.38, requests: 803, unknownCostRequests: 0, models: [{ model: 'claude-sonnet-4-5', costUsd: 3.38, requests: 803, unknownCostRequests: 0 }] },
        { provider: 'groq', costUsd: 0.41, requests: 512, unknownCostRequests: 0, models: [{ model: 'llama-3.3-70b-versatile', costUsd: 0.41, requests: 512, unknownCostRequests: 0 }] },
        { provider: 'openai', costUsd: 0.29, requests: 301, unknownCostRequests: 0, models: [{ model: 'gpt-4o-mini', costUsd: 0.29, requests: 301, unknownCostRequests: 0 }] },
        { provider: 'gemini', costUsd: 0.13, requests: 96, unknownCostRequests: 0, models: [{ model: 'gemini-2.5-flash', costUsd: 0.13, requests: 96, unknownCostRequests: 0 }] },
      ],
    },
    month: {
      costUsd: 61.87,
      requests: 24_410,
      unknownCostRequests: 0,
      providers: [
        {
          provider: 'claude',
          costUsd: 48.2,
          requests: 11_020,
          unknownCostRequests: 0,
          models: [
            { model: 'claude-sonnet-4-5', costUsd: 45.9, requests: 10_400, unknownCostRequests: 0 },
            { model: 'claude-haiku-4-5', costUsd: 2.3, requests: 620, unknownCostRequests: 0 },
          ],
        },
        { provider: 'openai', costUsd: 7.12, requests: 6_800, unknownCostRequests: 0, models: [{ model: 'gpt-4o-mini', costUsd: 7.12, requests: 6_800, unknownCostRequests: 0 }] },
        { provider: 'groq', costUsd: 4.95, requests: 5_100, unknownCostRequests: 0, models: [{ model: 'llama-3.3-70b-versatile', costUsd: 4.95, requests: 5_100, unknownCostRequests: 0 }] },
        { provider: 'gemini', costUsd: 1.6, requests: 1_090, unknownCostRequests: 0, models: [{ model: 'gemini-2.5-flash', costUsd: 1.6, requests: 1_090, unknownCostRequests: 0 }] },
      ],
    },
    budget: { dailyUsd: 5, monthlyUsd: 150, warnAtPercent: 80 },
  };
  const snapshot: SnapshotMessage = {
    type: 'snapshot',
    seq: 1,
    now,
    window: '1h',
    providers: statuses,
    stats,
    totals,
    routed: { requests: totals.requests - totals.fallbacks, answered: totals.successes, failed: totals.requests - totals.fallbacks - totals.successes, errorRate: (totals.requests - totals.fallbacks - totals.successes) / (totals.requests - totals.fallbacks) },
    history: PROFILES.map((p) => ({ provider: p.id, points: hist.get(p.id) as HistoryPointDto[] })),
    costs,
    cache: { enabled: true, entries: 128, memoryBytes: 2_516_582, diskBytes: 3_250_000, evictions: 3, hits: 57, misses: 212, hitRate: 57 / 269 },
    events,
    quality: qualityFixture(),
  };

  const claudeStats = stats[0].stats;
  const claudeLast = (hist.get('claude') as HistoryPointDto[]).at(-1) as HistoryPointDto;
  const deltas: DeltaMessage[] = [
    {
      type: 'delta',
      seq: 2,
      now: now + 250,
      stats: [{ provider: 'claude', stats: { ...claudeStats, requests: claudeStats.requests + 1, successes: claudeStats.successes + 1, fallbacks: claudeStats.fallbacks + 1 } }],
      history: [{ provider: 'claude', points: [{ ...claudeLast, requests: claudeLast.requests + 1 }] }],
      events: [{ kind: 'fallback', id: 14, at: now + 200, from: 'groq', to: 'claude', errorClass: 'rate_limited' }],
      costs: { ...costs, today: { ...costs.today, costUsd: 4.25 } },
    },
    {
      type: 'delta',
      seq: 3,
      now: now + 500,
      providers: [judged({ ...unjudged[3], breaker: { ...unjudged[3].breaker, state: 'closed', since: now + 480, consecutiveFailures: 0, failureRate: 0 } }, now + 500, { ok: true, at: now + 480 })],
      events: [{ kind: 'breaker', id: 15, at: now + 480, provider: 'gemini', from: 'half-open', to: 'closed', reason: 'probe-succeeded' }],
      cache: { ...snapshot.cache, hits: 58, hitRate: 58 / 270 },
    },
  ];
  return { snapshot, deltas };
}
