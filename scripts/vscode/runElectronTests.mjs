// Child process of runIntegrationTests.mjs: runs the tests in desktop VS Code with
// @vscode/test-electron. It runs in its own process group so the parent can enforce a timeout.
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

const { runTests, TestRunFailedError } = createRequire(import.meta.url)('@vscode/test-electron');

/** @type {{ extensionDir: string, tests: string, workspace?: string, env: Record<string, string>,
 *           cachePath: string, version?: string, stateDir: string }} */
const opts = JSON.parse(process.argv[2]);
// A fresh profile per run (test-electron's default is .vscode-test/ in the repo); the parent
// creates stateDir and removes it, even after a timeout.
const stateDir = opts.stateDir;
const workspace = opts.workspace ? path.resolve(opts.workspace) : path.join(stateDir, 'workspace');
mkdirSync(workspace, { recursive: true });

try {
  await runTests({
    cachePath: opts.cachePath,
    version: opts.version,
    extensionDevelopmentPath: opts.extensionDir,
    extensionTestsPath: opts.tests,
    extensionTestsEnv: opts.env,
    launchArgs: [
      workspace,
      '--disable-extensions',
      `--user-data-dir=${path.join(stateDir, 'user-data')}`,
      `--extensions-dir=${path.join(stateDir, 'extensions')}`,
    ],
  });
  process.exitCode = 0;
} catch (err) {
  if (!(err instanceof TestRunFailedError)) console.error(`[electron runner] ${err?.stack ?? err}`);
  process.exitCode = typeof err?.code === 'number' && err.code !== 0 ? err.code : 1;
}
