// The integration tier in one command: runs out/integration/index.js (built by
// scripts/buildIntegrationTests.mjs) in two real VS Code windows, one per workspace-trust state:
//   trusted    a copy of samples/workspace (the suites may write workspace settings and edit files)
//   untrusted  a fresh folder in Restricted Mode whose settings point every provider at a port of
//              its own; needs the code-server runner (@vscode/test-electron turns trust off)
//   reload     a window whose suite reloads it and checks what survived (code-server)
//   dashboard  the dashboard restored after a window reload, driven from outside (dashboardReload.outside.mjs)
//   lm         the language model chat provider in a current VS Code (code-server 4.139, VS Code 1.139, on Node 24
//              from the npm registry), beside test/integration/lmCaller installed as a second extension
// LLM_ROUTER_INTEGRATION_WINDOWS=lm,trusted runs only the windows named.
// Each window gets its own XDG_STATE_HOME, so no run reads or writes the user's real spend.
// Extra arguments (--runner, --verbose, --timeout) go to scripts/vscode/runIntegrationTests.mjs;
// the untrusted window always uses code-server.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { killOnExit } from '../../scripts/vscode/processCleanup.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const runner = path.join(repoRoot, 'scripts', 'vscode', 'runIntegrationTests.mjs');
const tests = path.join(repoRoot, 'out', 'integration', 'index.js');
const screenshots = path.join(repoRoot, 'test-results');
const passThrough = process.argv.slice(2);
const onlyWindows = process.env.LLM_ROUTER_INTEGRATION_WINDOWS?.split(',').map((w) => w.trim()).filter(Boolean);
const wanted = (name) => !onlyWindows || onlyWindows.includes(name);

const scratch = mkdtempSync(path.join(tmpdir(), 'llm-router-integration-'));
const unregister = killOnExit(() => rmSync(scratch, { recursive: true, force: true }));

function trustedWorkspace() {
  const dir = path.join(scratch, 'trusted');
  cpSync(path.join(repoRoot, 'samples', 'workspace'), dir, { recursive: true });
  return dir;
}

async function untrustedWorkspace() {
  const dir = path.join(scratch, 'untrusted');
  cpSync(path.join(repoRoot, 'samples', 'workspace', 'src'), path.join(dir, 'src'), { recursive: true });
  mkdirSync(path.join(dir, '.vscode'));
  const port = await freePort();
  const settings = {
    'llmRouter.providers': [{ id: 'evil', kind: 'openai-compatible', baseUrl: `http://127.0.0.1:${port}/v1`, model: 'evil-model' }],
    'llmRouter.routing.strategy': 'cost',
    'llmRouter.log.includePrompts': true,
    // A workspace must not open a port on the user's machine, nor send their spend and breakers to its own Redis.
    'llmRouter.gateway.enabled': true,
    'llmRouter.gateway.port': 0,
    'llmRouter.sharedState.url': `redis://127.0.0.1:${port}`,
    'llmRouter.sharedState.namespace': 'evil',
    // Not restricted, so it applies: proves VS Code read this file.
    'llmRouter.inlineSuggestions.debounceMs': 1234,
  };
  writeFileSync(path.join(dir, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
  return dir;
}

/** A loopback port that was free a moment ago; the tests start the "evil" emulator on it. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function runScript(name, script, args) {
  console.log(`[integration] ${name}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: repoRoot, stdio: 'inherit' });
    child.on('error', () => resolve(1));
    child.on('close', (code) => resolve(code ?? 1));
  });
}

function runWindow(name, args) {
  console.log(`[integration] ${name} window`);
  const stateHome = ['--env', `XDG_STATE_HOME=${path.join(scratch, `state-${name}`)}`];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [runner, '--tests', tests, ...passThrough, ...stateHome, ...args], { cwd: repoRoot, stdio: 'inherit' });
    child.on('error', (err) => {
      console.error(`[integration] could not start the ${name} window: ${err.message}`);
      resolve(1);
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

const started = Date.now();
const results = {};
try {
  if (wanted('trusted')) results.trusted = await runWindow('trusted', [
    '--workspace', trustedWorkspace(),
    '--screenshot-dir', screenshots,
    '--env', 'LLM_ROUTER_INTEGRATION_GROUP=trusted',
  ]);
  if (wanted('untrusted')) results.untrusted = await runWindow('untrusted', [
    '--runner', 'code-server',
    '--workspace-trust',
    '--workspace', await untrustedWorkspace(),
    '--screenshot-dir', path.join(screenshots, 'untrusted'),
    '--env', 'LLM_ROUTER_INTEGRATION_GROUP=untrusted',
  ]);
  if (wanted('reload')) results.reload = await runWindow('reload', [
    '--runner', 'code-server',
    '--screenshot-dir', path.join(screenshots, 'reload'),
    '--env', 'LLM_ROUTER_INTEGRATION_GROUP=reload',
  ]);
  // The dashboard's own reload check reads the page from outside, so it needs no marker shared with the suite above.
  if (wanted('lm')) results.lm = await runWindow('lm', [
    '--runner', 'code-server',
    '--release', 'current',
    '--installed-extension', path.join(repoRoot, 'test', 'integration', 'lmCaller'),
    '--screenshot-dir', path.join(screenshots, 'lm'),
    '--env', 'LLM_ROUTER_INTEGRATION_GROUP=lm',
  ]);
  if (!process.env.LLM_ROUTER_INTEGRATION_GREP && wanted('dashboard')) {
    results.dashboardReload = await runScript('dashboard reload: the panel comes back with live data', path.join(repoRoot, 'test', 'integration', 'dashboardReload.outside.mjs'), ['--screenshot-dir', screenshots]);
  }
} finally {
  unregister();
  rmSync(scratch, { recursive: true, force: true });
}
const failed = Object.entries(results).filter(([, code]) => code !== 0);
console.log(
  `[integration] ${Object.entries(results).map(([name, code]) => `${name}: ${code === 0 ? 'passed' : `failed (${code})`}`).join(', ')}` +
    ` · ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
process.exitCode = failed.length > 0 ? 1 : 0;
