// `npm start`: opens the extension under development in a real VS Code. Uses the desktop `code`
// command when there is one; otherwise serves VS Code from code-server on 127.0.0.1 for a browser.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cacheDir } from './cacheLayout.mjs';
import { startCodeServer } from './codeServer.mjs';
import { ensureCodeServer } from './installCodeServer.mjs';
import { killGroupSync } from './processCleanup.mjs';
import { workbenchUrl } from './runCodeServerTests.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8080' },
    workspace: { type: 'string' },
    // Serve from code-server even when the desktop `code` command exists.
    browser: { type: 'boolean' },
  },
});

warnIfNotBuilt();
const { workspace, temporary } = chooseWorkspace(values.workspace);

if (!values.browser && hasDesktopCode()) {
  console.log(`Opening ${workspace} in VS Code with the extension from ${repoRoot} (Extension Development Host)`);
  const result = spawnSync('code', [`--extensionDevelopmentPath=${repoRoot}`, workspace], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}

const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`--port must be a TCP port number, got "${values.port}"`);
  process.exit(2);
}

const layout = await ensureCodeServer();
// Settings, keys and UI state survive restarts; they live in the cache folder, not the repo.
const stateDir = path.join(cacheDir(), 'playground');
let server;
const removeTemporaryWorkspace = () => temporary && rmSync(workspace, { recursive: true, force: true });
process.on('exit', () => {
  killGroupSync(server?.pid);
  removeTemporaryWorkspace();
});
try {
  server = await startCodeServer({ layout, stateDir, workspace, port });
} catch (err) {
  const inUse = /EADDRINUSE/.test(err.message);
  console.error(inUse ? `Port ${port} is already in use; pass --port <another port>.` : err.message);
  process.exit(1);
}

console.log(`
VS Code (code-server) with the extension under development is running.
Open this URL in a browser on this machine:

  ${workbenchUrl(server.origin, workspace, repoRoot)}

After rebuilding (npm run build / npm run watch), run "Developer: Reload Window" in VS Code.
Press Ctrl-C to stop.`);

const stop = async (code) => {
  await server.stop();
  process.exit(code);
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, () => stop(0));
const { code, signal } = await server.exit;
console.error(`code-server stopped (code ${code}, signal ${signal}):\n${server.recentOutput()}`);
await stop(code === 0 ? 0 : 1);

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
