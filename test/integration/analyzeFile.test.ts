import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AnalyzeFileResult } from '../../src/extension/commands/analyzeFile';
import { openFile } from './support/documents';
import { emulatorsFor, textOf } from './support/emulators';
import { configure, FAST_SETTINGS, freshState, storeKey } from './support/router';
import { waitFor } from './support/waitFor';

// Lines of samples/workspace/src/example.ts: 4 is the `<=` loop header, 7 the division.
const FINDINGS = {
  findings: [
    { line: 4, severity: 'error', message: 'The loop reads values[values.length], which is undefined, so the total becomes NaN.' },
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
});
