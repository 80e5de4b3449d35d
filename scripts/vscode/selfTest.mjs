// Proves the code-server runner end to end with a throwaway extension generated in a temp folder:
// a passing suite must exit 0, a failing one 1, and Playwright must see the extension's status bar
// item both from inside the tests (workbench bridge) and from launchWorkbench without tests.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureCodeServer } from './installCodeServer.mjs';
import { launchWorkbench, runCodeServerTests } from './runCodeServerTests.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const mochaPath = path.resolve(here, '..', '..', 'node_modules', 'mocha');
const STATUS_TEXT = 'SelfTest ready';

function writeFixture(root) {
  const extensionDir = path.join(root, 'extension');
  const testsDir = path.join(extensionDir, 'tests');
  const workspace = path.join(root, 'workspace');
  mkdirSync(testsDir, { recursive: true });
  mkdirSync(workspace, { recursive: true });
  writeFileSync(path.join(workspace, 'hello.txt'), 'hello from the self-test workspace\n');
  const files = {
    'package.json': JSON.stringify({
      name: 'runner-self-test',
      publisher: 'llm-router',
      version: '0.0.1',
      engines: { vscode: '^1.90.0' },
      main: './extension.js',
      activationEvents: ['onStartupFinished'],
      contributes: { commands: [{ command: 'selfTest.answer', title: 'Self-test: answer' }] },
    }),
    'extension.js': `
const vscode = require('vscode');
exports.activate = (context) => {
  const item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 100);
  item.text = ${JSON.stringify(STATUS_TEXT)};
  item.show();
  context.subscriptions.push(item, vscode.commands.registerCommand('selfTest.answer', (x) => x * 2));
};`,
    'tests/suite.js': `
const assert = require('assert');
const vscode = require('vscode');
describe('runner self-test', () => {
  it('runs a command the extension registered and gets its return value', async () => {
    assert.strictEqual(await vscode.commands.executeCommand('selfTest.answer', 21), Number(process.env.SELFTEST_EXPECTED));
  });
  it('opens the requested workspace folder', async () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.strictEqual(folders[0] && folders[0].uri.path, ${JSON.stringify(workspace)});
    const text = (await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folders[0].uri, 'hello.txt'))).getText();
    assert.match(text, /self-test workspace/);
  });
  it('shows its status bar item to a person (read through the workbench bridge)', async function () {
    const bridge = process.env.LLM_ROUTER_WORKBENCH_BRIDGE;
    if (!bridge) return this.skip();
    const res = await fetch(bridge + '/text', {
      method: 'POST',
      body: JSON.stringify({ selector: '.statusbar', hasText: ${JSON.stringify(STATUS_TEXT)} }),
    });
    assert.strictEqual(res.status, 200, await res.clone().text());
    assert.match((await res.json()).texts.join(' '), /${STATUS_TEXT}/);
  });
});`,
    'tests/index.js': `
const Mocha = require(${JSON.stringify(mochaPath)});
exports.run = () => new Promise((resolve, reject) => {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 20000 });
  mocha.addFile(require('path').join(__dirname, 'suite.js'));
  mocha.run((failures) => (failures ? reject(new Error(failures + ' test(s) failed')) : resolve()));
});`,
  };
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(extensionDir, name), content);
  return { extensionDir, tests: path.join(testsDir, 'index.js'), workspace };
}

// Without tests the extension runs as a person would use it; Playwright reads the page directly.
async function statusBarShowsWithoutTests(fixture) {
  const workbench = await launchWorkbench({ extensionDir: fixture.extensionDir, workspace: fixture.workspace });
  try {
    await workbench.page.locator('.statusbar').getByText(STATUS_TEXT).waitFor({ timeout: 60_000 });
    return true;
  } catch (err) {
    console.error(`[self-test] ${err.message}`);
    return false;
  } finally {
    await workbench.close();
  }
}

function elapsed(since) {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

const { values } = parseArgs({ options: { 'screenshot-dir': { type: 'string' }, keep: { type: 'boolean' } } });
const timings = [];
let t = Date.now();
await ensureCodeServer();
timings.push(`install check ${elapsed(t)}`);

const root = mkdtempSync(path.join(tmpdir(), 'llm-router-selftest-'));
const fixture = writeFixture(root);
const failures = [];
try {
  t = Date.now();
  const passCode = await runCodeServerTests({
    ...fixture,
    env: { SELFTEST_EXPECTED: '42' },
    screenshotDir: values['screenshot-dir'],
  });
  timings.push(`passing run ${elapsed(t)}`);
  if (passCode !== 0) failures.push(`the passing suite exited with ${passCode}, expected 0`);

  // The failing variant goes through the command line, so its exit code is the process's.
  t = Date.now();
  const cli = spawnSync(
    process.execPath,
    [path.join(here, 'runCodeServerTests.mjs'), '--extension-dir', fixture.extensionDir, '--tests', fixture.tests,
      '--workspace', fixture.workspace, '--timeout', '120'],
    { env: { ...process.env, SELFTEST_EXPECTED: '41' }, stdio: 'inherit' },
  );
  timings.push(`failing run (CLI) ${elapsed(t)}`);
  if (cli.status !== 1) failures.push(`the failing suite exited with ${cli.status}, expected 1`);

  t = Date.now();
  if (!(await statusBarShowsWithoutTests(fixture))) failures.push('Playwright did not see the status bar item without tests');
  timings.push(`open workbench + read status bar ${elapsed(t)}`);
} finally {
  if (!values.keep) rmSync(root, { recursive: true, force: true });
}

console.log(`[self-test] timings: ${timings.join(', ')}`);
if (failures.length > 0) {
  console.error(`[self-test] FAILED:\n  ${failures.join('\n  ')}`);
  process.exitCode = 1;
} else {
  console.log('[self-test] OK: passing suite exited 0, failing suite exited 1');
}
