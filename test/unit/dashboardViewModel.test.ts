import assert from 'node:assert/strict';
import { EMPTY_STATS, type DeltaMessage, type HistoryPointDto, type LogEventDto, type ProviderStatusDto, type SnapshotMessage, type WindowStatsDto } from '../../src/extension/dashboard/protocol';
import { providerHealth } from '../../src/engine/health/providerHealth';
import { formatAgo, formatBytes, formatClock, formatMs, formatPercent, formatUsd } from '../../webview/format';
import {
  cacheView,
  costChart,
  costView,
  DashboardStore,
  effectiveFilter,
  eventViews,
  latencyChart,
  providerCacheView,
  providerViews,
  summaryView,
  trafficChart,
} from '../../webview/viewModel';

const MIN = 60_000;
// 14:32:10 local time, so clock texts read the same in every time zone.
const NOW = new Date(2026, 10, 22, 14, 32, 10).getTime();

function stats(over: Partial<WindowStatsDto> = {}): WindowStatsDto {
  return { ...EMPTY_STATS, ...over };
}

/** A provider as the host sends it: its health is the engine's verdict on its breaker (one that has answered before). */
function provider(id: string, breaker: Partial<ProviderStatusDto['breaker']> = {}, over: Partial<ProviderStatusDto> = {}): ProviderStatusDto {
  const b: ProviderStatusDto['breaker'] = { state: 'closed', since: NOW - 3 * 3_600_000, consecutiveFailures: 0, failureRate: 0, requestsInWindow: 0, ...breaker };
  const health = providerHealth({ breaker: { provider: id, ...b }, coolingDownUntil: over.coolingDownUntil, everAnswered: true, now: NOW });
  return { id, kind: 'openai', model: `${id}-model`, baseUrl: `https://${id}.example/v1`, breaker: b, health, usesKey: true, ...over };
}

function routed(requests: number, answered = requests): SnapshotMessage['routed'] {
  return { requests, answered, failed: requests - answered, errorRate: requests > 0 ? (requests - answered) / requests : null };
}

function point(t: number, over: Partial<HistoryPointDto> = {}): HistoryPointDto {
  return { t, requests: 10, errors: 0, p50: 500, p95: 900, p99: 1_200, ttftP50: 200, costUsd: 0.01, ...over };
}

function snapshot(over: Partial<SnapshotMessage> = {}): SnapshotMessage {
  return {
    type: 'snapshot',
    seq: 1,
    now: NOW,
    window: '1h',
    providers: [provider('a'), provider('b')],
    stats: [],
    totals: stats(),
    routed: { requests: 0, answered: 0, failed: 0, errorRate: null },
    history: [],
    costs: {
      today: { costUsd: 0, requests: 0, unknownCostRequests: 0, providers: [] },
      month: { costUsd: 0, requests: 0, unknownCostRequests: 0, providers: [] },
      budget: { warnAtPercent: 80 },
    },
    cache: { enabled: true, entries: 0, memoryBytes: 0, diskBytes: 0, evictions: 0, hits: 0, misses: 0, hitRate: null },
    events: [],
    ...over,
  };
}

function delta(seq: number, over: Partial<DeltaMessage> = {}): DeltaMessage {
  return { type: 'delta', seq, now: NOW + seq * 250, ...over };
}

function storeWith(...messages: (SnapshotMessage | DeltaMessage)[]): DashboardStore {
  const store = new DashboardStore();
  for (const m of messages) store.apply(m, m.now);
  return store;
}

describe('dashboard view model', () => {
  describe('providers', () => {
    it('shows each provider in routing order with the health the host sent: healthy, unavailable (open), degraded (half-open), isolated', () => {
      const store = storeWith(
        snapshot({
          providers: [
            provider('claude'),
            provider('openai', { state: 'open', since: NOW - 2 * MIN - 14_000, openUntil: NOW + 18_000 }),
            provider('gemini', { state: 'half-open', since: NOW - 6_000 }),
            provider('ollama', { state: 'isolated', since: NOW - 22 * MIN }),
          ],
        }),
      );
      const views = providerViews(store, NOW);
      assert.deepEqual(
        views.map((v) => [v.id, v.health, v.healthLabel]),
        [
          ['claude', 'healthy', 'Healthy'],
          ['openai', 'unavailable', 'Unavailable'],
          ['gemini', 'degraded', 'Degraded'],
          ['ollama', 'isolated', 'Isolated'],
        ],
      );
      assert.equal(views[0].stateDetail, 'since 11:32:10 (3 h ago)');
      assert.equal(views[1].stateDetail, 'since 14:29:56 (2 min ago) · probe in 18 s');
      assert.equal(views[3].isolated, true);
      assert.equal(views[0].isolated, false);
    });

    it("shows the host's health verdict and its reason as sent, never a verdict of its own", () => {
      const store = storeWith(
        snapshot({
          providers: [
            // A breaker that looks fine, with a verdict that says otherwise: the page must follow the verdict.
            provider('fresh', {}, { health: { state: 'unknown', reason: 'No answer yet' } }),
            provider('failed', {}, { health: { state: 'degraded', reason: 'Last request failed at 14:32:01: timeout' } }),
            provider('limited', {}, { coolingDownUntil: NOW + 21_000 }),
            provider('fine'),
          ],
        }),
      );
      assert.deepEqual(
        providerViews(store, NOW).map((v) => [v.id, v.health, v.healthLabel, v.reason]),
        [
          ['fresh', 'unknown', 'Unknown', 'No answer yet'],
          ['failed', 'degraded', 'Degraded', 'Last request failed at 14:32:01: timeout'],
          ['limited', 'unavailable', 'Unavailable', "Rate-limited until 14:32:31 (the provider's Retry-After)"],
          ['fine', 'healthy', 'Healthy', 'Answered before; no request since the router started'],
        ],
      );
    });

    it('formats the window numbers: grouped counts, error rate, latency and first-token percentiles, a dash without samples', () => {
      const store = storeWith(
        snapshot({
          stats: [
            {
              provider: 'a',
              stats: stats({
                requests: 12_345,
                errorRate: 0.0213,
                retries: 7,
                fallbacks: 1_002,
                latency: { p50: 420.4, p95: 1_530, p99: 12_400 },
                ttft: { p50: 95, p95: null, p99: 61_000 },
                errorsByClass: [
                  { errorClass: 'rate_limited', count: 3 },
                  { errorClass: 'server_error', count: 1 },
                ],
              }),
            },
          ],
          providers: [provider('a', {}, { lastError: { errorClass: 'rate_limited', message: "Provider 'a': 429", advice: "Provider 'a': 429 Too Many Requests — it is tried again after the wait it asked for; or add another provider", at: NOW - 42_000 } }), provider('b')],
        }),
      );
      const [a, b] = providerViews(store, NOW);
      assert.equal(a.requests, '12,345');
      assert.equal(a.errorRate, '2.1%');
      assert.equal(a.retries, '7');
      assert.equal(a.fallbacks, '1,002');
      assert.deepEqual(a.latency, { p50: '420 ms', p95: '1.53 s', p99: '12.4 s' });
      assert.deepEqual(a.ttft, { p50: '95 ms', p95: '—', p99: '1 min 1 s' });
      assert.equal(a.errorClasses, 'Errors: rate limited ×3 · server error ×1');
      assert.equal(b.errorClasses, '');
      assert.deepEqual(a.lastError, { errorClass: 'rate_limited', advice: "Provider 'a': 429 Too Many Requests — it is tried again after the wait it asked for; or add another provider", message: "Provider 'a': 429", when: '42 s ago' });
      assert.equal(b.requests, '0', 'a provider without requests in the window shows zeros');
      assert.equal(b.errorRate, '—');
      assert.equal(b.lastError, undefined);
    });

    it('shows what the router will still send with its reset, tinted when a limit is used up', () => {
      const store = storeWith(
        snapshot({
          providers: [
            provider('a', {}, { headroom: { requestsRemaining: 3, tokensRemaining: 12_500, resetAt: NOW + 30_000 } }),
            provider('b', {}, { headroom: { requestsRemaining: 0, resetAt: NOW + 30_000, limitedBy: 'rpm' } }),
            provider('c'),
          ],
        }),
      );
      const [a, b, c] = providerViews(store, NOW);
      assert.match(a.headroom?.text ?? '', /^Headroom: 3 requests · 12\.5k tokens, resets \S+/);
      assert.equal(a.headroom?.held, false);
      assert.match(b.headroom?.text ?? '', /^Headroom: 0 requests, resets \S+$/, 'the numbers behind it: the reason is the health line');
      assert.equal(b.headroom?.held, true);
      assert.equal(c.headroom, undefined);
    });

    it('names several keys only by their place, with the one serving and those cooling down', () => {
      const store = storeWith(snapshot({ providers: [provider('a', {}, { keys: [{ label: 'key 1 of 2', active: false, coolingDownUntil: NOW + 30_000, reason: 'rate_limited' }, { label: 'key 2 of 2', active: true }] }), provider('b')] }));
      const [a, b] = providerViews(store, NOW);
      assert.match(a.keys ?? '', /^Keys: key 1 of 2 cooling down until \S+ \(rate limited\) · key 2 of 2 serving$/);
      assert.equal(b.keys, undefined);
    });

    it('sums up overall health as the status bar does, and says on hover why each unhealthy provider is not healthy', () => {
      const mixed = storeWith(
        snapshot({ providers: [provider('a'), provider('b', { state: 'open', openUntil: NOW + 60_000 }), provider('c', {}, { health: { state: 'unknown', reason: 'No answer yet' } })] }),
      );
      const summary = summaryView(mixed);
      assert.deepEqual({ headline: summary.headline, overall: summary.overall }, { headline: '1 of 3 providers healthy', overall: 'degraded' });
      assert.equal(summary.why, 'b: unavailable — Breaker open until 14:33:10 after repeated failures\nc: unknown — No answer yet');
      const down = storeWith(snapshot({ providers: [provider('a', { state: 'open' }), provider('b', { state: 'isolated' })] }));
      assert.equal(summaryView(down).overall, 'down');
    });
  });

  describe('messages', () => {
    it('applies a delta to the providers and stats it names and leaves the others as they were', () => {
      const store = storeWith(
        snapshot({ stats: [{ provider: 'a', stats: stats({ requests: 5 }) }, { provider: 'b', stats: stats({ requests: 9 }) }] }),
        delta(2, { providers: [provider('b', { state: 'open', since: NOW })], stats: [{ provider: 'a', stats: stats({ requests: 6 }) }], routed: routed(15) }),
      );
      const [a, b] = providerViews(store, NOW);
      assert.deepEqual([a.health, a.requests, b.health, b.requests], ['healthy', '6', 'unavailable', '9']);
      assert.equal(summaryView(store).requests, '15');
    });

    it('ignores a delta before any snapshot and a delta not newer than the last message', () => {
      const store = new DashboardStore();
      assert.equal(store.apply(delta(5, { routed: routed(1) })), false);
      assert.equal(store.hasSnapshot, false);
      store.apply(snapshot({ seq: 7, routed: routed(3) }));
      assert.equal(store.apply(delta(7, { routed: routed(99) })), false);
      assert.equal(store.apply(delta(6, { routed: routed(98) })), false);
      assert.equal(summaryView(store).requests, '3');
      assert.equal(store.apply(delta(8, { routed: routed(4) })), true);
      assert.equal(summaryView(store).requests, '4');
    });

    it('replaces the point of a minute already shown, appends new minutes, and drops minutes that left the window', () => {
      const minute = Math.floor(NOW / MIN) * MIN;
      const store = storeWith(
        snapshot({ history: [{ provider: 'a', points: [point(minute - 60 * MIN, { p95: 1 }), point(minute - MIN, { p95: 700 }), point(minute, { p95: 800 })] }] }),
        { ...delta(2, { history: [{ provider: 'a', points: [point(minute, { p95: 850 }), point(minute + MIN, { p95: 900 })] }] }), now: NOW + MIN },
      );
      const line = latencyChart(store, 'p95', NOW + MIN).series[0];
      assert.deepEqual(
        line.points.map((p) => [p.t - minute, p.y]),
        [
          [-MIN, 700],
          [0, 850],
          [MIN, 900],
        ],
      );
      assert.equal(line.latest, '900 ms');
    });

    it('keeps the host error until replaced', () => {
      const store = storeWith(snapshot());
      store.apply({ type: 'error', seq: 2, message: "There is no provider 'x'." });
      assert.equal(store.lastError, "There is no provider 'x'.");
      assert.equal(store.hasSnapshot, true);
    });

    it('measures "ago" against the host clock, not the page clock', () => {
      const store = new DashboardStore();
      const pageClockBehind = NOW - 3_600_000;
      store.apply(snapshot({ providers: [provider('a', { state: 'open', since: NOW - 30_000, openUntil: NOW + 10_000 })] }), pageClockBehind);
      assert.equal(store.now(pageClockBehind + 1_000), NOW + 1_000);
      assert.equal(providerViews(store, store.now(pageClockBehind + 1_000))[0].stateDetail, 'since 14:31:40 (31 s ago) · probe in 9 s');
    });
  });

  describe('event log', () => {
    const events: LogEventDto[] = [
      { kind: 'breaker', id: 1, at: NOW - 20 * MIN, provider: 'ollama', from: 'closed', to: 'isolated', reason: 'isolated' },
      { kind: 'failure', id: 2, at: NOW - 5 * MIN, provider: 'openai', model: 'gpt-4o-mini', errorClass: 'server_error', latencyMs: 1_840 },
      { kind: 'fallback', id: 3, at: NOW - 5 * MIN + 200, from: 'openai', to: 'claude', errorClass: 'server_error' },
      { kind: 'breaker', id: 4, at: NOW - 2 * MIN, provider: 'openai', from: 'closed', to: 'open', reason: 'consecutive-failures' },
      { kind: 'budget', id: 5, at: NOW - MIN, budget: 'daily', spentUsd: 4.01, limitUsd: 5, percent: 80.2 },
      { kind: 'breaker', id: 6, at: NOW - 10_000, provider: 'openai', from: 'half-open', to: 'closed', reason: 'probe-succeeded' },
    ];

    it('lists routing events newest first, in words, with their time and severity', () => {
      const store = storeWith(snapshot({ events }));
      const views = eventViews(store, { kinds: [], text: '', provider: '' }, NOW);
      assert.deepEqual(
        views.map((v) => [v.time, v.severity, v.text]),
        [
          ['14:32:00', 'ok', 'Breaker of openai closed (probe succeeded)'],
          ['14:31:10', 'warning', 'Daily budget at 80%: $4.01 of $5.00'],
          ['14:30:10', 'error', 'Breaker of openai opened (consecutive failures)'],
          ['14:27:10', 'warning', 'Fell back from openai to claude (server error)'],
          ['14:27:10', 'error', 'openai (gpt-4o-mini) failed after 1.84 s: server error'],
          ['14:12:10', 'info', 'ollama isolated: no requests until restored'],
        ],
      );
    });

    it('filters by kind and by text, case-insensitively', () => {
      const store = storeWith(snapshot({ events }));
      assert.deepEqual(
        eventViews(store, { kinds: ['breaker'], text: '', provider: '' }, NOW).map((v) => v.id),
        [6, 4, 1],
      );
      assert.deepEqual(
        eventViews(store, { kinds: [], text: 'OpenAI', provider: '' }, NOW).map((v) => v.id),
        [6, 4, 3, 2],
      );
      assert.deepEqual(
        eventViews(store, { kinds: ['fallback', 'failure'], text: 'claude', provider: '' }, NOW).map((v) => v.id),
        [3],
      );
      assert.deepEqual(eventViews(store, { kinds: [], text: 'nothing like this', provider: '' }, NOW), []);
    });

    it('appends only events it has not seen and keeps the newest 500', () => {
      const many = Array.from({ length: 499 }, (_, i): LogEventDto => ({ kind: 'fallback', id: i + 1, at: NOW - 1_000, from: 'a', to: 'b', errorClass: 'timeout' }));
      const store = storeWith(
        snapshot({ events: many }),
        delta(2, {
          events: [
            { kind: 'fallback', id: 499, at: NOW, from: 'a', to: 'b', errorClass: 'timeout' },
            { kind: 'fallback', id: 500, at: NOW, from: 'a', to: 'b', errorClass: 'timeout' },
            { kind: 'fallback', id: 501, at: NOW, from: 'a', to: 'b', errorClass: 'timeout' },
          ],
        }),
      );
      assert.equal(store.events.length, 500);
      assert.deepEqual([store.events[0].id, store.events[499].id], [2, 501]);
    });
  });

  describe('cost, cache and charts', () => {
    const tally = (costUsd: number, requests = 1) => ({ costUsd, requests, unknownCostRequests: 0 });

    it('shows spend against the budgets, with the warning level from the threshold', () => {
      const store = storeWith(
        snapshot({
          costs: {
            today: { ...tally(4.25, 100), providers: [] },
            month: { ...tally(160, 900), unknownCostRequests: 3, providers: [] },
            budget: { dailyUsd: 5, monthlyUsd: 150, warnAtPercent: 80 },
          },
        }),
      );
      const v = costView(store);
      assert.ok(v);
      assert.deepEqual(
        (({ spent, against, percent, fraction, warnFraction, level }) => ({ spent, against, percent, fraction, warnFraction, level }))(v.daily),
        { spent: '$4.25', against: 'of $5.00 daily budget', percent: '85%', fraction: 0.85, warnFraction: 0.8, level: 'warning' },
      );
      assert.deepEqual([v.monthly.percent, v.monthly.fraction, v.monthly.level], ['107%', 1, 'over']);
      assert.equal(v.monthly.unknownNote, '3 requests at an unknown price not included');
    });

    it('says when there is no budget instead of drawing a bar', () => {
      const v = costView(storeWith(snapshot()));
      assert.deepEqual([v?.daily.level, v?.daily.against, v?.daily.spent], ['none', 'no daily budget set', '$0.00']);
    });

    it("lists spend per provider and model, most expensive this month first, with today's spend beside it", () => {
      const store = storeWith(
        snapshot({
          costs: {
            today: { ...tally(0.5), providers: [{ provider: 'claude', ...tally(0.5), models: [{ model: 'sonnet', ...tally(0.5) }] }] },
            month: {
              ...tally(10, 30),
              providers: [
                { provider: 'openai', ...tally(2, 10), models: [{ model: 'mini', ...tally(2, 10) }] },
                {
                  provider: 'claude',
                  ...tally(8, 20),
                  models: [
                    { model: 'haiku', ...tally(1, 5) },
                    { model: 'sonnet', ...tally(7, 15) },
                  ],
                },
              ],
            },
            budget: { warnAtPercent: 80 },
          },
        }),
      );
      assert.deepEqual(
        costView(store)?.rows.map((r) => [r.provider, r.model, r.today, r.month, r.monthRequests, r.share]),
        [
          ['claude', 'sonnet', '$0.50', '$7.00', '15', 0.7],
          ['openai', 'mini', '$0.00', '$2.00', '10', 0.2],
          ['claude', 'haiku', '$0.00', '$1.00', '5', 0.1],
        ],
      );
    });

    it('shows the cache hit rate of the window and its size in binary units', () => {
      const store = storeWith(snapshot({ cache: { enabled: true, entries: 1_280, memoryBytes: 2_516_582, diskBytes: 512, evictions: 3, hits: 57, misses: 212, hitRate: 57 / 269 } }));
      assert.deepEqual(cacheView(store), { enabled: true, hitRate: '21%', lookups: '57 hits · 212 misses', entries: '1,280', memory: '2.4 MiB', disk: '512 B', evictions: '3' });
    });

    it('stacks failed requests on successful ones, per minute for an hour and per quarter hour for a day', () => {
      const minute = Math.floor(NOW / MIN) * MIN;
      const history = [
        { provider: 'a', points: [point(minute - 2 * MIN, { requests: 10, errors: 2 }), point(minute - MIN, { requests: 4, errors: 0 })] },
        { provider: 'b', points: [point(minute - 2 * MIN, { requests: 5, errors: 5 })] },
      ];
      const hour = trafficChart(storeWith(snapshot({ history })), NOW);
      assert.equal(hour.bucketMs, MIN);
      assert.deepEqual(
        hour.series.map((s) => s.points.map((p) => [p.y0, p.y])),
        [
          [
            [0, 8],
            [0, 4],
          ],
          [
            [8, 15],
            [4, 4],
          ],
        ],
      );
      const day = trafficChart(storeWith(snapshot({ window: '24h', history })), NOW);
      assert.equal(day.bucketMs, 15 * MIN);
      assert.deepEqual(
        day.series.map((s) => s.points.map((p) => p.y)),
        [[12], [19]],
      );
    });

    it('accumulates spend over the window per provider and stacks the providers', () => {
      const minute = Math.floor(NOW / MIN) * MIN;
      const store = storeWith(
        snapshot({
          history: [
            { provider: 'a', points: [point(minute - 2 * MIN, { costUsd: 0.5 }), point(minute, { costUsd: 0.25 })] },
            { provider: 'b', points: [point(minute - MIN, { costUsd: 1 })] },
          ],
        }),
      );
      const chart = costChart(store, NOW);
      const [a, b] = chart.series;
      assert.deepEqual(
        a.points.map((p) => p.y),
        [0, 0.5, 0.5, 0.75, 0.75],
      );
      assert.deepEqual(
        b.points.map((p) => [p.y0, p.y]),
        [
          [0, 0],
          [0.5, 0.5],
          [0.5, 1.5],
          [0.75, 1.75],
          [0.75, 1.75],
        ],
      );
      assert.deepEqual([a.latest, b.latest], ['$0.75', '$1.00']);
    });
  });

  describe('formatting', () => {
    it('formats durations, shares, money, sizes and times the way the dashboard shows them', () => {
      assert.deepEqual([formatMs(null), formatMs(0.4), formatMs(999.6), formatMs(1_234), formatMs(45_678), formatMs(125_000)], ['—', '0 ms', '1.00 s', '1.23 s', '45.7 s', '2 min 5 s']);
      assert.deepEqual([formatPercent(null), formatPercent(0), formatPercent(0.0004), formatPercent(0.0213), formatPercent(0.456), formatPercent(1)], ['—', '0%', '<0.1%', '2.1%', '46%', '100%']);
      assert.deepEqual([formatUsd(0), formatUsd(0.00004), formatUsd(0.0042), formatUsd(4.251), formatUsd(12_345.5)], ['$0.00', '<$0.0001', '$0.0042', '$4.25', '$12,345.50']);
      assert.deepEqual([formatBytes(0), formatBytes(1_023), formatBytes(1_536), formatBytes(3_250_000), formatBytes(150 * 1024 ** 3)], ['0 B', '1023 B', '1.5 KiB', '3.1 MiB', '150 GiB']);
      assert.deepEqual([formatAgo(NOW - 2_000, NOW), formatAgo(NOW - 59_000, NOW), formatAgo(NOW - 3 * 3_600_000 - 5 * MIN, NOW), formatAgo(NOW - 3 * 86_400_000, NOW)], ['just now', '59 s ago', '3 h 5 min ago', '3 d ago']);
      assert.equal(formatClock(new Date(2026, 10, 21, 9, 5, 7).getTime(), NOW), '2026-11-21 09:05:07');
    });
  });

  describe('semantics (issue 12)', () => {
    it('labels the request error rate and the attempt error rate apart: 4 of 4 requests answered while 3 of 7 provider calls failed', () => {
      const store = storeWith(snapshot({ routed: routed(4, 4), totals: stats({ requests: 7, successes: 4, errorCount: 3, errorRate: 3 / 7 }) }));
      const s = summaryView(store);
      assert.deepEqual([s.requests, s.requestErrorRate, s.requestDetail], ['4', '0%', '4 of 4 answered']);
      assert.deepEqual([s.attemptErrorRate, s.attemptDetail], ['43%', '3 of 7 provider calls failed']);
    });

    it('counts a cancelled provider call apart, as the attempt error rate does: 0% and "0 of 6 failed", not "1 of 7"', () => {
      const totals = stats({ requests: 7, successes: 6, errorCount: 1, errorRate: 0, errorsByClass: [{ errorClass: 'cancelled', count: 1 }] });
      const s = summaryView(storeWith(snapshot({ routed: routed(6, 6), totals })));
      assert.deepEqual([s.attemptErrorRate, s.attemptDetail], ['0%', '0 of 6 provider calls failed, 1 cancelled']);
      const mixed = stats({ requests: 9, successes: 5, errorCount: 4, errorRate: 3 / 8, errorsByClass: [{ errorClass: 'server_error', count: 3 }, { errorClass: 'cancelled', count: 1 }] });
      assert.equal(summaryView(storeWith(snapshot({ routed: routed(6, 6), totals: mixed }))).attemptDetail, '3 of 8 provider calls failed, 1 cancelled');
    });

    it('offers Set key only for providers that are sent a key', () => {
      const store = storeWith(snapshot({ providers: [provider('cloud'), provider('local', {}, { kind: 'ollama', baseUrl: 'http://localhost:11434', usesKey: false })] }));
      assert.deepEqual(providerViews(store, NOW).map((v) => [v.id, v.usesKey]), [['cloud', true], ['local', false]]);
    });

    it('drops a provider removed from the settings from the event filter, and shows only that provider while it stays', () => {
      const events: LogEventDto[] = [
        { kind: 'failure', id: 1, at: NOW - 5_000, provider: 'a', model: 'm', errorClass: 'timeout', latencyMs: 10 },
        { kind: 'fallback', id: 2, at: NOW - 4_000, from: 'a', to: 'b', errorClass: 'timeout' },
        { kind: 'failure', id: 3, at: NOW - 3_000, provider: 'b', model: 'm', errorClass: 'auth', latencyMs: 10 },
      ];
      const store = storeWith(snapshot({ events }));
      const onlyB = { kinds: [], text: '', provider: 'b' };
      assert.deepEqual(eventViews(store, onlyB, NOW).map((v) => v.id), [3, 2]);
      store.apply(snapshot({ seq: 2, providers: [provider('a')], events: events.slice(0, 1) }));
      assert.deepEqual(effectiveFilter(store, onlyB), { kinds: [], text: '', provider: '' });
      assert.deepEqual(eventViews(store, onlyB, NOW).map((v) => v.id), [1]);
    });

    it('puts a failure switch on the cards of simulated providers only, showing the current mode', () => {
      const store = storeWith(snapshot());
      store.apply({ type: 'playground', seq: 2, providers: [{ id: 'b', mode: 'down' }], modes: [{ id: 'healthy', label: 'Healthy', detail: 'answers' }, { id: 'down', label: 'Down', detail: 'refuses connections' }] });
      const [a, b] = providerViews(store, NOW);
      assert.equal(a.playground, undefined);
      assert.equal(b.playground?.mode, 'down');
      assert.deepEqual(b.playground?.modes.map((m) => m.id), ['healthy', 'down']);
    });
  });
});

describe('dashboard view model: provider prompt caches', () => {
  const pc = (cachedInputTokens: number, inputTokens: number, cacheWriteTokens: number, savedUsd: number, writePremiumUsd: number) => ({
    inputTokens,
    cachedInputTokens,
    cacheWriteTokens,
    share: inputTokens > 0 ? cachedInputTokens / inputTokens : null,
    savedUsd,
    writePremiumUsd,
    netSavedUsd: savedUsd - writePremiumUsd,
  });

  it('shows the share of input read from provider caches, the saving, the write premium and the net, per provider most saved first', () => {
    const store = new DashboardStore();
    store.apply(
      snapshot({
        totals: stats({ providerCache: pc(6_000, 10_000, 2_000, 0.0162, 0.0015) }),
        stats: [
          { provider: 'a', stats: stats({ providerCache: pc(1_000, 4_000, 2_000, 0.0027, 0.0015) }) },
          { provider: 'b', stats: stats({ providerCache: pc(5_000, 6_000, 0, 0.0135, 0) }) },
          { provider: 'c', stats: stats({ providerCache: pc(0, 900, 0, 0, 0) }) },
        ],
      }),
      NOW,
    );
    assert.deepEqual(providerCacheView(store), {
      share: '60%',
      saved: '$0.02',
      writePremium: '$0.0015',
      netSaved: '$0.01',
      tokens: '6,000 of 10,000 input tokens read from provider caches · 2,000 written',
      rows: [
        { provider: 'b', share: '83%', saved: '$0.01' },
        { provider: 'a', share: '25%', saved: '$0.0027' },
      ],
    });
  });

  it('shows a negative net while writes have not been read back yet', () => {
    const store = new DashboardStore();
    store.apply(snapshot({ totals: stats({ providerCache: pc(0, 4_000, 4_000, 0, 0.003) }) }), NOW);
    assert.equal(providerCacheView(store).netSaved, '−$0.0030');
    assert.equal(providerCacheView(store).share, '0%');
  });
});
