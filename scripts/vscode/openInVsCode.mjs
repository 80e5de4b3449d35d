// `npm start`: opens the extension under development in a real VS Code, in a playground profile whose
// providers are simulated on loopback (no key, no network). Uses the desktop `code` command when there
// is one; otherwise serves VS Code from code-server on 127.0.0.1 for a browser.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cacheDir } from './cacheLayout.mjs';
import { startCodeServer } from './codeServer.mjs';
import { ensureCodeServer } from './installCodeServer.mjs';
import { PLAYGROUND_DEFAULTS, startSimulatedProviders, withSimulatedProviders } from './playgroundProfile.mjs';
import { killGroupSync } from './processCleanup.mjs';
import { workbenchUrl } from './runCodeServerTests.mjs';
import { mergeSettingsFile, readSettingsFile } from './userSettings.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8080' },
    workspace: { type: 'string' },
    // Serve from code-server even when the desktop `code` command exists.
    browser: { type: 'boolean' },
    // Your own profile and providers: no simulated ones.
    'no-playground': { type: 'boolean' },
  },
});

warnIfNotBuilt();
const { workspace, temporary } = chooseWorkspace(values.workspace);
// Settings, keys and UI state survive restarts; they live in the cache folder, not the repo.
const stateDir = path.join(cacheDir(), 'playground');
const simulated = values['no-playground'] ? undefined : await startSimulatedProviders(repoRoot);
process.on('exit', () => killGroupSync(simulated?.pid));

if (!values.browser && hasDesktopCode()) {
  const args = [`--extensionDevelopmentPath=${repoRoot}`];
  if (simulated) {
    // A profile of its own, so the simulated providers never land in your everyday settings.
    const userDataDir = path.join(stateDir, 'desktop-user-data');
    writePlaygroundSettings(userDataDir);
    args.push(`--user-data-dir=${userDataDir}`, '--wait');
  }
  console.log(`Opening ${workspace} in VS Code with the extension from ${repoRoot} (Extension Development Host)`);
  if (simulated) console.log(`${describeSimulated(path.join(stateDir, 'desktop-user-data'))}\nClose the VS Code window to stop them.`);
  const result = spawnSync('code', [...args, workspace], { stdio: 'inherit', env: { ...process.env, ...simulated?.env } });
  simulated?.stop();
  process.exit(result.status ?? 1);
}

const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`--port must be a TCP port number, got "${values.port}"`);
  process.exit(2);
}

const layout = await ensureCodeServer();
let server;
const removeTemporaryWorkspace = () => temporary && rmSync(workspace, { recursive: true, force: true });
process.on('exit', () => {
  killGroupSync(server?.pid);
  removeTemporaryWorkspace();
});
try {
  if (simulated) writePlaygroundSettings(path.join(stateDir, 'user-data'));
  server = await startCodeServer({ layout, stateDir, workspace, port, env: simulated?.env });
} catch (err) {
  const inUse = /EADDRINUSE/.test(err.message);
  console.error(inUse ? `Port ${port} is already in use; pass --port <another port>.` : err.message);
  process.exit(1);
}

console.log(`
VS Code (code-server) with the extension under development is running.
Open this URL in a browser on this machine:

  ${workbenchUrl(server.origin, workspace, repoRoot)}

${simulated ? `\n${describeSimulated(path.join(stateDir, 'user-data'))}\n` : ''}
After rebuilding (npm run build / npm run watch), run "Developer: Reload Window" in VS Code.
Press Ctrl-C to stop.`);

const stop = async (code) => {
  await server.stop();
  simulated?.stop();
  process.exit(code);
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, () => stop(0));
const { code, signal } = await server.exit;
console.error(`code-server stopped (code ${code}, signal ${signal}):\n${server.recentOutput()}`);
await stop(code === 0 ? 0 : 1);

/** The profile's own settings stay; the simulated providers get this run's ports. */
function writePlaygroundSettings(userDataDir) {
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  const file = path.join(userDataDir, 'User', 'settings.json');
  const providers = withSimulatedProviders(readSettingsFile(file)['llmRouter.providers'], simulated.providers);
  const problem = mergeSettingsFile(file, { defaults: PLAYGROUND_DEFAULTS, updates: { 'llmRouter.providers': providers } });
  if (problem) console.warn(`Warning: ${problem}`);
}

function describeSimulated(userDataDir) {
  const lines = simulated.providers.map((p) => `  ${p.id.padEnd(11)} ${p.kind.padEnd(18)} ${p.baseUrl}`);
  return [
    'Simulated providers (no key, no network; "LLM Router: Simulate Provider Failure" breaks one):',
    ...lines,
    `Profile settings (yours are kept across restarts): ${path.join(userDataDir, 'User', 'settings.json')}`,
  ].join('\n');
}

function chooseWorkspace(requested) {
  if (requested) return { workspace: path.resolve(requested), temporary: false };
  const sample = path.join(repoRoot, 'samples', 'workspace');
  if (existsSync(sample)) return { workspace: sample, temporary: false };
  const dir = mkdtempSync(path.join(tmpdir(), 'llm-router-workspace-'));
  console.log(`samples/workspace does not exist; opening an empty temporary folder ${dir}`);
  return { workspace: dir, temporary: true };
}

function hasDesktopCode() {
  return spawnSync('sh', ['-c', 'command -v code'], { stdio: 'ignore' }).status === 0;
}

function warnIfNotBuilt() {
  const main = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).main;
  if (main && !existsSync(path.join(repoRoot, main))) {
    console.warn(`Warning: ${main} does not exist yet; run "npm run build" first or the extension will not load.`);
  }
}
