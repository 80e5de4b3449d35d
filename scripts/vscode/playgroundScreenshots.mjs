// Takes the README's screenshots of the playground in a real VS Code (code-server + headless
// Chromium): the walkthrough, a suggestion diff, an analysis, the dashboard during an outage.
// Usage: npm run build && node scripts/vscode/playgroundScreenshots.mjs [--out media] [--only walkthrough]
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PLAYGROUND_DEFAULTS, startSimulatedProviders } from './playgroundProfile.mjs';
import { killGroupSync } from './processCleanup.mjs';
import { runCodeServerTests } from './runCodeServerTests.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const { values } = parseArgs({ options: { out: { type: 'string', default: 'media' }, only: { type: 'string' } } });

const simulated = await startSimulatedProviders(repoRoot);
process.on('exit', () => killGroupSync(simulated.pid));
const scratch = mkdtempSync(path.join(tmpdir(), 'llm-router-screens-'));
const workspace = path.join(scratch, 'workspace');
cpSync(path.join(repoRoot, 'samples', 'workspace'), workspace, { recursive: true });
try {
  process.exitCode = await runCodeServerTests({
    extensionDir: repoRoot,
    tests: path.join(here, 'playgroundScreenshots.entry.cjs'),
    workspace,
    env: { ...simulated.env, ...(values.only && { LLM_ROUTER_SCREENSHOT_ONLY: values.only }) },
    settings: { ...PLAYGROUND_DEFAULTS, 'llmRouter.providers': simulated.providers },
    screenshotDir: path.resolve(repoRoot, values.out),
    viewport: { width: 1200, height: 720 },
    timeoutMs: 180_000,
  });
  // The runner's own end-of-run shot is not one of the README's.
  rmSync(path.resolve(repoRoot, values.out, 'workbench-end.png'), { force: true });
} finally {
  simulated.stop();
  rmSync(scratch, { recursive: true, force: true });
}
