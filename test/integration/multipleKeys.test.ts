import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { SuggestCodeResult } from '../../src/extension/commands/suggestCode';
import type { DashboardInspection } from '../../src/extension/dashboard/dashboardPanel';
import { keyFingerprint } from '../../src/extension/storedKeys';
import { hasBridge, keyboard, read, requireBridge, WEBVIEW_FRAMES } from './support/bridge';
import { openFile, revert, select } from './support/documents';
import { emulatorsFor, header } from './support/emulators';
import { configure, FAST_SETTINGS, freshState, productionExports, routerHost, storeKey } from './support/router';
import { extensionFiles, filesContaining, routerLogFile } from './support/secretScan';
import { settlesWithin, waitFor } from './support/waitFor';

// Distinctive, so any leak is found by a plain substring search.
const FIRST = 'sk-pool-first-5c1d9e7a3b2f4e6d8a0c';
const SECOND = 'sk-pool-second-8e2a4c6f1b3d5e7a9c0b';
const QUICK_INPUT = '.quick-input-widget';

const bearerOf = (r: { headers: Record<string, string | string[] | undefined> }) => header(r.headers, 'authorization');

/** The keys the router would use for `pool`, in order. */
async function keysOfPool(): Promise<string[]> {
  const host = await routerHost();
  const provider = host.config.providers.find((p) => p.id === 'pool');
  assert.ok(provider, 'pool is configured');
  return host.keys.resolve(provider);
}

describe('Several API keys for one provider in SecretStorage', () => {
  const emu = emulatorsFor('pool', 'reserve');

  before(async () => {
    await configure({
      ...FAST_SETTINGS,
      // No retries: every request the emulator sees is a key being tried.
      'retry.maxAttempts': 1,
      providers: [
        { id: 'pool', kind: 'openai', baseUrl: emu.pool.baseUrl('openai'), model: 'gpt-pool', priority: 1 },
        { id: 'reserve', kind: 'ollama', baseUrl: emu.reserve.baseUrl('ollama'), model: 'reserve-model', priority: 2 },
      ],
    });
  });
  beforeEach(async () => {
    await storeKey('pool', '');
    await freshState();
  });
  afterEach(() => vscode.commands.executeCommand('workbench.action.closeQuickOpen'));
  after(async () => {
    await storeKey('pool', '');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('serves with the second key when the first gets a 429, with no failed request, and shows the keys only by place', async () => {
    const host = await routerHost();
    // One key stored the way earlier versions stored it, then a second added: both are used, the old one first.
    const secrets = (host.keys as unknown as { secrets: vscode.SecretStorage }).secrets;
    await secrets.store('llmRouter.apiKey.pool', FIRST);
    assert.deepEqual(await host.keys.add('pool', SECOND), { added: true, count: 2 });
    host.resetBreakers('pool');
    assert.deepEqual(await keysOfPool(), [FIRST, SECOND]);

    emu.pool.enqueue({ type: 'status', status: 429, retryAfterSeconds: 60, message: 'Rate limit reached for requests' });
    const api = await productionExports();
    const result = await api.chat({ messages: [{ role: 'user', content: 'the first key is rate-limited' }] });

    assert.equal(result.provider, 'pool', 'the same provider answered, with its other key');
    assert.deepEqual(emu.pool.requests.map(bearerOf), [`Bearer ${FIRST}`, `Bearer ${SECOND}`]);
    assert.equal(emu.reserve.requests.length, 0, 'no fallback to another provider was needed');
    assert.deepEqual(result.attempts.map((a) => [a.outcome, a.errorClass]), [
      ['error', 'rate_limited'],
      ['ok', undefined],
    ]);

    // Suggest Code right after: the second key serves at once while the first cools down, and the user sees a suggestion.
    const editor = await openFile('src/example.ts');
    try {
      select(editor, 'let total = 0;');
      emu.pool.enqueue({ type: 'ok', reply: 'Here is the fix:\n\n```typescript\nlet total = 0; // the sum so far\n```\n' });
      const suggested = await vscode.commands.executeCommand<SuggestCodeResult | undefined>('llmRouter.suggestCode', { apply: false });
      assert.equal(suggested?.provider, 'pool', 'Suggest Code succeeded');
    } finally {
      await revert(editor);
    }
    assert.deepEqual(emu.pool.requests.map(bearerOf).slice(2), [`Bearer ${SECOND}`], 'the cooling key was not tried again');

    await vscode.commands.executeCommand('llmRouter.openDashboard');
    const inspection = await waitFor('the dashboard to show the keys', async () => {
      const i = await vscode.commands.executeCommand<DashboardInspection>('llmRouter.dashboard.inspect');
      return i.live && JSON.stringify(i).includes('key 1 of 2') ? i : undefined;
    });
    // The newest message that carries the keys: a delta after the snapshot, else the snapshot.
    const keys = [...(inspection.lastDelta?.providers ?? []), ...(inspection.lastSnapshot?.providers ?? [])].find((p) => p.id === 'pool' && p.keys)?.keys;
    assert.deepEqual(keys?.map((k) => [k.label, k.active, k.reason]), [
      ['key 1 of 2', false, 'rate_limited'],
      ['key 2 of 2', true, undefined],
    ]);
    const shown = JSON.stringify(inspection);
    for (const key of [FIRST, SECOND]) assert.ok(!shown.includes(key), 'no dashboard message carries a key');

    const log = routerLogFile();
    if (log) {
      const text = await waitFor('the log to record the request answered by key 2', () => {
        const t = readFileSync(log, 'utf8');
        return /→ pool \(gpt-pool\) ok .*attempts: pool:rate_limited\(429\) \[key 1 of 2\] → pool:ok \[key 2 of 2\]/.test(t) ? t : undefined;
      });
      await host.flush();
      for (const key of [FIRST, SECOND]) {
        assert.ok(!text.includes(key), 'the log names keys only by place');
        assert.deepEqual(filesContaining(extensionFiles(), key), [], 'no file the extension wrote contains a key');
      }
    }
    if (hasBridge()) {
      const page = await read({ frames: WEBVIEW_FRAMES, selector: 'body', hasText: 'key 1 of 2 cooling down' });
      const pageText = page.texts.join('\n');
      assert.match(pageText, /key 2 of 2 serving/);
      for (const key of [FIRST, SECOND]) assert.ok(!pageText.includes(key), 'the dashboard page does not show a key');
      await vscode.commands.executeCommand('notifications.showList');
      const notices = await read({ selector: '.notifications-center .notification-list-item' });
      assert.ok(!/failed/i.test(notices.texts.join('\n')), 'no failure was shown to the user');
      await vscode.commands.executeCommand('notifications.hideList');
    }
  });

  it('Set API Key adds a second key typed into its password box, and removes one by its place', async function () {
    requireBridge(this);
    await storeKey('pool', FIRST);
    // An argument may only preselect the provider: its key is never stored.
    const adding = Promise.resolve(vscode.commands.executeCommand<boolean>('llmRouter.setApiKey', { providerId: 'pool', key: 'sk-from-an-argument-0000' }));
    const menu = await read({ selector: QUICK_INPUT, hasText: 'Add another key', timeoutMs: 15_000 });
    const menuText = menu.texts.join('\n');
    assert.match(menuText, /API keys for 'pool' \(A key is stored\)/);
    assert.match(menuText, /Replace the key/);
    assert.match(menuText, new RegExp(`Remove the key.*sha256 ${keyFingerprint(FIRST)}`, 's'));
    assert.ok(!menuText.includes(FIRST), 'the menu shows no key');
    await keyboard({ type: 'Add another key', press: 'Enter' });
    await read({ selector: QUICK_INPUT, hasText: "Another API key for 'pool' (key 2 of 2)" });
    const box = await read({ selector: `${QUICK_INPUT} .quick-input-box input`, attribute: 'type' });
    assert.deepEqual(box.attributes?.slice(0, 1), ['password']);
    await keyboard({ type: SECOND, press: 'Enter' });
    assert.equal(await settlesWithin(adding, 10_000, 'Set API Key'), true);
    assert.deepEqual(await keysOfPool(), [FIRST, SECOND], 'the typed key was added after the stored one, the argument ignored');

    const removing = Promise.resolve(vscode.commands.executeCommand<boolean>('llmRouter.setApiKey', { providerId: 'pool' }));
    await read({ selector: QUICK_INPUT, hasText: 'Remove key 1 of 2', timeoutMs: 15_000 });
    await keyboard({ type: 'Remove key 1 of 2', press: 'Enter' });
    assert.equal(await settlesWithin(removing, 10_000, 'Set API Key'), true);
    assert.deepEqual(await keysOfPool(), [SECOND]);
    const result = await (await productionExports()).chat({ messages: [{ role: 'user', content: 'with the key left' }] });
    assert.equal(result.provider, 'pool');
    assert.deepEqual(emu.pool.requests.map(bearerOf), [`Bearer ${SECOND}`]);
  });
});
