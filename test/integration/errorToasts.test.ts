import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { closedPortUrl, startEmulator } from '../emulator/server';
import { read, requireBridge, screenshot } from './support/bridge';
import { openFile, revert } from './support/documents';
import { hideNotifications } from './support/notifications';
import { configure, FAST_SETTINGS, freshState, routerHost } from './support/router';
import { waitFor } from './support/waitFor';

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

  it('an answer that broke off while streaming: the toast says nothing was changed and to run the command again', async function () {
    requireBridge(this);
    const emulator = await startEmulator({ name: 'cutter', reply: 'const x = 1;\nconst y = 2;\nconst z = 3;', chunks: 6 });
    try {
      emulator.setRandomFaults({ rate: 1, kinds: [{ type: 'cut', afterChunks: 2 }], seed: 1 });
      await configure({ ...FAST_SETTINGS, providers: [{ id: 'cutter', kind: 'openai-compatible', baseUrl: emulator.baseUrl('openai-compatible'), model: 'm' }] });
      await freshState();
      editor = await openFile('src/example.ts');
      editor.selection = new vscode.Selection(0, 0, 3, 0);
      await vscode.commands.executeCommand('llmRouter.suggestCode').then(undefined, () => undefined);

      await vscode.commands.executeCommand('notifications.showList');
      const item = `.notifications-center .notification-list-item:has-text("broke off")`;
      const { texts } = await read({ selector: item, hasText: 'cutter', timeoutMs: 20_000 });
      assert.match(texts[0], /Provider 'cutter' broke off its answer after .* had been streamed \(stream_cut\); the answer is incomplete\. Nothing was changed; run Suggest Code again\./);
    } finally {
      await emulator.close();
    }
  });

  it('with no providers configured: the first command says a local Ollama is used and offers Add Provider', async function () {
    requireBridge(this);
    await configure(FAST_SETTINGS);
    // The engine then runs the default provider, so configure() could not see [] applied.
    await vscode.workspace.getConfiguration('llmRouter').update('providers', [], vscode.ConfigurationTarget.Global);
    const host = await routerHost();
    await waitFor('the default provider to apply', () => host.usingDefaultProvider);
    await freshState();
    editor = await openFile('src/example.ts');
    editor.selection = new vscode.Selection(0, 0, 3, 0);
    await vscode.commands.executeCommand('llmRouter.suggestCode').then(undefined, () => undefined);

    await vscode.commands.executeCommand('notifications.showList');
    const item = `.notifications-center .notification-list-item:has-text("no providers configured")`;
    const { texts } = await read({ selector: item, hasText: 'Add Provider', timeoutMs: 20_000 });
    assert.match(texts[0], /uses a local Ollama on http:\/\/localhost:11434\. Run 'LLM Router: Add Provider' to add one/);
    const buttons = (await read({ selector: `${item} .monaco-button` })).texts.map((t) => t.trim());
    assert.deepEqual(buttons, ['Add Provider', 'Open Settings']);
  });
});
