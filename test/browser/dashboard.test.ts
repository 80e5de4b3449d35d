// The BUILT webview (dist/webview) in headless Chromium, under the extension's own page and CSP, with a fake
// VS Code host feeding it messages. Run `npm run build` first.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { ChatRequest } from '../../src/engine/types';
import { DashboardFeed } from '../../src/extension/dashboard/dashboardFeed';
import { LatestFailures } from '../../src/extension/dashboard/latestFailures';
import { RoutingEventLog } from '../../src/extension/dashboard/routingEventLog';
import { startHarness } from '../support/engineHarness';
import { formatUsd } from '../../webview/format';
import { fixtureSequence, qualityFixture, qualityRank, teamFixture } from './fixtureSequence';
import { launchChromium, type Browser, type BrowserContext } from './playwright';
import { DARK, LIGHT, type Theme } from './themes';
import { DashboardPage, serveWebview, type WebviewServer } from './webviewPage';

const ROOT = path.resolve(__dirname, '../..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const NOW = Date.UTC(2026, 10, 22, 14, 32, 10);
const card = (id: string, field: string) => `[data-provider="${id}"] [data-field="${field}"]`;
const count = (n: number) => n.toLocaleString('en-US');

describe('dashboard webview in Chromium', function () {
  let server: WebviewServer;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let dp: DashboardPage | undefined;

  before(async function () {
    assert.ok(existsSync(path.join(ROOT, 'dist/webview/main.js')), 'dist/webview/main.js exists (run npm run build)');
    server = await serveWebview();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(theme: Theme = DARK, savedState?: unknown, width = 1280): Promise<DashboardPage> {
    context = await browser.newContext({ viewport: { width, height: 900 }, timezoneId: 'UTC', locale: 'en-US' });
    dp = await DashboardPage.open(context, server.origin, theme, savedState);
    return dp;
  }

  afterEach(async () => {
    if (dp) {
      const probe = await dp.probe();
      assert.deepEqual(probe.violations, [], 'no Content-Security-Policy violation');
      assert.deepEqual(dp.errors, [], 'no page error');
    }
    await context?.close();
    context = undefined;
    dp = undefined;
  });

  it('says it is ready, then renders the snapshot: every provider state, the window numbers and the totals', async () => {
    const page = await open();
    assert.deepEqual((await page.probe()).posted, [{ type: 'ready', window: '5m' }]);
    const { snapshot } = fixtureSequence(NOW);
    await page.send(snapshot);

    for (const [id, label] of [
      ['claude', 'Healthy'],
      ['openai', 'Unavailable'],
      ['groq', 'Unavailable'],
      ['gemini', 'Degraded'],
      ['ollama', 'Isolated'],
    ]) {
      await page.expectText(card(id, 'state'), label);
    }
    // Every badge explains itself on hover with the engine's reason, the same text the status bar's tooltip shows.
    const titles = await page.page.evaluate(() => Array.from(document.querySelectorAll('[data-provider] [data-field="state"]')).map((b) => b.getAttribute('title')));
    assert.deepEqual(titles, snapshot.providers.map((p) => p.health.reason));
    assert.match(String(await page.page.evaluate(() => document.querySelector('.health-summary')?.getAttribute('title'))), /^openai: unavailable — Breaker open until \d\d:\d\d:\d\d after 5 consecutive server error failures\n/);
    const claude = snapshot.stats[0].stats;
    await page.expectText(card('claude', 'requests'), count(claude.requests));
    await page.expectText(card('claude', 'latency-p95'), '2.43 s');
    await page.expectText(card('claude', 'ttft-p50'), '432 ms');
    // Countdowns run on the page's clock, so allow for the moment between delivery and reading.
    await page.expectText(card('openai', 'since'), /^since 14:29:56 \(2 min ago\) · probe in 1[78] s$/);
    await page.expectText(card('openai', 'last-error-class'), 'server_error');
    await page.expectText(card('groq', 'reason'), /^Rate-limited until \d\d:\d\d:\d\d \(the provider's Retry-After\)$/);
    await page.expectText(card('groq', 'headroom'), /^Headroom: 14\.2k requests · 0 tokens, resets \d\d:\d\d:\d\d$/);
    await page.expectText(card('groq', 'keys'), /^Keys: key 1 of 2 cooling down until \d\d:\d\d:\d\d \(rate limited\) · key 2 of 2 serving$/);
    assert.equal(await page.page.evaluate(() => (document.querySelector('[data-provider="claude"] [data-field="keys"]') as HTMLElement).hidden), true, 'one key: no key line');
    await page.expectText('[data-testid="total-requests"]', count(snapshot.routed.requests));
    await page.expectText('[data-testid="total-requestErrorRate"]', `${(snapshot.routed.errorRate! * 100).toFixed(1)}%`);
    await page.expectText('[data-testid="total-attemptErrorRate"]', `${(snapshot.totals.errorRate! * 100).toFixed(1)}%`);
    assert.equal(await page.page.evaluate(() => (document.querySelector('[data-provider="ollama"] [data-action="set-key"]') as HTMLElement).hidden), true, 'no Set key for a local Ollama');
    assert.equal(await page.page.evaluate(() => (document.querySelector('[data-provider="groq"] [data-action="set-key"]') as HTMLElement).hidden), false);
    await page.expectText('[data-testid="health-headline"]', '1 of 5 providers healthy');
    await page.expectText('[data-field="daily-percent"]', '84%');
    await page.expectText('[data-field="cache-hitRate"]', '21%');
    assert.equal(await page.page.evaluate(() => document.querySelectorAll('.events li').length), snapshot.events.length);
    assert.equal(await page.text('.events li:first-child .event-text'), 'Breaker of gemini half-open: sending a probe');
    assert.equal(await page.page.evaluate(() => document.querySelector('[data-window="1h"]')?.getAttribute('aria-pressed')), 'true', 'the snapshot window is selected');
  });

  it("shows the share of input served from the providers' prompt caches and the money it saved, overall and per provider", async () => {
    const page = await open();
    const { snapshot } = fixtureSequence(NOW);
    await page.send(snapshot);
    const pc = snapshot.totals.providerCache;
    // The fixture reads 120 of every 900 input tokens from provider caches and writes 30.
    await page.expectText('[data-field="pcache-share"]', '13%');
    await page.expectText('[data-field="pcache-saved"]', formatUsd(pc.savedUsd));
    await page.expectText('[data-field="pcache-writePremium"]', formatUsd(pc.writePremiumUsd));
    await page.expectText('[data-field="pcache-netSaved"]', formatUsd(pc.savedUsd - pc.writePremiumUsd));
    await page.expectText('[data-field="pcache-tokens"]', `${count(pc.cachedInputTokens)} of ${count(pc.inputTokens)} input tokens read from provider caches · ${count(pc.cacheWriteTokens)} written`);
    const rows = await page.page.evaluate(() => Array.from(document.querySelectorAll('[data-pcache-provider]')).map((r) => r.getAttribute('data-pcache-provider')));
    const bySaving = [...snapshot.stats].sort((a, b) => b.stats.providerCache.savedUsd - a.stats.providerCache.savedUsd).map((s) => s.provider);
    assert.deepEqual(rows, bySaving, 'one row per provider, most saved first');
  });

  it('applies deltas in place: the same card nodes, new numbers, new events on top', async () => {
    const page = await open();
    const { snapshot, deltas } = fixtureSequence(NOW);
    await page.send(snapshot);
    await page.expectText(card('gemini', 'state'), 'Degraded');
    await page.page.evaluate(() => {
      (document.querySelector('[data-provider="claude"]') as HTMLElement & { marked?: boolean }).marked = true;
    });
    for (const d of deltas) await page.send(d);
    await page.expectText(card('claude', 'requests'), count(snapshot.stats[0].stats.requests + 1));
    await page.expectText(card('claude', 'fallbacks'), count(snapshot.stats[0].stats.fallbacks + 1));
    await page.expectText(card('gemini', 'state'), 'Healthy');
    await page.expectText('.events li:first-child .event-text', 'Breaker of gemini closed (probe succeeded)');
    await page.expectText('[data-field="daily-spent"]', '$4.25');
    assert.equal(await page.page.evaluate(() => (document.querySelector('[data-provider="claude"]') as HTMLElement & { marked?: boolean }).marked), true, 'the card was updated, not rebuilt');
  });

  it('ranks providers by quality score, best first, with the signals behind each score, and re-ranks on a delta (screenshot test-artifacts/dashboard-quality.png)', async () => {
    const page = await open();
    const { snapshot } = fixtureSequence(NOW);
    await page.send(snapshot);
    const rows = () =>
      page.page.evaluate(() =>
        Array.from(document.querySelectorAll('[data-testid="quality"] tbody tr')).map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent)),
      );
    await page.expectText('[data-quality-row="claude"] .quality-score', '0.87');
    assert.deepEqual(await rows(), [
      ['1', 'claude', 'claude-sonnet-4-5', '0.87', '41.3 answers · 1.2 cut by token limit · 6.8 applied · 0.9 discarded · 14.2 accepted · 22.6 passed over'],
      ['2', 'openai', 'gpt-4o-mini', '0.84', '18.4 answers · 0.6 empty · 1.9 applied · 3.1 accepted · 9.4 passed over'],
      ['3', 'gemini', 'gemini-2.5-flash', '0.55', '7.9 answers · 0.8 failed schema · 1 unparsed findings · 1.4 discarded'],
      ['4', 'ollama', 'llama3.2', '0.50', 'No signals yet: neutral score'],
      ['5', 'groq', 'llama-3.3-70b-versatile', '0.43', '12.5 answers · 4.7 cut by token limit · 0.4 bad tool arguments · 2.2 discarded · 3 passed over'],
    ]);
    await mkdir(ARTIFACTS, { recursive: true });
    const clip = await page.page.evaluate(() => {
      const section = document.querySelector('[data-testid="quality"]') as HTMLElement;
      section.scrollIntoView();
      const r = section.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    });
    await page.page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-quality.png'), clip });
    const tones = await page.page.evaluate(() => Array.from(document.querySelectorAll('[data-testid="quality"] .quality-score')).map((e) => e.className));
    assert.deepEqual(tones, ['quality-score tone-good', 'quality-score tone-good', 'quality-score tone-neutral', 'quality-score tone-neutral', 'quality-score tone-poor']);

    await page.page.evaluate(() => {
      (document.querySelector('[data-quality-row="groq"]') as HTMLElement & { marked?: boolean }).marked = true;
    });
    const reranked = [qualityRank('ollama', 'llama3.2', { applied: 10 }), ...qualityFixture().filter((q) => q.provider !== 'ollama')].sort((a, b) => b.score - a.score);
    await page.send({ type: 'delta', seq: 10, now: NOW + 1_000, quality: reranked });
    await page.expectText('[data-testid="quality"] tbody tr:first-child td:nth-child(2)', 'ollama');
    await page.expectText('[data-quality-row="ollama"] .quality-signals', '10 applied');
    assert.equal(await page.page.evaluate(() => (document.querySelector('[data-quality-row="groq"]') as HTMLElement & { marked?: boolean }).marked), true, 'rows are moved, not rebuilt');
  });

  it('shows the team section only with shared metrics: the total and each member, this machine marked (screenshot test-artifacts/dashboard-team.png)', async () => {
    const page = await open();
    const { snapshot } = fixtureSequence(NOW);
    await page.send(snapshot);
    await page.expectText(card('claude', 'state'), 'Healthy');
    assert.equal(await page.page.evaluate(() => (document.querySelector('[data-testid="team"]') as HTMLElement).hidden), true, 'hidden while metrics are not shared');

    await page.send({ type: 'delta', seq: 10, now: NOW + 1_000, team: teamFixture(NOW) });
    await page.expectText('[data-testid="team"] [data-field="team-caption"]', '3 members with requests in the last 1 hour');
    const rows = await page.page.evaluate(() =>
      Array.from(document.querySelectorAll('[data-testid="team"] tr[data-team-member]')).map((tr) => [tr.getAttribute('data-team-member'), tr.className, ...Array.from(tr.querySelectorAll('th, td')).map((c) => c.textContent)]),
    );
    assert.deepEqual(rows, [
      ['7c1e09a4b2d3', 'member-other', 'ci-runner-04 (7c1e09) · last seen 41 s ago', '268', '0.7%', '283 (17 failed)', '1.6M in · 61.2k out', '$4.20', '2.43 s'],
      ['a93f5d20e611', 'member-self', 'dana-laptop (a93f5d) (this machine) · last seen just now', '97', '1.0%', '106 (12 failed)', '512k in · 24.9k out', '$1.84', '1.98 s'],
      ['0b44c8e7f915', 'member-other', 'gateway-eu (0b44c8) · last seen 5 min ago', '47', '0%', '51 (2 failed)', '163k in · 12.3k out', '$0.87', '1.12 s'],
      ['total', 'team-total member-other', 'Team total', '412', '0.7%', '440 (31 failed)', '2.3M in · 98.4k out', '$6.91', '2.21 s'],
    ]);
    await mkdir(ARTIFACTS, { recursive: true });
    const clip = await page.page.evaluate(() => {
      const section = document.querySelector('[data-testid="team"]') as HTMLElement;
      section.scrollIntoView();
      const r = section.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    });
    await page.page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-team.png'), clip });
  });

  it('ignores a malformed message, logs it, and keeps showing the last good state', async () => {
    const page = await open();
    const { snapshot } = fixtureSequence(NOW);
    await page.send(snapshot);
    const before = count(snapshot.stats[0].stats.requests);
    await page.expectText(card('claude', 'requests'), before);
    await page.send({ type: 'delta', seq: 50, now: NOW, stats: [{ provider: 'claude', stats: { requests: -5 } }] });
    await page.send({ type: 'snapshot', seq: 51 });
    await page.send('not even an object');
    await page.waitFor(() => true, undefined, 'a turn of the event loop');
    const end = Date.now() + 2_000;
    while (page.warnings.length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.equal(page.warnings.filter((w) => w.includes('ignored a malformed message')).length, 3);
    assert.equal(await page.text(card('claude', 'requests')), before);
    await page.send({ type: 'delta', seq: 52, now: NOW, routed: { ...snapshot.routed, requests: 1 } });
    await page.expectText('[data-testid="total-requests"]', '1');
  });

  it('posts actions for the provider whose button is pressed: reset breaker, isolate, restore, set key, clear cache, settings', async () => {
    const page = await open();
    await page.send(fixtureSequence(NOW).snapshot);
    await page.expectText(card('ollama', 'state'), 'Isolated');
    await page.page.click('[data-provider="openai"] [data-action="reset-breaker"]');
    await page.page.click('[data-provider="groq"] [data-action="isolate"]');
    await page.page.click('[data-provider="ollama"] [data-action="restore"]');
    await page.page.click('[data-provider="claude"] [data-action="set-key"]');
    await page.page.click('[data-action="clear-cache"]');
    await page.page.click('text=Settings');
    assert.deepEqual((await page.probe()).posted.slice(1), [
      { type: 'resetBreaker', provider: 'openai' },
      { type: 'isolate', provider: 'groq' },
      { type: 'restore', provider: 'ollama' },
      { type: 'setApiKey', provider: 'claude' },
      { type: 'clearCache' },
      { type: 'openSettings' },
    ]);
  });

  it('switches the window from the keyboard and remembers it', async () => {
    const page = await open();
    await page.send(fixtureSequence(NOW).snapshot);
    await page.page.focus('[data-window="24h"]');
    await page.page.keyboard.press('Enter');
    const probe = await page.probe();
    assert.deepEqual(probe.posted.at(-1), { type: 'setWindow', window: '24h' });
    assert.equal((probe.state as { window: string }).window, '24h');
    assert.equal(await page.page.evaluate(() => document.querySelector('[data-window="24h"]')?.getAttribute('aria-pressed')), 'true');
  });

  it('filters the event log by kind and remembers the filter', async () => {
    const page = await open();
    const { snapshot } = fixtureSequence(NOW);
    await page.send(snapshot);
    await page.page.click('[data-kind="breaker"]');
    const kinds = await page.page.evaluate(() => Array.from(document.querySelectorAll('.events li')).map((li) => li.getAttribute('data-kind')));
    assert.deepEqual(kinds, snapshot.events.filter((e) => e.kind === 'breaker').map(() => 'breaker'));
    assert.deepEqual(((await page.probe()).state as { filter: unknown }).filter, { kinds: ['breaker'], text: '', provider: '' });
  });

  it('comes back with the saved window, filter and scroll position', async () => {
    const saved = { window: '24h', percentile: 'p99', filter: { kinds: ['fallback'], text: 'groq' }, scrollY: 600 };
    const page = await open(DARK, saved);
    assert.deepEqual((await page.probe()).posted, [{ type: 'ready', window: '24h' }]);
    await page.send({ ...fixtureSequence(NOW).snapshot, window: '24h' });
    await page.expectText('.events li:first-child .event-text', 'Fell back from groq to claude (rate limited)');
    assert.equal(await page.page.evaluate(() => (document.querySelector('.filter-text') as HTMLInputElement).value), 'groq');
    await page.waitFor(() => Math.abs(window.scrollY - 600) < 2, undefined, 'the scroll position to be restored');
  });

  it('shows live data from the real engine: the feed of a router serving requests over HTTP', async () => {
    // A long half-open wait, so the breaker is still open when the page is read on a slow machine.
    const h = await startHarness([{ id: 'primary' }, { id: 'backup' }], { cache: { enabled: false }, retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000, maxHalfOpenAfterMs: 60_000 } });
    const log = new RoutingEventLog(h.engine);
    const failures = new LatestFailures(h.engine);
    const page = await open(LIGHT);
    // Straight from the feed's own timers to the page, in order, as the panel forwards them.
    let delivered = Promise.resolve();
    const feed = new DashboardFeed({ source: h.engine, log, failures, post: (m) => void (delivered = delivered.then(() => page.send(m)).catch(() => undefined)), throttleMs: 20, tickMs: 100 });
    try {
      await feed.start('5m');
      h.emulators.primary.enqueue({ type: 'status', status: 503 }, { type: 'status', status: 503 });
      const ask = (i: number): ChatRequest => ({ messages: [{ role: 'user', content: `live ${i}` }] });
      for (let i = 0; i < 5; i++) await h.engine.chat(ask(i));
      const metrics = h.engine.metricsSnapshot('5m');
      await page.expectText(card('primary', 'state'), 'Unavailable');
      await page.expectText(card('backup', 'requests'), String(metrics.providers.backup.requests));
      await page.expectText(card('primary', 'requests'), String(metrics.providers.primary.requests));
      await page.expectText('[data-testid="total-requests"]', String(metrics.total.routed.requests));
      // Every request was answered (backup covered the failures): no failed requests, though provider calls failed.
      await page.expectText('[data-testid="total-requestErrorRate"]', '0%');
      assert.ok(metrics.total.errorRate !== null && metrics.total.errorRate > 0);
      const events = await page.page.evaluate(() => Array.from(document.querySelectorAll('.events .event-text')).map((e) => e.textContent));
      assert.ok(events.includes('Breaker of primary opened (consecutive failures)'), events.join('\n'));
      assert.ok(events.includes('Fell back from primary to backup (server error)'), events.join('\n'));
    } finally {
      feed.dispose();
      log.dispose();
      failures.dispose();
      await h.close();
    }
  });

  for (const theme of [LIGHT, DARK]) {
    it(`renders in the ${theme.name} theme without overflow (screenshot test-artifacts/dashboard-${theme.name}.png)`, async () => {
      const page = await open(theme);
      const { snapshot, deltas } = fixtureSequence(NOW);
      await page.send(snapshot);
      for (const d of deltas) await page.send(d);
      await page.expectText(card('gemini', 'state'), 'Healthy');
      await page.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      assert.equal(await page.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, 'nothing sticks out sideways');
      await mkdir(ARTIFACTS, { recursive: true });
      await page.page.screenshot({ path: path.join(ARTIFACTS, `dashboard-${theme.name}.png`), fullPage: true });
    });
  }

  it('fits a narrow panel (420 px) without sideways scrolling', async () => {
    const page = await open(DARK, undefined, 420);
    await page.send(fixtureSequence(NOW).snapshot);
    await page.expectText(card('claude', 'state'), 'Healthy');
    assert.equal(await page.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-narrow.png'), fullPage: true });
  });
});
