import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SuggestCodeResult } from '../../src/extension/commands/suggestCode';
import { requireBridge } from './support/bridge';
import { openFile, revert, select } from './support/documents';
import { emulatorsFor } from './support/emulators';
import { findNotification, hideNotifications } from './support/notifications';
import { configure, FAST_SETTINGS, freshState } from './support/router';
import { waitFor } from './support/waitFor';

const FIRST_TOKEN_MS = 1_500;
/** The backup takes its time, so the progress line can be read while it answers. */
const BACKUP_MS = 3_000;

describe('Suggest Code with a provider that accepts the request and never answers', () => {
  const emu = emulatorsFor('primary', 'backup');
  let editor: vscode.TextEditor;

  before(async () => {
    await configure({
      ...FAST_SETTINGS,
      'retry.maxAttempts': 3,
      'timeouts.interactiveFirstTokenMs': FIRST_TOKEN_MS,
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

  it('is answered by the backup within interactiveFirstTokenMs plus the backup’s own time, and the progress names both providers', async function () {
    requireBridge(this);
    select(editor, 'let total = 0;');
    emu.primary.enqueue({ type: 'hang' }, { type: 'hang' }, { type: 'hang' });
    emu.backup.enqueue({ type: 'delay', ms: BACKUP_MS });
    const running = Promise.resolve(vscode.commands.executeCommand<SuggestCodeResult | undefined>('llmRouter.suggestCode', { apply: false }));
    // From the request on the wire: the editor's own work before it (finding the target, a cold window) is not the router's.
    await waitFor('the primary to receive the request', () => emu.primary.requests.length === 1);
    const sent = Date.now();
    const progress = await findNotification('trying backup');
    const result = await running;
    const elapsedMs = Date.now() - sent;

    assert.match(progress, /LLM Router: improving the selection/);
    assert.match(progress, /primary timed out after 2 s — trying backup/);
    assert.equal(result?.provider, 'backup');
    assert.ok(elapsedMs < FIRST_TOKEN_MS + BACKUP_MS + 1_500, `answered ${elapsedMs} ms after the request went out`);
    assert.equal(emu.primary.requests.length, 1, 'the silent primary is not asked again while the backup can answer');
  });
});
