import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { DashboardInspection } from '../../src/extension/dashboard/dashboardPanel';
import { hasBridge, read, WEBVIEW_FRAMES } from './support/bridge';
import { openFile, select } from './support/documents';
import { emulatorsFor, header } from './support/emulators';
import { findNotification, hideNotifications } from './support/notifications';
import { ask, configure, FAST_SETTINGS, freshState, routerHost } from './support/router';
import { extensionFiles, filesContaining, routerLogFile, userDataDir } from './support/secretScan';
import { waitFor } from './support/waitFor';

// Distinctive, so any leak is found by a plain substring search.
const KEY = 'sk-ant-integration-7f3c9e1d5b2a4c6e8f0a';

describe('API keys in SecretStorage', () => {
  const emu = emulatorsFor('vault', 'spare');

  before(async () => {
    await configure({
      ...FAST_SETTINGS,
      // No retries: the 401 test counts requests.
      'retry.maxAttempts': 1,
      providers: [
        { id: 'vault', kind: 'anthropic', baseUrl: emu.vault.baseUrl('anthropic'), model: 'claude-vault', priority: 1 },
        { id: 'spare', kind: 'ollama', baseUrl: emu.spare.baseUrl('ollama'), model: 'spare-model', priority: 2 },
      ],
    });
  });
  beforeEach(freshState);
  after(async () => {
    await vscode.commands.executeCommand('llmRouter.setApiKey', { providerId: 'vault', key: '' });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('stores a key with llmRouter.setApiKey and sends exactly that key to its provider, and to no other', async () => {
    assert.equal(await vscode.commands.executeCommand('llmRouter.setApiKey', { providerId: 'vault', key: KEY }), true);
    const host = await routerHost();

    const result = await ask(host, 'who am I?');

    assert.equal(result.provider, 'vault');
    const sent = emu.vault.requests[0];
    assert.equal(header(sent.headers, 'x-api-key'), KEY);
    assert.equal(header(sent.headers, 'authorization'), undefined, 'Anthropic takes the key in x-api-key only');
    emu.vault.enqueue({ type: 'status', status: 503 });
    assert.equal((await ask(host, 'fall back, please')).provider, 'spare');
    assert.ok(!JSON.stringify(emu.spare.requests.map((r) => r.headers)).includes(KEY), 'the other provider never sees the key');
  });

  it('stops sending a key once it is removed with an empty llmRouter.setApiKey', async () => {
    await vscode.commands.executeCommand('llmRouter.setApiKey', { providerId: 'vault', key: KEY });
    await vscode.commands.executeCommand('llmRouter.setApiKey', { providerId: 'vault', key: '' });
    const host = await routerHost();

    const result = await ask(host, 'no key now');

    assert.equal(result.provider, 'spare', 'without a key the provider is skipped');
    assert.equal(emu.vault.requests.length, 0);
    assert.equal(result.attempts[0].errorClass, 'missing_key');
  });

  it('keeps the key out of error messages, the log file, the extension state files and the dashboard', async () => {
    await vscode.commands.executeCommand('llmRouter.setApiKey', { providerId: 'vault', key: KEY });
    const host = await routerHost();
    await ask(host, 'a logged success');
    emu.vault.enqueue({ type: 'status', status: 401, message: 'invalid x-api-key' });
    emu.spare.enqueue({ type: 'status', status: 500 });
    const failure = await ask(host, 'a logged failure').then(() => undefined, (err: Error) => err);
    assert.equal(failure?.name, 'AllProvidersFailedError');
    assert.ok(!`${failure?.message} ${JSON.stringify(failure)}`.includes(KEY), 'the error does not carry the key');

    const editor = await openFile('src/example.ts');
    select(editor, 'let total = 0;');
    emu.vault.enqueue({ type: 'status', status: 401, message: 'invalid x-api-key' });
    emu.spare.enqueue({ type: 'status', status: 500 });
    assert.equal(await vscode.commands.executeCommand('llmRouter.suggestCode', { apply: false }), undefined);

    await vscode.commands.executeCommand('llmRouter.openDashboard');
    const inspection = await waitFor('the dashboard to show the auth failure', async () => {
      const i = await vscode.commands.executeCommand<DashboardInspection>('llmRouter.dashboard.inspect');
      return i.live && JSON.stringify(i).includes('"auth"') ? i : undefined;
    });
    assert.ok(!JSON.stringify(inspection).includes(KEY), 'no dashboard message carries the key');

    const log = routerLogFile();
    if (userDataDir()) assert.ok(log, 'the LLM Router log file exists where the window keeps its logs');
    if (log) {
      const text = await waitFor('the log to record the requests', () => {
        const t = readFileSync(log, 'utf8');
        return /→ vault \(claude-vault\) ok/.test(t) && /failed .*vault:auth\(401\) → spare:server_error\(500\)/.test(t) ? t : undefined;
      });
      assert.ok(!text.includes(KEY), 'the log file does not contain the key');
      assert.ok(!text.includes('a logged success'), 'nor, by default, the prompt text');
      // Writes the metrics and cost files now rather than at their next periodic flush.
      await host.flush();
      assert.deepEqual(filesContaining(extensionFiles(), KEY), [], 'no file the extension wrote contains the key');
    }
    if (hasBridge()) {
      const shown = await findNotification('Suggest Code failed');
      await hideNotifications();
      assert.match(shown, /vault: auth \(401\)/);
      assert.ok(!shown.includes(KEY), 'the error notification does not show the key');
      const page = await read({ frames: WEBVIEW_FRAMES, selector: 'body', hasText: 'vault' });
      assert.ok(!page.texts.join('\n').includes(KEY), 'the dashboard page does not show the key');
    }
  });
});
