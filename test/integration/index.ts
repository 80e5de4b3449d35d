import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';

/**
 * Which suites run in this window. Workspace trust is fixed per window, so the suites that need an
 * untrusted workspace (`*.untrusted.test.js`) run in a second window of their own; a suite that reloads
 * its window (`*.reload.test.js`) runs in a third; the language model provider suites (`*.lm.test.js`) need a
 * current VS Code (1.104+) and run in a fourth.
 */
export type SuiteGroup = 'trusted' | 'untrusted' | 'reload' | 'lm';
const GROUPS: SuiteGroup[] = ['trusted', 'untrusted', 'reload', 'lm'];
const groupOf = (file: string): SuiteGroup => GROUPS.find((g) => file.endsWith(`.${g}.test.js`)) ?? 'trusted';

export const GROUP_ENV = 'LLM_ROUTER_INTEGRATION_GROUP';

/** The entry VS Code's test runners call inside the extension host; rejects when a test fails. */
export async function run(): Promise<void> {
  const group: SuiteGroup = GROUPS.find((g) => g === process.env[GROUP_ENV]) ?? 'trusted';
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: 30_000,
    grep: process.env.LLM_ROUTER_INTEGRATION_GREP || undefined,
    rootHooks: {
      // The web workbench saves edits after a delay by default; the suites revert their edits instead.
      beforeAll: () => vscode.workspace.getConfiguration('files').update('autoSave', 'off', vscode.ConfigurationTarget.Global),
    },
  });
  const files = readdirSync(__dirname)
    .filter((name) => name.endsWith('.test.js') && groupOf(name) === group)
    .sort();
  if (files.length === 0) throw new Error(`no ${group} suites found in ${__dirname}`);
  for (const name of files) mocha.addFile(path.join(__dirname, name));
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} integration test(s) failed`);
}
