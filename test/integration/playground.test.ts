import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AnalyzeFileResult } from '../../src/extension/commands/analyzeFile';
import type { SuggestCodeResult } from '../../src/extension/commands/suggestCode';
import { PLAYGROUND_KEY_ENV, PLAYGROUND_KEY_VALUE, startPlaygroundFleet, type PlaygroundFleet } from '../emulator/playgroundFleet';
import { openFile, revert } from './support/documents';
import { configure, FAST_SETTINGS, freshState } from './support/router';
import { waitFor } from './support/waitFor';

describe('the playground: simulated providers answer the real commands sensibly, with no key', () => {
  let fleet: PlaygroundFleet;
  let editor: vscode.TextEditor;

  before(async () => {
    fleet = await startPlaygroundFleet({ chunkDelayMs: 2 });
    // npm start sets it for the playground window; the keyed kind (sim-claude) names it in apiKeyEnv.
    process.env[PLAYGROUND_KEY_ENV] = PLAYGROUND_KEY_VALUE;
    await configure({ ...FAST_SETTINGS, providers: fleet.providers });
  });
  beforeEach(async () => {
    await freshState();
    editor = await openFile('src/example.ts');
  });
  afterEach(() => revert(editor));
  after(async () => {
    delete process.env[PLAYGROUND_KEY_ENV];
    await fleet?.close();
  });

  const cursorIn = (snippet: string) => {
    const pos = editor.document.positionAt(editor.document.getText().indexOf(snippet));
    editor.selection = new vscode.Selection(pos, pos);
  };

  it("Suggest Code inside 'average' applies a real fix of that function and nothing else", async () => {
    // The enclosing function comes from the TypeScript server, which may still be starting.
    await waitFor(
      'the TypeScript server to list the functions of example.ts',
      async () => ((await vscode.commands.executeCommand<unknown[]>('vscode.executeDocumentSymbolProvider', editor.document.uri)) ?? []).length > 0,
      30_000,
    );
    cursorIn('total += values[i]');
    const result = await vscode.commands.executeCommand<SuggestCodeResult | undefined>('llmRouter.suggestCode', { apply: true });
    assert.equal(result?.provider, 'sim-openai');
    const text = editor.document.getText();
    assert.match(text, /export function average\(values: number\[\]\): number \{\n {2}if \(values\.length === 0\) return 0;/);
    assert.ok(!text.includes('i <= values.length'), 'the off-by-one loop is gone');
    assert.ok(text.includes("return text.split(' ').length;"), 'countWords is untouched');
  });

  it('Analyze File marks the real problems of example.ts on their lines', async () => {
    const result = await vscode.commands.executeCommand<AnalyzeFileResult | undefined>('llmRouter.analyzeFile');
    assert.deepEqual(result?.findings.map((f) => [f.line, f.severity]), [[4, 'error'], [7, 'warning'], [21, 'warning']]);
    const marked = vscode.languages.getDiagnostics(editor.document.uri).filter((d) => d.source === 'LLM Router');
    assert.deepEqual(marked.map((d) => d.range.start.line + 1), [4, 7, 21]);
  });

  it("the walkthrough's Open example.ts opens the sample file itself, not a Quick Open to confirm", async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('llmRouter.openExample');
    await waitFor('example.ts to be the active editor', () => vscode.window.activeTextEditor?.document.uri.path.endsWith('/src/example.ts') === true);
    editor = vscode.window.activeTextEditor as vscode.TextEditor;
  });

  it('Fix with LLM Router on a finding of example.ts offers a fix of that line, and Apply puts it in', async () => {
    await vscode.commands.executeCommand('llmRouter.analyzeFile');
    const finding = vscode.languages.getDiagnostics(editor.document.uri).find((d) => d.source === 'LLM Router' && d.range.start.line === 6);
    assert.ok(finding, 'a finding on line 7 (the division by an empty list)');
    const fixing = Promise.resolve(vscode.commands.executeCommand('llmRouter.fixFinding', editor.document.uri, finding));
    await waitFor('the fix to arrive in its diff', () =>
      vscode.workspace.textDocuments.some((d) => d.uri.scheme === 'llm-router-suggestion' && d.getText().includes('return values.length === 0 ? 0 : total / values.length;')),
    );
    // Apply refuses an answer still arriving; it says so and the review stays open, so keep asking.
    await waitFor(
      'Apply to take the fix',
      async () => {
        await vscode.commands.executeCommand('llmRouter.review.apply');
        return editor.document.getText().includes('return values.length === 0 ? 0 : total / values.length;');
      },
      20_000,
    );
    await fixing;
    const text = editor.document.getText();
    assert.ok(!text.includes('simulated provider'), 'code, not the playground\'s fallback sentence');
    assert.ok(text.includes('for (let i = 0; i <= values.length; i++)'), 'only the line of the finding changed');
    const left = vscode.languages.getDiagnostics(editor.document.uri).filter((d) => d.source === 'LLM Router');
    assert.deepEqual(left.map((d) => d.range.start.line + 1), [4, 21], 'the fixed finding is off the file; the others stay');
  });

  it('falls back to sim-claude (an Anthropic wire format, with the playground key) while sim-openai is switched down', async () => {
    const down = await fetch(`${fleet.control}/providers/sim-openai/mode`, { method: 'POST', body: JSON.stringify({ mode: 'down' }) });
    assert.equal(down.status, 200);
    try {
      cursorIn("text.split(' ')");
      const result = await vscode.commands.executeCommand<SuggestCodeResult | undefined>('llmRouter.suggestCode', { apply: false });
      assert.equal(result?.provider, 'sim-claude');
      assert.match(result?.suggestion ?? '', /trimmed\.split\(\/\\s\+\/\)/);
    } finally {
      await fetch(`${fleet.control}/providers/sim-openai/mode`, { method: 'POST', body: JSON.stringify({ mode: 'healthy' }) });
    }
  });
});
