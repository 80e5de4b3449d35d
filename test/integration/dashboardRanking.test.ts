import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { read, requireBridge, screenshot, WEBVIEW_FRAMES } from './support/bridge';
import { emulatorsFor } from './support/emulators';
import { configure, FAST_SETTINGS, freshState, productionExports, storeKey, userValues } from './support/router';

// `rationed` allows one request per 10 minutes (x-ratelimit-* headers, as OpenAI documents them); `clipped` has plenty of
// headroom (anthropic-ratelimit-* headers) but every answer stops at max_tokens. See test/emulator/rateLimiter.ts.
const WINDOW_MS = 10 * 60_000;
const card = (id: string, field: string) => `[data-provider="${id}"] [data-field="${field}"]`;
const RANKING_ROWS = '[data-testid="quality"] tbody tr';

describe('Dashboard in VS Code: the quality ranking and each provider’s rate-limit headroom', () => {
  const emu = emulatorsFor('rationed', 'clipped');
  let saved: Record<string, unknown> = {};

  before(async function () {
    requireBridge(this);
    const settings = {
      ...FAST_SETTINGS,
      // Listed with the worse provider first, so a ranking that kept the listed order would fail.
      providers: [
        { id: 'clipped', kind: 'anthropic', baseUrl: emu.clipped.baseUrl('anthropic'), model: 'clipped-model', priority: 2 },
        { id: 'rationed', kind: 'openai-compatible', baseUrl: emu.rationed.baseUrl('openai-compatible'), model: 'rationed-model', priority: 1 },
      ],
    };
    saved = userValues(Object.keys(settings));
    await configure(settings);
    await storeKey('clipped', 'sk-ant-clipped-test');
    await freshState();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
  after(async () => {
    emu.rationed?.setRateLimit(null);
    emu.clipped?.setRateLimit(null);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await storeKey('clipped', '');
    await configure(saved);
  });

  it('ranks the provider whose answers are cut by the length limit below the one that is held back, and shows the headroom of both', async () => {
    const api = await productionExports();
    emu.rationed.setRateLimit({ style: 'openai', requests: { limit: 1, windowMs: WINDOW_MS } });
    emu.clipped.setRateLimit({ style: 'anthropic', requests: { limit: 50, windowMs: WINDOW_MS }, tokens: { limit: 80_000, windowMs: WINDOW_MS } });
    emu.clipped.enqueue(...[1, 2, 3].map(() => ({ type: 'ok' as const, cutByLength: true })));

    const answers = [];
    for (const text of ['Name a prime.', 'Name another prime.', 'And one more.', 'The last one.']) answers.push(await api.chat({ messages: [{ role: 'user', content: text }] }));
    assert.deepEqual(answers.map((a) => [a.provider, a.finishReason]), [
      ['rationed', 'stop'],
      ['clipped', 'length'],
      ['clipped', 'length'],
      ['clipped', 'length'],
    ]);
    assert.deepEqual(answers[1].attempts.map((a) => [a.provider, a.outcome, a.errorClass]), [
      ['rationed', 'skipped', 'rate_limit_headroom'],
      ['clipped', 'ok', undefined],
    ]);
    assert.equal(emu.rationed.requests.filter((r) => r.format).length, 1, 'rationed was sent only the request its headroom allowed');
    assert.equal(emu.rationed.requests.filter((r) => r.overRateLimit).length, 0, 'no request hit the 429 the headers had announced');

    await vscode.commands.executeCommand('llmRouter.openDashboard');
    const rows = await read({ frames: WEBVIEW_FRAMES, selector: RANKING_ROWS, hasText: 'cut by token limit' });
    const cells = rows.texts.map((row) => row.split('\t').map((c) => c.trim()));
    assert.deepEqual(cells, [
      ['1', 'rationed', 'rationed-model', '0.60', '1 answer'],
      ['2', 'clipped', 'clipped-model', '0.29', '3 answers · 3 cut by token limit'],
    ]);

    const badge = await read({ frames: WEBVIEW_FRAMES, selector: card('rationed', 'state'), attribute: 'title' });
    assert.deepEqual(badge.texts.map((t) => t.trim()), ['Unavailable'], 'a provider held back by its used-up headroom is not badged Healthy');
    assert.match(badge.attributes?.[0] ?? '', /^Held back until \d\d:\d\d:\d\d: the provider's announced requests are used up$/);
    const held = await read({ frames: WEBVIEW_FRAMES, selector: card('rationed', 'headroom'), hasText: 'Headroom: 0 requests' });
    assert.match(held.texts[0], /^Headroom: 0 requests( · \S+ tokens)?, resets \d\d:\d\d:\d\d$/);
    const open = await read({ frames: WEBVIEW_FRAMES, selector: card('clipped', 'headroom'), hasText: 'Headroom' });
    assert.match(open.texts[0], /^Headroom: 47 requests · 67\.7k tokens, resets \d\d:\d\d:\d\d$/);
    await screenshot('dashboard-ranking-headroom');
  });
});
