import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { click, read, requireBridge, screenshot } from './support/bridge';
import { emulatorsFor } from './support/emulators';
import { ask, configure, FAST_SETTINGS, freshState, routerHost } from './support/router';
import { waitFor } from './support/waitFor';

const TOAST = '.notification-toast-container .notification-list-item';

describe('Alerts: one notification per condition, with its actions', () => {
  const tag = Date.now().toString(36);
  const [A, B] = [`alerting-${tag}`, `steady-${tag}`];
  const emu = emulatorsFor(A, B);

  before(async function () {
    requireBridge(this);
    await configure({
      ...FAST_SETTINGS,
      'retry.maxAttempts': 1,
      'breaker.consecutiveFailures': 1,
      'alerts.enabled': true,
      providers: [
        { id: A, kind: 'openai-compatible', baseUrl: emu[A].baseUrl('openai-compatible'), model: 'alerting-model', priority: 1 },
        { id: B, kind: 'ollama', baseUrl: emu[B].baseUrl('ollama'), model: 'steady-model', priority: 2 },
      ],
    });
    await freshState();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
  after(async () => {
    const host = await routerHost();
    host.restore(A);
    host.resetBreakers();
    await configure({ 'alerts.enabled': false });
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  it('shows one notification when a breaker opens, with Open Dashboard, Isolate Provider and Snooze; Isolate Provider isolates it', async () => {
    const host = await routerHost();
    emu[A].enqueue({ type: 'status', status: 503 });
    assert.equal((await ask(host, 'opens the breaker')).provider, B);
    // More requests pass the open breaker: the condition still holds, so no second notification.
    assert.equal((await ask(host, 'second')).provider, B);
    assert.equal((await ask(host, 'third')).provider, B);

    const text = `Provider '${A}': circuit breaker open`;
    const toast = await read({ selector: TOAST, hasText: text, timeoutMs: 10_000 });
    const mine = toast.texts.filter((t) => t.includes(text));
    assert.equal(mine.length, 1, `one notification for the condition: ${JSON.stringify(toast.texts)}`);
    const buttons = await read({ selector: `${TOAST}:has-text(${JSON.stringify(text)}) .monaco-button` });
    assert.deepEqual(buttons.texts.map((b) => b.trim()), ['Open Dashboard', 'Isolate Provider', 'Snooze 1 h']);
    await screenshot('alert-notification');

    await click({ selector: `${TOAST}:has-text(${JSON.stringify(text)}) .monaco-button:has-text("Isolate Provider")` });
    await waitFor('the provider to be isolated', () => host.providers().find((p) => p.id === A)?.breaker.state === 'isolated');
    await waitFor('the alert to clear once the provider is isolated', () => host.alerts().length === 0);

    await vscode.commands.executeCommand('notifications.showList');
    const center = await read({ selector: '.notifications-center .notification-list-item', timeoutMs: 3_000 }).catch(() => ({ texts: [] as string[] }));
    assert.equal(center.texts.filter((t) => t.includes(text)).length, 0, 'the answered notification is gone, and no other was raised');
    await vscode.commands.executeCommand('notifications.hideList');
  });
});
