import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SuggestCodeResult } from '../../src/extension/commands/suggestCode';
import { requireBridge } from './support/bridge';
import { openFile, select } from './support/documents';
import { emulatorsFor } from './support/emulators';
import { hideNotifications, pressNotificationButton } from './support/notifications';
import { ask, configure, FAST_SETTINGS, freshState, routerHost } from './support/router';
import { settlesWithin, waitFor } from './support/waitFor';

// Well below the emulator's hang (forever) and the request timeouts (FAST_SETTINGS, 20 s).
const PROMPTLY_MS = 5_000;

describe('Cancellation', () => {
  // Only ever asked by these tests, so its open connections are exactly the ones they started.
  const emu = emulatorsFor('stuck');

  before(() => configure({ ...FAST_SETTINGS, providers: [{ id: 'stuck', kind: 'openai-compatible', baseUrl: emu.stuck.baseUrl('openai-compatible'), model: 'stuck-model' }] }));
  beforeEach(freshState);

  async function expectUnharmedBreaker(): Promise<void> {
    const host = await routerHost();
    const stuck = host.providers().find((p) => p.id === 'stuck');
    assert.equal(stuck?.breaker.state, 'closed');
    assert.equal(stuck?.breaker.consecutiveFailures, 0, 'a cancelled request is not the provider failing');
  }

  it('stops Suggest Code when the person presses Cancel on its progress notification, closing the connection', async function () {
    requireBridge(this);
    const editor = await openFile('src/example.ts');
    select(editor, 'let total = 0;');
    emu.stuck.enqueue({ type: 'hang' });

    const running = Promise.resolve(vscode.commands.executeCommand<SuggestCodeResult | undefined>('llmRouter.suggestCode', { apply: true }));
    await waitFor('the provider to receive the request', () => emu.stuck.requests.length === 1 && emu.stuck.openConnections() > 0);
    await pressNotificationButton('LLM Router: improving the selection', 'Cancel');

    assert.equal(await settlesWithin(running, PROMPTLY_MS, 'Suggest Code after Cancel'), undefined);
    await waitFor('the provider connection to close', () => emu.stuck.openConnections() === 0, PROMPTLY_MS);
    assert.equal(editor.document.isDirty, false, 'nothing was applied');
    assert.equal(emu.stuck.requests.length, 1, 'no retry after a cancel');
    await expectUnharmedBreaker();
    await hideNotifications();
  });

  it('rejects host.run with CancelledError when its cancellation token fires, closing the connection', async () => {
    const host = await routerHost();
    emu.stuck.enqueue({ type: 'hang' });
    const source = new vscode.CancellationTokenSource();

    const running = ask(host, 'this will hang', { token: source.token });
    await waitFor('the provider to receive the request', () => emu.stuck.requests.length === 1 && emu.stuck.openConnections() > 0);
    source.cancel();

    await assert.rejects(settlesWithin(running, PROMPTLY_MS, 'host.run after cancel'), (err: Error) => err.name === 'CancelledError');
    await waitFor('the provider connection to close', () => emu.stuck.openConnections() === 0, PROMPTLY_MS);
    assert.equal(emu.stuck.requests.length, 1);
    await expectUnharmedBreaker();
    source.dispose();
  });
});
