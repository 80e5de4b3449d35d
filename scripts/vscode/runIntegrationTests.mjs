// `npm run test:integration`: runs the integration tests in a real VS Code extension host.
// Desktop VS Code via @vscode/test-electron when it is installed or downloadable and can show a
// window; otherwise code-server + headless Chromium (runCodeServerTests.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cacheDir } from './cacheLayout.mjs';
import { killGroupSync, killOnExit } from './processCleanup.mjs';
import { DEFAULT_TIMEOUT_MS, RUNNER_OPTIONS, runCodeServerTests, runnerOptionsFromArgs } from './runCodeServerTests.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const UPDATE_SERVER = 'https://update.code.visualstudio.com/api/releases/stable';
const electronCachePath = path.join(cacheDir(), 'vscode-test');

async function main() {
  const { values } = parseArgs({ options: { ...RUNNER_OPTIONS, runner: { type: 'string' } } });
  const opts = runnerOptionsFromArgs({ 'extension-dir': repoRoot, ...values });
  const choice = await chooseRunner(values.runner ?? process.env.LLM_ROUTER_VSCODE_RUNNER);
  console.log(`[integration] runner: ${choice.runner} (${choice.reason})`);
  if (choice.runner === 'code-server') return runCodeServerTests(opts);
  if (opts.screenshotDir) console.log('[integration] --screenshot-dir is only supported by the code-server runner');
  return runElectronChild(opts, choice);
}

async function chooseRunner(requested) {
  if (requested === 'code-server') return { runner: 'code-server', reason: 'requested' };
  if (requested && requested !== 'electron' && requested !== 'auto') {
    throw new Error(`unknown runner "${requested}" (use electron, code-server or auto)`);
  }
  const display = displayFor();
  const local = findLocalVsCode();
  if (requested === 'electron') return { runner: 'electron', reason: 'requested', ...display, ...local };
  if (!display.usable) return { runner: 'code-server', reason: 'no display for desktop VS Code (no DISPLAY and no xvfb-run)' };
  if (local.version) return { runner: 'electron', reason: `VS Code ${local.version} already in ${electronCachePath}`, ...display, ...local };
  const unreachable = await updateServerProblem();
  if (unreachable) return { runner: 'code-server', reason: `VS Code cannot be downloaded: ${unreachable}` };
  return { runner: 'electron', reason: 'VS Code is downloadable from update.code.visualstudio.com', ...display };
}

function displayFor() {
  if (process.platform !== 'linux' || process.env.DISPLAY || process.env.WAYLAND_DISPLAY) return { usable: true, xvfb: false };
  const xvfb = spawnSync('sh', ['-c', 'command -v xvfb-run'], { stdio: 'ignore' }).status === 0;
  return { usable: xvfb, xvfb };
}

/** A complete earlier @vscode/test-electron download in our cache folder: no network needed. */
function findLocalVsCode() {
  const entries = existsSync(electronCachePath) ? readdirSync(electronCachePath) : [];
  const versions = entries
    .map((name) => /^vscode-(?:linux|darwin|win32)[a-z0-9-]*-(\d+\.\d+\.\d+)$/.exec(name))
    .filter((match) => match && existsSync(path.join(electronCachePath, match[0], 'is-complete')))
    .map((match) => match[1])
    .sort((a, b) => b.localeCompare(a, undefined, { numeric: true }));
  return { version: versions[0] };
}

/** Undefined if the update server answers within 5 s; otherwise why not. */
async function updateServerProblem() {
  try {
    const res = await fetch(UPDATE_SERVER, { method: 'HEAD', signal: AbortSignal.timeout(5000) });
    return res.ok ? undefined : `update server answered HTTP ${res.status}`;
  } catch (err) {
    const cause = err?.cause?.code ?? err?.cause?.message ?? err?.name ?? 'error';
    return `update.code.visualstudio.com unreachable (${cause})`;
  }
}

function runElectronChild(opts, choice) {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'llm-router-electron-'));
  const childOpts = { ...opts, cachePath: electronCachePath, version: choice.version, stateDir };
  const node = [process.execPath, path.join(here, 'runElectronTests.mjs'), JSON.stringify(childOpts)];
  const [cmd, ...args] = choice.xvfb ? ['xvfb-run', '-a', ...node] : node;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve) => {
    // Own process group: a timeout or Ctrl-C ends VS Code (and Xvfb) with it.
    const child = spawn(cmd, args, { cwd: repoRoot, stdio: 'inherit', detached: true, env: { ...process.env, ...opts.env } });
    const unregister = killOnExit(() => killGroupSync(child.pid));
    const timer = setTimeout(() => {
      console.error(`[integration] timed out after ${Math.round(timeoutMs / 1000)} s; stopping VS Code`);
      killGroupSync(child.pid);
    }, timeoutMs);
    child.on('error', (err) => console.error(`[integration] could not start ${cmd}: ${err.message}`));
    child.on('close', (code) => {
      clearTimeout(timer);
      unregister();
      killGroupSync(child.pid);
      rmSync(stateDir, { recursive: true, force: true });
      resolve(code ?? 1);
    });
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`[integration] FAILED: ${err?.message ?? err}`);
    process.exitCode = 1;
  },
);
