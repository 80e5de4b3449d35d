import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SuggestCodeResult } from '../../src/extension/commands/suggestCode';
import { openFile, revert, select } from './support/documents';
import { emulatorsFor } from './support/emulators';
import { configure, FAST_SETTINGS, freshState, routerHost } from './support/router';
import { waitFor } from './support/waitFor';

const BUGGY = `  for (let i = 0; i <= values.length; i++) {`;
const FIXED = `  for (let i = 0; i < values.length; i++) {`;
const ANSWER = `\`\`\`typescript\n${FIXED}\n\`\`\`\n`;

/** The verdicts counted so far for the suite's provider (other suites' providers have other ids). */
async function verdicts(): Promise<Record<string, number>> {
  const rank = (await routerHost()).quality().find((q) => q.provider === 'judged');
  assert.ok(rank, 'the provider is in the ranking');
  return rank.signals;
}

describe('Quality verdicts from the editor', () => {
  const emu = emulatorsFor('judged');
  let editor: vscode.TextEditor;

  before(async () => {
    await configure({
      ...FAST_SETTINGS,
      providers: [{ id: 'judged', kind: 'openai-compatible', baseUrl: emu.judged.baseUrl('openai-compatible'), model: 'judged-model' }],
    });
  });
  beforeEach(async () => {
    await freshState();
    editor = await openFile('src/example.ts');
  });
  afterEach(() => revert(editor));

  it('counts an applied suggestion, then a discarded one, in the provider\'s quality signals', async () => {
    const before = await verdicts();
    select(editor, BUGGY);
    emu.judged.enqueue({ type: 'ok', reply: ANSWER });
    const applied = await vscode.commands.executeCommand<SuggestCodeResult | undefined>('llmRouter.suggestCode', { apply: true });
    assert.equal(applied?.applied, true);
    assert.equal((await verdicts()).applied, before.applied + 1);

    await revert(editor);
    select(editor, BUGGY);
    emu.judged.enqueue({ type: 'ok', reply: ANSWER });
    const discarded = await vscode.commands.executeCommand<SuggestCodeResult | undefined>('llmRouter.suggestCode', { apply: false });
    assert.equal(discarded?.applied, false);
    const after = await verdicts();
    assert.equal(after.discarded, before.discarded + 1);
    assert.equal(after.applied, before.applied + 1);
  });

  it('counts an inline completion accepted with Tab through the item\'s command', async () => {
    // Only now: with completions on, the edits of the suggestion test could have asked for some.
    await configure({ 'inlineSuggestions.enabled': true, 'inlineSuggestions.debounceMs': 0 });
    try {
      await acceptOneCompletion();
    } finally {
      await configure({ 'inlineSuggestions.enabled': false, 'inlineSuggestions.debounceMs': 300 });
    }
  });

  async function acceptOneCompletion(): Promise<void> {
    const before = await verdicts();
    const line = editor.document.lineAt(editor.document.getText().split('\n').findIndex((l) => l.includes('let total = 0;')));
    editor.selection = new vscode.Selection(line.range.end, line.range.end);
    // Moving the cursor may ask for a completion too: every request gets the same one.
    for (let i = 0; i < 5; i++) emu.judged.enqueue({ type: 'ok', reply: ' // running sum' });
    const requestsBefore = emu.judged.requests.length;
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await waitFor('the inline completion request', () => emu.judged.requests.length > requestsBefore);
    await waitFor(
      'the inline completion to be accepted into the document',
      async () => {
        await vscode.commands.executeCommand('editor.action.inlineSuggest.commit');
        return editor.document.lineAt(line.lineNumber).text.includes('// running sum');
      },
      15_000,
    );
    await waitFor('the accepted verdict', async () => (await verdicts()).accepted === before.accepted + 1);
  }
});
