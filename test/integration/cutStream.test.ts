import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SuggestCodeResult } from '../../src/extension/commands/suggestCode';
import { openFile, revert, select } from './support/documents';
import { emulatorsFor } from './support/emulators';
import { hideNotifications } from './support/notifications';
import { configure, FAST_SETTINGS, freshState } from './support/router';

const BACKUP_FIX = 'let total = 0; // from backup';
const answer = (code: string) => `\`\`\`typescript\n${code}\n\`\`\`\n`;

describe('Suggest Code when the stream breaks off after its first words', () => {
  const emu = emulatorsFor('primary', 'backup');
  let editor: vscode.TextEditor;

  before(async () => {
    await configure({
      ...FAST_SETTINGS,
      providers: [
        { id: 'primary', kind: 'openai-compatible', baseUrl: emu.primary.baseUrl('openai-compatible'), model: 'primary-model', priority: 1 },
        { id: 'backup', kind: 'ollama', baseUrl: emu.backup.baseUrl('ollama'), model: 'backup-model', priority: 2 },
      ],
    });
  });
  beforeEach(async () => {
    await freshState();
    editor = await openFile('src/example.ts');
  });
  afterEach(async () => {
    await hideNotifications();
    await revert(editor);
  });

  it('starts the suggestion over on the provider that did not break, and shows only its answer', async () => {
    select(editor, 'let total = 0;');
    // Its default answer, 'Hello from primary.', in four pieces: two reach the diff, then the connection drops.
    emu.primary.enqueue({ type: 'cut', afterChunks: 2 });
    emu.backup.enqueue({ type: 'ok', reply: answer(BACKUP_FIX) });
    const result = await Promise.resolve(vscode.commands.executeCommand<SuggestCodeResult | undefined>('llmRouter.suggestCode', { apply: true }));
    assert.equal(result?.provider, 'backup');
    assert.equal(result?.applied, true);
    assert.ok(editor.document.getText().includes(BACKUP_FIX), 'the backup’s suggestion is applied');
    assert.ok(!editor.document.getText().includes('Hello from'), 'nothing of the broken answer is left');
    assert.equal(emu.primary.requests.length, 1, 'the provider that broke off is not asked again for this suggestion');
  });

  it('fails as before, saying nothing was changed, when no other provider is left', async () => {
    await configure({ ...FAST_SETTINGS, providers: [{ id: 'primary', kind: 'openai-compatible', baseUrl: emu.primary.baseUrl('openai-compatible'), model: 'primary-model' }] });
    select(editor, 'let total = 0;');
    const before = editor.document.getText();
    emu.primary.enqueue({ type: 'cut', afterChunks: 2 });
    const result = await Promise.resolve(vscode.commands.executeCommand<SuggestCodeResult | undefined>('llmRouter.suggestCode', { apply: true }));
    assert.equal(result, undefined);
    assert.equal(editor.document.getText(), before);
  });
});
