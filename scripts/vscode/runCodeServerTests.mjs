// Runs an extension's integration tests inside a real VS Code extension host: code-server (VS Code
// from the npm registry) serves the workbench, headless Chromium driven by playwright-core opens it.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { RELEASES, loadPlaywrightCore } from './cacheLayout.mjs';
import { CHROMIUM_PATH } from '../setup/systemPackages.mjs';
import { startCodeServer } from './codeServer.mjs';
import { ensureCodeServer } from './installCodeServer.mjs';
import { killGroupSync, killOnExit } from './processCleanup.mjs';
import { BRIDGE_ENV, startWorkbenchBridge } from './workbenchBridge.mjs';

export const DEFAULT_TIMEOUT_MS = 5 * 60_000;
export const USER_DATA_ENV = 'LLM_ROUTER_USER_DATA_DIR';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // Only loopback traffic: every host name fails to resolve; 127.0.0.1 needs no resolving.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

/**
 * Opens the workbench with the extension under development loaded; with `tests`, VS Code runs
 * them and `testsExit` resolves with their exit code (VS Code then stops the extension host).
 * The extension host gets LLM_ROUTER_WORKBENCH_BRIDGE (see workbenchBridge.mjs).
 *
 * @param {object} opts
 * @param {string} opts.extensionDir  folder with the extension's package.json
 * @param {string} [opts.tests]       tests entry (a .js file exporting `async run()`)
 * @param {string} [opts.workspace]   folder to open; default: a fresh empty folder
 * @param {Record<string, string>} [opts.env]  environment for code-server and so the extension host
 * @param {Record<string, unknown>} [opts.settings]  VS Code user settings
 * @param {boolean} [opts.workspaceTrust]  keep Workspace Trust on (off by default)
 * @param {string} [opts.screenshotDir]  where bridge screenshots go
 * @param {boolean} [opts.verbose]    also print code-server output and browser console errors
 * @param {(level: string, message: string) => void} [opts.log]  receives the tests' log lines
 * @param {{ width: number, height: number }} [opts.viewport]
 * @param {import('./cacheLayout.mjs').RELEASES['stable']} [opts.release]  which code-server (RELEASES in cacheLayout.mjs); default stable
 * @param {string[]} [opts.installedExtensions]  extension folders copied into the fresh extensions folder before the
 *   start, as installed extensions (VS Code honours only one extensionDevelopmentPath)
 */
export async function launchWorkbench(opts) {
  const log = opts.log ?? printLog;
  if (!opts.extensionDir) throw new Error('extensionDir is required');
  requireFile(path.join(opts.extensionDir, 'package.json'), 'extension manifest');
  if (opts.tests) requireFile(opts.tests, 'tests entry (build the tests first?)');
  const layout = await ensureCodeServer({ release: opts.release });
  const stateDir = mkdtempSync(path.join(tmpdir(), 'llm-router-vscode-'));
  for (const dir of opts.installedExtensions ?? []) installExtensionCopy(dir, path.join(stateDir, 'extensions'));
  const workspace = opts.workspace ? path.resolve(opts.workspace) : path.join(stateDir, 'workspace');
  mkdirSync(workspace, { recursive: true });

  const bridge = await startWorkbenchBridge();
  let server;
  let browserServer;
  let browser;
  const killAllSync = () => {
    killGroupSync(browserServer?.process().pid);
    killGroupSync(server?.pid);
  };
  const unregisterCleanup = killOnExit(() => {
    killAllSync();
    // Playwright deletes its Chromium profile on a normal close only.
    for (const arg of browserServer?.process().spawnargs ?? []) {
      if (arg.startsWith('--user-data-dir=')) rmSync(arg.slice('--user-data-dir='.length), { recursive: true, force: true });
    }
    rmSync(stateDir, { recursive: true, force: true });
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await withTimeout(browser?.close(), 5000).catch(() => {});
    await withTimeout(browserServer?.kill(), 5000).catch(() => {});
    await server?.stop();
    await bridge.close();
    killAllSync();
    unregisterCleanup();
    rmSync(stateDir, { recursive: true, force: true });
  };

  try {
    server = await startCodeServer({
      layout,
      stateDir,
      workspace,
      // The tests may scan what the window wrote (logs, extension storage) for leaked secrets.
      env: { [BRIDGE_ENV]: bridge.url, [USER_DATA_ENV]: path.join(stateDir, 'user-data'), ...opts.env },
      settings: opts.settings,
      workspaceTrust: opts.workspaceTrust,
      onOutput: opts.verbose ? (line) => console.error(`[code-server] ${line}`) : undefined,
    });
    const { chromium } = loadPlaywrightCore(layout.root);
    browserServer = await chromium.launchServer({
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
      headless: true,
      host: '127.0.0.1',
      // Keep Chromium's singleton sockets and crash-report folder out of /tmp and ~/.config.
      env: { ...process.env, TMPDIR: chromiumDir(stateDir, 'tmp'), XDG_CONFIG_HOME: chromiumDir(stateDir, 'config') },
      artifactsDir: chromiumDir(stateDir, 'artifacts'),
      // We clean up ourselves (killOnExit), so a signal also stops code-server.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    browser = await chromium.connect(browserServer.wsEndpoint());
    const page = await browser.newPage({ viewport: opts.viewport ?? { width: 1280, height: 800 } });
    bridge.attach(page, opts.screenshotDir);

    let reportExit;
    const testsExit = new Promise((resolve) => (reportExit = resolve));
    await page.exposeFunction('codeAutomationLog', (level, message) => log(level, formatMessage(message)));
    await page.exposeFunction('codeAutomationExit', (code) => reportExit(typeof code === 'number' ? code : 1));
    if (opts.verbose) {
      page.on('console', (msg) => msg.type() === 'error' && console.error(`[browser] ${msg.text()}`));
      page.on('pageerror', (err) => console.error(`[browser] ${err.message}`));
    }

    const testsEntry = opts.tests && writeTestsEntry(stateDir, path.resolve(opts.tests));
    await page.goto(workbenchUrl(server.origin, workspace, path.resolve(opts.extensionDir), testsEntry), {
      waitUntil: 'domcontentloaded',
    });
    return { page, origin: server.origin, workspace, serverExit: server.exit, serverOutput: server.recentOutput, testsExit, close };
  } catch (err) {
    await close();
    throw err;
  }
}

// The web workbench receives the extension host's console calls as (format, ...args) and logs them
// joined by spaces ("%s%s  suite"). VS Code makes `console.*` unassignable there, so the entry
// formats mocha's reporter output instead (Base.consoleLog is mocha's hook for exactly this).
function writeTestsEntry(stateDir, tests) {
  const entry = path.join(stateDir, 'tests-entry.js');
  writeFileSync(
    entry,
    `const { format } = require('util');
const tests = require(${JSON.stringify(tests)});
exports.run = (...args) => {
  for (const [file, loaded] of Object.entries(require.cache)) {
    if (/[\\\\/]mocha[\\\\/]lib[\\\\/]reporters[\\\\/]base\\.js$/.test(file)) {
      loaded.exports.consoleLog = (...parts) => console.log(format(...parts));
    }
  }
  return tests.run(...args);
};
`,
  );
  return entry;
}

export function workbenchUrl(origin, workspace, extensionDir, tests) {
  const remote = `vscode-remote://${new URL(origin).host}`;
  const payload = [['extensionDevelopmentPath', remote + extensionDir], ['skipWelcome', 'true']];
  if (tests) payload.push(['extensionTestsPath', remote + path.resolve(tests)]);
  const query = new URLSearchParams({ folder: workspace, payload: JSON.stringify(payload) });
  return `${origin}/?${query}`;
}

/**
 * Runs the tests and resolves with their exit code (1 on timeout or crash); with `screenshotDir`,
 * saves workbench-end.png there when they finish.
 *
 * @param {Parameters<typeof launchWorkbench>[0] & { tests: string, timeoutMs?: number }} opts
 */
export async function runCodeServerTests(opts) {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const started = Date.now();
  const workbench = await launchWorkbench(opts);
  try {
    const outcome = await Promise.race([
      workbench.testsExit.then((code) => ({ code })),
      workbench.serverExit.then(({ code, signal }) => ({
        code: 1,
        error: `code-server exited while the tests ran (code ${code}, signal ${signal}):\n${workbench.serverOutput()}`,
      })),
      new Promise((resolve) => workbench.page.on('crash', () => resolve({ code: 1, error: 'the browser page crashed' }))),
      delay(timeoutMs).then(() => ({
        code: 1,
        error:
          `timed out after ${Math.round(timeoutMs / 1000)} s: the extension tests never reported an exit code. ` +
          `Recent code-server output:\n${workbench.serverOutput()}`,
      })),
    ]);
    if (opts.screenshotDir) await saveScreenshot(workbench.page, opts.screenshotDir);
    if (outcome.error) console.error(`[code-server runner] ${outcome.error}`);
    console.log(`[code-server runner] tests exited with code ${outcome.code} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return outcome.code;
  } finally {
    await workbench.close();
  }
}

async function saveScreenshot(page, dir) {
  mkdirSync(dir, { recursive: true });
  const file = path.join(path.resolve(dir), 'workbench-end.png');
  try {
    await page.screenshot({ path: file, timeout: 10_000 });
    console.log(`[code-server runner] screenshot: ${file}`);
  } catch (err) {
    console.error(`[code-server runner] could not take a screenshot: ${err.message}`);
  }
}

// VS Code finds an installed extension in a folder named publisher.name-version.
function installExtensionCopy(dir, extensionsDir) {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  cpSync(dir, path.join(extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`), { recursive: true });
}

function chromiumDir(stateDir, name) {
  const dir = path.join(stateDir, 'chromium', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function requireFile(file, what) {
  if (!existsSync(file)) throw new Error(`${what} not found: ${path.resolve(file)}`);
}

function printLog(level, message) {
  if (level === 'error' || level === 'warn') console.error(message);
  else console.log(message);
}

function formatMessage(message) {
  return Array.isArray(message) ? message.join(' ') : String(message);
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function withTimeout(promise, ms) {
  return Promise.race([promise, delay(ms)]);
}

/** Parses `--env KEY=VALUE` pairs; everything in process.env reaches the extension host anyway. */
export function parseEnvPairs(pairs = []) {
  return Object.fromEntries(
    pairs.map((pair) => {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new Error(`--env expects KEY=VALUE, got "${pair}"`);
      return [pair.slice(0, eq), pair.slice(eq + 1)];
    }),
  );
}

export const RUNNER_OPTIONS = {
  'extension-dir': { type: 'string' },
  tests: { type: 'string' },
  workspace: { type: 'string' },
  'screenshot-dir': { type: 'string' },
  timeout: { type: 'string' },
  env: { type: 'string', multiple: true },
  'workspace-trust': { type: 'boolean' },
  verbose: { type: 'boolean' },
  // code-server only: which release (RELEASES in cacheLayout.mjs), and extensions installed beside the one under test.
  release: { type: 'string' },
  'installed-extension': { type: 'string', multiple: true },
};

export function runnerOptionsFromArgs(values) {
  if (!values.tests) throw new Error('--tests <path to the tests entry .js> is required');
  const timeoutSeconds = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeoutSeconds !== undefined && !(timeoutSeconds > 0)) throw new Error(`--timeout expects seconds, got "${values.timeout}"`);
  return {
    extensionDir: path.resolve(values['extension-dir'] ?? process.cwd()),
    tests: path.resolve(values.tests),
    workspace: values.workspace,
    screenshotDir: values['screenshot-dir'],
    timeoutMs: timeoutSeconds && timeoutSeconds * 1000,
    env: parseEnvPairs(values.env),
    verbose: values.verbose,
    release: releaseNamed(values.release),
    installedExtensions: values['installed-extension']?.map((dir) => path.resolve(dir)),
    // A folder nobody trusted yet opens in Restricted Mode; without the prompt it stays there.
    ...(values['workspace-trust'] && { workspaceTrust: true, settings: { 'security.workspace.trust.startupPrompt': 'never' } }),
  };
}

function releaseNamed(name = 'stable') {
  const release = RELEASES[name];
  if (!release) throw new Error(`--release expects one of ${Object.keys(RELEASES).join(', ')}, got "${name}"`);
  return release;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const { values } = parseArgs({ options: RUNNER_OPTIONS });
    process.exitCode = await runCodeServerTests(runnerOptionsFromArgs(values));
  } catch (err) {
    console.error(`[code-server runner] FAILED: ${err?.message ?? err}`);
    process.exitCode = 1;
  }
}
