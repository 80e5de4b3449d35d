import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AnalyzeFileResult } from '../../src/extension/commands/analyzeFile';
import { REVIEW_COMMANDS, SUGGESTION_SCHEME } from '../../src/extension/review/suggestionReview';
import { click, hasBridge, keyboard, read, screenshot, WEBVIEW_FRAMES } from './support/bridge';
import { openFile, revert } from './support/documents';
import { emulatorsFor, textOf } from './support/emulators';
import { configure, FAST_SETTINGS, freshState, storeKey } from './support/router';
import { waitFor } from './support/waitFor';

// Lines of samples/workspace/src/example.ts: 4 is the `<=` loop header, 7 the division.
const FINDINGS = {
  findings: [
    { line: 4, severity: 'error', message: 'The loop condition `i <= values.length` reads values[values.length], which is undefined, so the total becomes NaN.' },
    { line: 7, endLine: 7, severity: 'warning', message: 'Divides by zero for an empty list.' },
    { line: 11, severity: 'info', message: 'Math.max(...values) says the same.' },
  ],
};

describe('Analyze File', () => {
  const emu = emulatorsFor('analyst');
  let editor: vscode.TextEditor;

  before(async () => {
    await configure({ ...FAST_SETTINGS, providers: [{ id: 'analyst', kind: 'anthropic', baseUrl: emu.analyst.baseUrl('anthropic'), model: 'claude-test' }] });
    await storeKey('analyst', 'sk-ant-analyst-test');
  });
  beforeEach(async () => {
    await freshState();
    editor = await openFile('src/example.ts');
  });
  after(async () => {
    await storeKey('analyst', '');
    // The report is a webview; later suites read the first webview on the page and expect theirs.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  const analyze = () => vscode.commands.executeCommand<AnalyzeFileResult | undefined>('llmRouter.analyzeFile');

  it('publishes the findings as diagnostics with their ranges, severities and source', async () => {
    emu.analyst.enqueue({ type: 'ok', reply: JSON.stringify(FINDINGS) });

    const result = await analyze();

    assert.equal(result?.provider, 'analyst');
    assert.equal(result?.cached, false);
    assert.equal(emu.analyst.requests.length, 1);
    assert.ok(textOf(emu.analyst.requests[0].body).includes('4:   for (let i = 0; i <= values.length; i++) {'), 'the file goes out with line numbers');
    const diagnostics = vscode.languages.getDiagnostics(editor.document.uri).filter((d) => d.source === 'LLM Router');
    const lines = (n: number) => editor.document.lineAt(n - 1);
    const underCode = (n: number) => new vscode.Range(n - 1, lines(n).firstNonWhitespaceCharacterIndex, n - 1, lines(n).text.trimEnd().length);
    assert.deepEqual(
      diagnostics.map((d) => ({ range: d.range, severity: d.severity, message: d.message })),
      [
        { range: underCode(4), severity: vscode.DiagnosticSeverity.Error, message: FINDINGS.findings[0].message },
        { range: underCode(7), severity: vscode.DiagnosticSeverity.Warning, message: FINDINGS.findings[1].message },
        { range: underCode(11), severity: vscode.DiagnosticSeverity.Information, message: FINDINGS.findings[2].message },
      ],
    );
  });

  it('answers a second run on the unchanged file from the cache, without a request', async () => {
    emu.analyst.enqueue({ type: 'ok', reply: JSON.stringify(FINDINGS) });
    await analyze();

    const again = await analyze();

    assert.equal(again?.cached, true);
    assert.equal(again?.findings.length, 3);
    assert.equal(emu.analyst.requests.length, 1);
  });

  it('asks the provider again once the file has changed', async () => {
    emu.analyst.enqueue({ type: 'ok', reply: JSON.stringify(FINDINGS) }, { type: 'ok', reply: '{"findings":[]}' });
    await analyze();
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), '// edited\n'));

    const again = await analyze();

    assert.equal(again?.cached, false);
    assert.equal(emu.analyst.requests.length, 2);
    await waitFor('the old findings to be replaced', () => vscode.languages.getDiagnostics(editor.document.uri).filter((d) => d.source === 'LLM Router').length === 0);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('shows the report with the model\'s <= as written, and a finding\'s link moves the cursor to its line', async function () {
    if (!hasBridge()) this.skip();
    emu.analyst.enqueue({ type: 'ok', reply: JSON.stringify(FINDINGS) });
    await analyze();

    const { texts } = await read({ selector: 'body', frames: WEBVIEW_FRAMES, hasText: 'i <= values.length' });
    assert.doesNotMatch(texts.join('\n'), /&lt;|&amp;/, 'nothing is escaped twice');
    const code = await read({ selector: 'code', frames: WEBVIEW_FRAMES });
    assert.deepEqual(code.texts, ['i <= values.length'], 'the code span is shown as code');
    await screenshot('review-report');
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    await click({ selector: 'a', frames: WEBVIEW_FRAMES, hasText: 'line 7' });

    await waitFor('the cursor on line 7 of example.ts', () => {
      const active = vscode.window.activeTextEditor;
      return active?.document.uri.toString() === editor.document.uri.toString() && active.selection.active.line === 6;
    });
  });

  it("offers 'Fix with LLM Router' on each finding, and applying it changes the file as the provider answered", async () => {
    emu.analyst.enqueue(
      { type: 'ok', reply: JSON.stringify(FINDINGS) },
      { type: 'ok', reply: '```typescript\n  for (let i = 0; i < values.length; i++) {\n```' },
    );
    await analyze();
    const finding = vscode.languages.getDiagnostics(editor.document.uri).find((d) => d.source === 'LLM Router' && d.range.start.line === 3);
    assert.ok(finding, 'the line 4 finding is published');

    if (hasBridge()) {
      const shown = await vscode.window.showTextDocument(editor.document, { viewColumn: vscode.ViewColumn.One, preserveFocus: false });
      shown.selection = new vscode.Selection(finding.range.start, finding.range.start);
      await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
      await click({ selector: '.editor-group-container.active .view-lines' });
      shown.selection = new vscode.Selection(finding.range.start, finding.range.start);
      await vscode.commands.executeCommand('editor.action.quickFix');
      await read({ selector: '.action-widget', hasText: 'Fix with LLM Router' });
      await screenshot('review-quickfix');
      await keyboard({ press: 'Escape' });
    }
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', editor.document.uri, finding.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a) => a.title === 'Fix with LLM Router');
    assert.ok(fix?.command, `the finding offers the quick fix (offered: ${actions.map((a) => a.title).join(', ')})`);
    const outcome = Promise.resolve(vscode.commands.executeCommand(fix.command.command, ...(fix.command.arguments ?? [])));
    await waitFor('the fix under review in a diff', () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.scheme === SUGGESTION_SCHEME && /example\.ts:4/.test(t.label)),
    );
    await waitFor('the answer complete', () => vscode.workspace.textDocuments.some((d) => d.uri.scheme === SUGGESTION_SCHEME && d.getText().includes('i < values.length')));
    await vscode.commands.executeCommand(REVIEW_COMMANDS.apply);
    await outcome;

    const asked = textOf(emu.analyst.requests[1].body);
    assert.ok(asked.includes(`Problem (reported at these lines): ${FINDINGS.findings[0].message}`), 'the prompt names the finding');
    assert.ok(asked.includes('Code to fix:\n```typescript\n  for (let i = 0; i <= values.length; i++) {\n```'), 'the prompt carries the finding\'s line');
    assert.equal(editor.document.lineAt(3).text, '  for (let i = 0; i < values.length; i++) {');
    assert.ok(editor.document.getText().includes('export function largest'), 'the rest of the file is untouched');
    await revert(editor);
  });
});
