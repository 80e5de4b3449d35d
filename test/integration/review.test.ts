import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SuggestCodeResult } from '../../src/extension/commands/suggestCode';
import { REVIEW_COMMANDS, SUGGESTION_SCHEME } from '../../src/extension/review/suggestionReview';
import { startEmulator, type Emulator } from '../emulator/server';
import { click, hasBridge, read, screenshot } from './support/bridge';
import { openFile, revert, select } from './support/documents';
import { emulatorsFor } from './support/emulators';
import { configure, FAST_SETTINGS, freshState } from './support/router';
import { waitFor } from './support/waitFor';

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

const FIXED_AGAIN = `export function average(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, v) => sum + v, 0) / values.length;
}`;

const answer = (code: string) => `\`\`\`typescript\n${code}\n\`\`\`\n`;

function diffTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.scheme === SUGGESTION_SCHEME);
}

/** The suggestion diff once its right side holds `code`. */
async function diffShowing(code: string): Promise<vscode.Tab> {
  return waitFor(`a suggestion diff showing '${code.split('\n')[1]}'`, () =>
    diffTabs().find((t) => vscode.workspace.textDocuments.some((d) => d.uri.toString() === (t.input as vscode.TabInputTextDiff).modified.toString() && d.getText().includes(code))),
  );
}

const rightSide = (tab: vscode.Tab) => (tab.input as vscode.TabInputTextDiff).modified;

describe('Reviewing a suggestion', () => {
  const emu = emulatorsFor('primary');
  let editor: vscode.TextEditor;

  before(async () => {
    await configure({ ...FAST_SETTINGS, providers: [{ id: 'primary', kind: 'openai-compatible', baseUrl: emu.primary.baseUrl('openai-compatible'), model: 'primary-model' }] });
  });
  beforeEach(async () => {
    await freshState();
    editor = await openFile('src/example.ts');
    select(editor, BUGGY);
  });
  afterEach(async () => {
    for (const tab of diffTabs()) await vscode.commands.executeCommand(REVIEW_COMMANDS.discard, rightSide(tab));
    await revert(editor);
  });

  // Without arguments the command waits for the user's decision, as from the editor menu.
  const suggest = () => Promise.resolve(vscode.commands.executeCommand<SuggestCodeResult | undefined>('llmRouter.suggestCode'));

  it('keeps Apply, Discard and Ask Again in the diff title with no notification left, and applies from there', async function () {
    // Only the code and its diff on screen, for the screenshot.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    editor = await openFile('src/example.ts');
    select(editor, BUGGY);
    emu.primary.enqueue({ type: 'ok', reply: answer(FIXED) });
    const outcome = suggest();
    await diffShowing(FIXED);
    await vscode.commands.executeCommand('notifications.clearAll');
    if (hasBridge()) {
      await waitFor('the progress notification to go', async () => (await read({ selector: '.notification-toast-container' })).texts.length === 0);
      const { texts } = await read({ selector: '.editor-group-container.active .editor-actions', hasText: 'Ask Again' });
      assert.match(texts.join(' '), /Apply[\s\S]*Discard[\s\S]*Ask Again/);
      await screenshot('review-diff');
      await click({ selector: '.editor-group-container.active .editor-actions .action-label', hasText: 'Apply' });
    } else {
      await vscode.commands.executeCommand(REVIEW_COMMANDS.apply);
    }

    assert.deepEqual(await outcome, { applied: true, suggestion: FIXED, provider: 'primary' });
    assert.ok(editor.document.getText().includes(FIXED), 'the document holds the suggestion');
    await waitFor('the diff to close', () => diffTabs().length === 0);
  });

  it('Ask Again sends a second request past the cache and shows the new answer in the same review', async () => {
    emu.primary.enqueue({ type: 'ok', reply: answer(FIXED) }, { type: 'ok', reply: answer(FIXED_AGAIN) });
    const outcome = suggest();
    const first = await diffShowing(FIXED);

    await vscode.commands.executeCommand(REVIEW_COMMANDS.askAgain, rightSide(first));
    await diffShowing(FIXED_AGAIN);

    assert.equal(emu.primary.requests.length, 2, 'the second answer came from the provider');
    await waitFor('the new answer to replace the old one in the review', () => diffTabs().length === 1);
    await vscode.commands.executeCommand(REVIEW_COMMANDS.apply);
    assert.deepEqual(await outcome, { applied: true, suggestion: FIXED_AGAIN, provider: 'primary' });
    assert.ok(editor.document.getText().includes(FIXED_AGAIN));
  });

  it('never serves a discarded answer again: the next Suggest Code asks the provider', async () => {
    emu.primary.enqueue({ type: 'ok', reply: answer(FIXED) }, { type: 'ok', reply: answer(FIXED_AGAIN) });
    const outcome = suggest();
    await diffShowing(FIXED);
    await vscode.commands.executeCommand(REVIEW_COMMANDS.discard);
    assert.deepEqual(await outcome, { applied: false, suggestion: FIXED, provider: 'primary' });
    const before = editor.document.getText();

    const next = suggest();
    const tab = await diffShowing(FIXED_AGAIN);

    assert.equal(emu.primary.requests.length, 2, 'the discarded answer was not replayed from the cache');
    assert.doesNotMatch(tab.label, /from cache/);
    assert.equal(editor.document.getText(), before, 'discarding left the code as it was');
    await vscode.commands.executeCommand(REVIEW_COMMANDS.discard);
    await next;
  });

  it('says in the diff title when the answer came from the cache', async () => {
    emu.primary.enqueue({ type: 'ok', reply: answer(FIXED) });
    const first = suggest();
    await diffShowing(FIXED);
    await vscode.commands.executeCommand(REVIEW_COMMANDS.apply);
    await first;
    await revert(editor);
    editor = await openFile('src/example.ts');
    select(editor, BUGGY);

    const again = suggest();
    const tab = await diffShowing(FIXED);

    assert.equal(emu.primary.requests.length, 1, 'the same request was answered from the cache');
    assert.match(tab.label, /from cache — Ask again for a fresh answer/);
    if (hasBridge()) await read({ selector: '.tabs-container .tab.active', hasText: 'from cache' });
    await vscode.commands.executeCommand(REVIEW_COMMANDS.discard);
    await again;
  });

  it('treats closing the diff without a decision as Discard', async () => {
    emu.primary.enqueue({ type: 'ok', reply: answer(FIXED) });
    const before = editor.document.getText();
    const outcome = suggest();
    const tab = await diffShowing(FIXED);

    await vscode.window.tabGroups.close(tab);

    assert.deepEqual(await outcome, { applied: false, suggestion: FIXED, provider: 'primary' });
    assert.equal(editor.document.getText(), before);
  });

  it('puts nothing in the Problems panel, even for an answer that does not parse', async () => {
    // A TypeScript document with a syntax error proves the TypeScript server is checking documents right now.
    const control = await vscode.workspace.openTextDocument({ language: 'typescript', content: 'export const = ;\n' });
    await waitFor('TypeScript to report the control document', () => vscode.languages.getDiagnostics(control.uri).length > 0, 20_000);
    const broken = 'export function average(values: number[]): number {\n  return (values.reduce(\n}';
    emu.primary.enqueue({ type: 'ok', reply: answer(broken) });
    const outcome = suggest();
    const tab = await diffShowing(broken);
    await vscode.window.showTextDocument(control, { preview: false, preserveFocus: true, viewColumn: vscode.ViewColumn.Beside });
    // Give the checker the time it took on the control document, and more.
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    const ours = vscode.languages.getDiagnostics().filter(([uri, list]) => uri.scheme === SUGGESTION_SCHEME && list.length > 0);
    assert.deepEqual(ours, [], 'no diagnostics on either side of the diff');
    assert.ok(vscode.workspace.textDocuments.some((d) => d.uri.toString() === rightSide(tab).toString() && d.languageId === 'plaintext'));
    await vscode.commands.executeCommand(REVIEW_COMMANDS.discard, rightSide(tab));
    await outcome;
    await vscode.window.showTextDocument(control);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});

describe('A suggestion as it streams in', () => {
  let slow: Emulator;
  let editor: vscode.TextEditor;

  before(async () => {
    slow = await startEmulator({ name: 'slow', reply: answer(FIXED), chunks: 12, chunkDelayMs: 250 });
    await configure({ ...FAST_SETTINGS, providers: [{ id: 'slow', kind: 'openai-compatible', baseUrl: slow.baseUrl('openai-compatible'), model: 'slow-model' }] });
  });
  after(() => slow.close());

  it('grows in the right side of the diff before the answer is complete, and Discard stops it', async () => {
    await freshState();
    editor = await openFile('src/example.ts');
    select(editor, BUGGY);
    const outcome = Promise.resolve(vscode.commands.executeCommand<SuggestCodeResult | undefined>('llmRouter.suggestCode'));
    const partial = await waitFor('a diff with part of the answer', () => {
      const tab = diffTabs()[0];
      const text = tab && vscode.workspace.textDocuments.find((d) => d.uri.toString() === rightSide(tab).toString())?.getText();
      return text && text.includes('if (values.length === 0) return 0;') && !text.includes(FIXED) ? text : undefined;
    });
    assert.ok(partial.includes('export function largest'), 'the rest of the file stays around the growing suggestion');
    const before = slow.requests.length;

    await vscode.commands.executeCommand(REVIEW_COMMANDS.discard);

    assert.equal(await outcome, undefined, 'discarding while it streams stops it with nothing to apply');
    await waitFor('the diff to close', () => diffTabs().length === 0);
    assert.equal(slow.requests.length, before);
    assert.equal(editor.document.isDirty, false, 'the code is untouched');
  });
});
