import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SuggestCodeResult } from '../../src/extension/commands/suggestCode';
import { openFile, revert, select } from './support/documents';
import { emulatorsFor, textOf } from './support/emulators';
import { configure, FAST_SETTINGS, freshState } from './support/router';

const BUGGY = `export function average(values: number[]): number {
  let total = 0;
  for (let i = 0; i <= values.length; i++) {
    total += values[i];
  }
  return total / values.length;
}`;

const FIXED = `export function average(values: number[]): number {
  if (values.length === 0) return 0;
  let total = 0;
  for (const value of values) total += value;
  return total / values.length;
}`;

const ANSWER = `Here is the fix:\n\n\`\`\`typescript\n${FIXED}\n\`\`\`\n`;

describe('Suggest Code from the editor', () => {
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
  afterEach(() => revert(editor));

  const suggest = (apply: boolean) => vscode.commands.executeCommand<SuggestCodeResult | undefined>('llmRouter.suggestCode', { apply });

  it('sends the selected code to the first provider and, with {apply: true}, replaces the selection with the suggestion', async () => {
    select(editor, BUGGY);
    emu.primary.enqueue({ type: 'ok', reply: ANSWER });

    const result = await suggest(true);

    assert.deepEqual(result, { applied: true, suggestion: FIXED, provider: 'primary' });
    assert.equal(emu.primary.requests.length, 1);
    assert.equal(emu.backup.requests.length, 0);
    const sent = emu.primary.requests[0];
    assert.equal(sent.stream, true, 'Suggest Code streams its answer');
    assert.ok(textOf(sent.body).includes(BUGGY), 'the request carries the selected code verbatim');
    const text = editor.document.getText();
    assert.ok(text.includes(FIXED), 'the document now holds the suggestion');
    assert.ok(!text.includes('i <= values.length'), 'the buggy loop is gone');
    assert.ok(text.includes('export function largest'), 'code outside the selection is untouched');
  });

  it('leaves the document unchanged with {apply: false}', async () => {
    select(editor, BUGGY);
    const before = editor.document.getText();
    emu.primary.enqueue({ type: 'ok', reply: ANSWER });

    const result = await suggest(false);

    assert.deepEqual(result, { applied: false, suggestion: FIXED, provider: 'primary' });
    assert.equal(editor.document.getText(), before);
    assert.equal(editor.document.isDirty, false);
  });

  it('falls back to the backup provider when the primary answers 503 on every try', async () => {
    select(editor, BUGGY);
    emu.primary.enqueue({ type: 'status', status: 503 }, { type: 'status', status: 503 });
    emu.backup.enqueue({ type: 'ok', reply: ANSWER });

    const result = await suggest(false);

    assert.equal(result?.provider, 'backup');
    assert.equal(result?.suggestion, FIXED);
    assert.equal(emu.primary.requests.length, FAST_SETTINGS['retry.maxAttempts'], 'the primary was tried retry.maxAttempts times');
    assert.equal(emu.backup.requests.length, 1);
    assert.equal(emu.backup.requests[0].format, 'ollama');
    assert.ok(textOf(emu.backup.requests[0].body).includes(BUGGY), 'the backup got the same selected code');
  });

  it('closes the diff it opened once the suggestion is applied or discarded', async () => {
    select(editor, BUGGY);
    emu.primary.enqueue({ type: 'ok', reply: ANSWER });

    await suggest(false);

    const diffs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff);
    assert.deepEqual(diffs.map((t) => t.label), []);
  });

  it('starts the suggestion over on the backup when the primary breaks off after its first words, and applies only the backup\'s answer', async () => {
    select(editor, BUGGY);
    // Its default answer, 'Hello from primary.', in four pieces: two reach the diff, then the connection drops.
    emu.primary.enqueue({ type: 'cut', afterChunks: 2 });
    emu.backup.enqueue({ type: 'ok', reply: ANSWER });

    const result = await suggest(true);

    assert.equal(result?.provider, 'backup');
    assert.equal(result?.applied, true);
    assert.ok(editor.document.getText().includes(FIXED), 'the backup’s suggestion is applied');
    assert.ok(!editor.document.getText().includes('Hello from'), 'nothing of the broken answer is left');
    assert.equal(emu.primary.requests.length, 1, 'the provider that broke off is not asked again for this suggestion');
  });

  describe('with the primary alone', () => {
    before(() => configure({ ...FAST_SETTINGS, providers: [{ id: 'primary', kind: 'openai-compatible', baseUrl: emu.primary.baseUrl('openai-compatible'), model: 'primary-model' }] }));

    it('fails when the stream breaks off and no other provider is left, changing nothing', async () => {
      select(editor, BUGGY);
      const before = editor.document.getText();
      emu.primary.enqueue({ type: 'cut', afterChunks: 2 });
      assert.equal(await suggest(true), undefined);
      assert.equal(editor.document.getText(), before);
    });
  });
});
