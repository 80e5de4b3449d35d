import assert from 'node:assert/strict';
import { setTimeout as wait } from 'node:timers/promises';
import type { RouterEngine } from '../../src/engine/engine';
import type { ChatRequest } from '../../src/engine/types';
import { DashboardFeed } from '../../src/extension/dashboard/dashboardFeed';
import { LatestFailures } from '../../src/extension/dashboard/latestFailures';
import { hostMessageSchema, type DeltaMessage, type HostMessage, type SnapshotMessage } from '../../src/extension/dashboard/protocol';
import { RoutingEventLog } from '../../src/extension/dashboard/routingEventLog';
import { displayUrl } from '../../src/extension/dashboard/toProtocol';
import { parseConfig } from '../../src/engine/config/loadConfig';
import { startHarness, type Harness } from '../support/engineHarness';

const FAST_SETTINGS_FOR = (h: Harness) => ({ retry: h.engine.config.retry, cache: h.engine.config.cache, timeouts: h.engine.config.timeouts });

const KEY = 'sk-test-key';
let prompt = 0;
/** A new prompt each time, so the response cache never answers. */
const ask = (): ChatRequest => ({ messages: [{ role: 'user', content: `Question ${++prompt}` }] });

interface Rig {
  feed: DashboardFeed;
  sent: HostMessage[];
  snapshots(): SnapshotMessage[];
  deltas(): DeltaMessage[];
  close(): void;
}

function rig(engine: RouterEngine, opts: { throttleMs?: number } = {}): Rig {
  const sent: HostMessage[] = [];
  const log = new RoutingEventLog(engine);
  const failures = new LatestFailures(engine);
  // A throttle and tick far beyond the test's length: deltas go out only when the test flushes, unless it asks otherwise.
  const feed = new DashboardFeed({ source: engine, log, failures, post: (m) => sent.push(m), throttleMs: opts.throttleMs ?? 60_000, tickMs: 60_000, statsCostFactor: 0 });
  return {
    feed,
    sent,
    snapshots: () => sent.filter((m): m is SnapshotMessage => m.type === 'snapshot'),
    deltas: () => sent.filter((m): m is DeltaMessage => m.type === 'delta'),
    close() {
      feed.dispose();
      log.dispose();
      failures.dispose();
    },
  };
}

describe('dashboard feed (real engine, emulated providers over HTTP)', () => {
  let h: Harness | undefined;
  let r: Rig | undefined;
  afterEach(async () => {
    r?.close();
    r = undefined;
    await h?.close();
    h = undefined;
  });

  it("carries the engine's health verdict: unknown before any answer, healthy after one, degraded after a failure", async () => {
    h = await startHarness([{ id: 'a' }, { id: 'b' }], { routing: { strategy: 'priority' }, retry: { maxAttempts: 1 }, cache: { enabled: false } });
    r = rig(h.engine);
    await r.feed.start('5m');
    const states = (providers: SnapshotMessage['providers'] | undefined) => providers?.map((p) => [p.id, p.health.state]);
    assert.deepEqual(states(r.snapshots()[0].providers), [['a', 'unknown'], ['b', 'unknown']]);
    assert.equal(r.snapshots()[0].providers[0].health.reason, 'No answer yet');

    await h.engine.chat(ask());
    r.feed.flush();
    assert.deepEqual(states(r.deltas().at(-1)?.providers), [['a', 'healthy']]);

    h.emulators.a.enqueue({ type: 'status', status: 503 });
    assert.equal((await h.engine.chat(ask())).provider, 'b');
    r.feed.flush();
    assert.deepEqual(states(r.deltas().at(-1)?.providers), [['a', 'degraded'], ['b', 'healthy']]);
    assert.match(r.deltas().at(-1)?.providers?.[0].health.reason ?? '', /^Last request failed at \d\d:\d\d:\d\d: server error — /);
    assert.deepEqual(
      h.engine.providerHealth().map((p) => [p.provider, p.state, p.reason]),
      r.deltas().at(-1)?.providers?.map((p) => [p.id, p.health.state, p.health.reason]),
      'the feed sends exactly what the engine says',
    );
  });

  it('sends a full snapshot first, then a delta with only the provider that served requests', async () => {
    h = await startHarness([{ id: 'a' }, { id: 'b' }], { routing: { strategy: 'priority' } });
    r = rig(h.engine);
    await r.feed.start('5m');
    const [snap] = r.snapshots();
    assert.equal(r.sent.length, 1);
    assert.deepEqual(
      snap.providers.map((p) => [p.id, p.breaker.state]),
      [
        ['a', 'closed'],
        ['b', 'closed'],
      ],
    );
    assert.equal(snap.window, '5m');

    await h.engine.chat(ask());
    await h.engine.chat(ask());
    r.feed.flush();
    const [delta] = r.deltas();
    assert.ok(delta, 'a delta was sent');
    assert.equal(delta.seq, snap.seq + 1);
    assert.deepEqual(
      delta.stats?.map((s) => [s.provider, s.stats.requests, s.stats.successes]),
      [['a', 2, 2]],
    );
    assert.equal(delta.totals?.requests, 2);
    assert.equal(delta.history?.length, 1);
    assert.equal(delta.history?.[0].provider, 'a');
    assert.equal(delta.history?.[0].points.at(-1)?.requests, 2);
    assert.deepEqual(
      delta.providers?.map((p) => [p.id, p.breaker.requestsInWindow]),
      [['a', 2]],
      'only the provider whose breaker saw requests',
    );

    r.feed.flush();
    assert.equal(r.deltas().length, 1, 'nothing changed, so nothing is sent');
  });

  it('batches a burst of requests into one delta per flush, resending only the minute that grew', async () => {
    h = await startHarness([{ id: 'a' }]);
    r = rig(h.engine);
    await r.feed.start('1h');
    for (let i = 0; i < 5; i++) await h.engine.chat(ask());
    assert.equal(r.deltas().length, 0, 'the throttle holds deltas back');
    r.feed.flush();
    await h.engine.chat(ask());
    r.feed.flush();
    const deltas = r.deltas();
    assert.equal(deltas.length, 2);
    assert.equal(deltas[0].stats?.[0].stats.requests, 5);
    assert.equal(deltas[1].stats?.[0].stats.requests, 6);
    const [p1, p2] = deltas.map((d) => d.history?.[0].points ?? []);
    assert.equal(p2.length, 1, 'only the current minute again');
    assert.ok(p2[0].t >= (p1.at(-1)?.t ?? 0));
  });

  it('sends a delta by itself within the throttle interval while requests flow', async () => {
    h = await startHarness([{ id: 'a' }]);
    r = rig(h.engine, { throttleMs: 20 });
    await r.feed.start();
    await h.engine.chat(ask());
    const end = Date.now() + 2_000;
    while (r.deltas().length === 0 && Date.now() < end) await wait(10);
    assert.equal(r.deltas()[0]?.stats?.[0].stats.requests, 1);
  });

  it('reports a breaker opening: the status change, the failures, the fallback and the breaker event', async () => {
    h = await startHarness([{ id: 'a' }, { id: 'b' }], { cache: { enabled: false }, retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 2 } });
    r = rig(h.engine);
    await r.feed.start();
    h.emulators.a.enqueue({ type: 'status', status: 503 }, { type: 'status', status: 503 });
    await h.engine.chat(ask());
    await h.engine.chat(ask());
    r.feed.flush();
    const [delta] = r.deltas();
    const a = delta.providers?.find((p) => p.id === 'a');
    assert.equal(a?.breaker.state, 'open');
    assert.equal(a?.breaker.lastError?.errorClass, 'server_error');
    assert.deepEqual(
      delta.events?.map((e) => e.kind),
      // The breaker opens during the second request; its attempts are reported when that request is done.
      ['failure', 'fallback', 'breaker', 'failure', 'fallback'],
    );
    const opened = delta.events?.find((e) => e.kind === 'breaker');
    assert.deepEqual(opened && { provider: opened.provider, to: opened.to }, { provider: 'a', to: 'open' });
    assert.deepEqual(
      delta.stats?.map((s) => [s.provider, s.stats.errorCount, s.stats.requests]),
      [
        ['a', 2, 2],
        ['b', 0, 2],
      ],
    );
  });

  it('sends a fresh snapshot for another window, and nothing after stop()', async () => {
    h = await startHarness([{ id: 'a' }]);
    r = rig(h.engine);
    await r.feed.start('5m');
    await r.feed.start('24h');
    assert.deepEqual(
      r.snapshots().map((s) => s.window),
      ['5m', '24h'],
    );
    r.feed.stop();
    await h.engine.chat(ask());
    r.feed.flush();
    assert.equal(r.sent.length, 2);
  });

  it('sends only messages the webview accepts, and never the API key', async () => {
    h = await startHarness([{ id: 'a' }, { id: 'b' }], { retry: { maxAttempts: 1 }, budget: { dailyUsd: 10 } });
    r = rig(h.engine);
    await r.feed.start();
    h.emulators.a.enqueue({ type: 'status', status: 401, message: `invalid key ${KEY.slice(0, 3)}` });
    await h.engine.chat(ask());
    await h.engine.chat(ask());
    r.feed.flush();
    await r.feed.start('1h');
    assert.ok(r.sent.length >= 3);
    for (const m of r.sent) assert.equal(hostMessageSchema.safeParse(m).success, true, `${m.type} #${m.seq} is valid`);
    const all = JSON.stringify(r.sent);
    assert.ok(!all.includes(KEY), 'the key appears in no message');
    assert.ok(all.includes('"auth"'), 'the 401 is there, classified');
  });

  it("shows the newest failure as the last error, with advice, when the breaker's own last error is older (a 404 does not count against the breaker)", async () => {
    h = await startHarness([{ id: 'a' }, { id: 'b' }], { cache: { enabled: false }, retry: { maxAttempts: 1 } });
    r = rig(h.engine);
    await r.feed.start();
    h.emulators.a.enqueue({ type: 'status', status: 503 });
    await h.engine.chat(ask());
    await wait(5);
    h.emulators.a.enqueue({ type: 'status', status: 404 });
    await h.engine.chat(ask());
    r.feed.flush();
    const a = r.deltas().at(-1)?.providers?.find((p) => p.id === 'a');
    assert.equal(a?.breaker.lastError?.errorClass, 'server_error', "the breaker's record stops at the 503");
    assert.equal(a?.lastError?.errorClass, 'not_found');
    assert.ok((a?.lastError?.at ?? 0) > (a?.breaker.lastError?.at ?? Infinity));
    assert.match(a?.lastError?.advice ?? '', /^Provider 'a': .*the model or endpoint does not exist there; check its model and baseUrl$/);
  });

  it('offers a key only to providers that are sent one (openai on loopback needs one; a local Ollama does not)', async () => {
    h = await startHarness([{ id: 'cloud' }, { id: 'local', kind: 'ollama' }]);
    r = rig(h.engine);
    await r.feed.start();
    assert.deepEqual(r.snapshots()[0].providers.map((p) => [p.id, p.usesKey]), [['cloud', true], ['local', false]]);
  });

  it('drops the cards and the events of a provider removed from the settings, and separates answered requests from failed calls', async () => {
    h = await startHarness([{ id: 'a' }, { id: 'b' }], { cache: { enabled: false }, retry: { maxAttempts: 1 } });
    r = rig(h.engine);
    await r.feed.start();
    h.emulators.a.enqueue({ type: 'status', status: 503 }, { type: 'status', status: 503 }, { type: 'status', status: 503 });
    for (let i = 0; i < 3; i++) assert.equal((await h.engine.chat(ask())).provider, 'b');
    r.feed.flush();
    const routed = r.deltas().at(-1)?.routed;
    assert.deepEqual(routed, { requests: 3, answered: 3, failed: 0, errorRate: 0 }, 'every request was answered');
    assert.equal(r.deltas().at(-1)?.totals?.errorRate, 0.5, '3 of 6 provider calls failed');
    const kinds = r.deltas().at(-1)?.events?.map((e) => e.kind) ?? [];
    assert.ok(kinds.includes('failure') && kinds.includes('fallback'), kinds.join());

    h.engine.updateConfig(parseConfig({ ...FAST_SETTINGS_FOR(h), providers: h.engine.config.providers.filter((p) => p.id === 'b') }).config);
    r.feed.flush();
    const snap = r.snapshots().at(-1);
    assert.deepEqual(snap?.providers.map((p) => p.id), ['b']);
    assert.deepEqual(snap?.events, [], "a's failures and fallbacks left with it");
  });

  it('shows endpoints without user info, query or fragment, where a key could hide', () => {
    assert.equal(displayUrl('https://user:sk-secret@llm.example.com/v1?key=sk-secret#frag'), 'https://llm.example.com/v1');
    assert.equal(displayUrl('http://localhost:11434'), 'http://localhost:11434');
    assert.equal(displayUrl('not a url sk-secret'), '(invalid URL)');
  });
});
