import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { closedPortUrl } from '../emulator/server';
import { read, requireBridge, screenshot } from './support/bridge';
import { openFile, revert } from './support/documents';
import { hideNotifications } from './support/notifications';
import { configure, FAST_SETTINGS, freshState } from './support/router';

describe('Error toasts say what to do', () => {
  let editor: vscode.TextEditor | undefined;
  afterEach(async () => {
    if (editor) await revert(editor);
    await hideNotifications();
  });

  it("a local Ollama that is not running: the toast names it and its host, and offers Add Provider", async function () {
    requireBridge(this);
    const baseUrl = (await closedPortUrl()).replace(/\/+$/, '');
    const host = new URL(baseUrl).host;
    await configure({ ...FAST_SETTINGS, providers: [{ id: 'ollama', kind: 'ollama', baseUrl, model: 'llama3.2' }] });
    await freshState();
    editor = await openFile('src/example.ts');
    editor.selection = new vscode.Selection(0, 0, 3, 0);
    // The command presents the failure itself and settles without throwing.
    await vscode.commands.executeCommand('llmRouter.suggestCode').then(undefined, () => undefined);

    await vscode.commands.executeCommand('notifications.showList');
    const item = `.notifications-center .notification-list-item:has-text("isn't running")`;
    const { texts } = await read({ selector: item, hasText: host, timeoutMs: 20_000 });
    assert.match(texts[0], new RegExp(`Suggest Code failed\\. Ollama isn't running on ${host.replace(/\./g, '\\.')} \\(provider 'ollama'\\) — start it \\(ollama serve\\), or add a provider\\.`));
    const buttons = (await read({ selector: `${item} .monaco-button` })).texts.map((t) => t.trim());
    assert.deepEqual(buttons, ['Add Provider', 'Show Log']);
    await screenshot('errors-toast-ollama');
  });
});
