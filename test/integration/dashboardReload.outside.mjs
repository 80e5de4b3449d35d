// The dashboard comes back after a window reload (its WebviewPanelSerializer), with live data. Driven from outside
// VS Code: a reload ends the extension host, and with it any test running inside. Exit code 0 when it held.
// Usage (after `node esbuild.mjs`): node test/integration/dashboardReload.outside.mjs [--screenshot-dir test-results]
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { launchWorkbench } from '../../scripts/vscode/runCodeServerTests.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({ options: { 'screenshot-dir': { type: 'string' }, workspace: { type: 'string' } } });
const shots = values['screenshot-dir'];
if (shots) mkdirSync(shots, { recursive: true });

async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 15_000 });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
}

const dashboard = (page) => page.frameLocator('iframe.webview').frameLocator('#active-frame');

const started = Date.now();
// Its own state folder, so the run never touches the user's real spend and breakers.
const stateHome = mkdtempSync(path.join(tmpdir(), 'llm-router-dashboard-reload-'));
const wb = await launchWorkbench({
  extensionDir: repoRoot,
  env: { XDG_STATE_HOME: stateHome },
  workspace: values.workspace,
  settings: {
    // A provider that refuses connections: a request fails, so the restored page has a failure to show.
    'llmRouter.providers': [{ id: 'restored', kind: 'ollama', baseUrl: 'http://127.0.0.1:9', model: 'llama3.2' }],
    'llmRouter.retry.maxAttempts': 1,
  },
});
let code = 1;
try {
  const { page } = wb;
  await page.locator('.statusbar').getByText('LLM Router', { exact: false }).first().waitFor({ timeout: 60_000 }).catch(() => undefined);
  await page.locator('[id="llm-router.llm-router.llmRouter.status"]').waitFor({ timeout: 60_000 });
  await runCommand(page, 'LLM Router: Open Dashboard');
  await dashboard(page).locator('[data-provider="restored"]').waitFor({ timeout: 30_000 });
  if (shots) await page.screenshot({ path: path.join(shots, 'dashboard-before-reload.png') });

  await runCommand(page, 'Developer: Reload Window');
  await page.waitForEvent('load', { timeout: 60_000 });
  const card = dashboard(page).locator('[data-provider="restored"]');
  await card.waitFor({ timeout: 60_000 });
  // Live: the restored page got a snapshot from the host (the card is drawn only from one) and keeps getting updates.
  const tab = page.locator('.tabs-container .tab', { hasText: 'LLM Router' });
  assert.equal(await tab.count(), 1, 'one dashboard tab after the reload');
  const state = await card.locator('[data-field="state"]').innerText();
  assert.match(state, /Unknown|Healthy|Degraded|Unavailable/);
  if (shots) await page.screenshot({ path: path.join(shots, 'dashboard-after-reload.png') });
  console.log(`[dashboard reload] restored with provider 'restored' (${state.trim()}) · ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // A dashboard tab behind another editor is revived only when shown: Open Dashboard then must not add a second tab.
  await runCommand(page, 'File: New Untitled Text File');
  await page.locator('.tabs-container .tab.active', { hasText: 'Untitled' }).waitFor({ timeout: 15_000 });
  await runCommand(page, 'Developer: Reload Window');
  await page.waitForEvent('load', { timeout: 60_000 });
  await page.locator('[id="llm-router.llm-router.llmRouter.status"]').waitFor({ timeout: 60_000 });
  await runCommand(page, 'LLM Router: Open Dashboard');
  await dashboard(page).locator('[data-provider="restored"]').waitFor({ timeout: 60_000 });
  assert.equal(await tab.count(), 1, 'one dashboard tab when Open Dashboard runs before the restored tab was shown');
  console.log('[dashboard reload] Open Dashboard after a reload with the tab in the background: one tab');
  code = 0;
} catch (err) {
  console.error(`[dashboard reload] failed: ${err instanceof Error ? err.stack : String(err)}`);
} finally {
  await wb.close();
  rmSync(stateHome, { recursive: true, force: true });
}
process.exit(code);
