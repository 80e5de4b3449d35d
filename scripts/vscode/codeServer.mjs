// Starts and stops one code-server process (the VS Code server + its extension host) on loopback.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { isolatedStateArgs, isolatedStateEnv } from './codeServerState.mjs';
import { mergeSettingsFile } from './userSettings.mjs';

const LISTENING = /HTTP server listening on (http:\/\/127\.0\.0\.1:(\d+))\//;

// Keep a test or playground window quiet and offline: no welcome page, no gallery or update checks.
export const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'extensions.ignoreRecommendations': true,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
};

/**
 * @param {object} opts
 * @param {{ codeServerEntry: string, nodeBin?: string, release?: { vscodeOptions?: string[] } }} opts.layout  from ensureCodeServer()
 * @param {string} opts.stateDir     folder for this server's user data, extensions and config
 * @param {string} [opts.workspace]  folder to open
 * @param {number} [opts.port]       0 = any free port
 * @param {Record<string, string>} [opts.env]  extra environment; the extension host inherits it
 * @param {Record<string, unknown>} [opts.settings]  user settings to write (each replaces what the file held)
 * @param {Record<string, unknown>} [opts.defaultSettings]  user settings written only where the file has none;
 *   QUIET_SETTINGS are among them. Everything else in the profile's settings.json is kept.
 * @param {boolean} [opts.workspaceTrust]  keep Workspace Trust on (off by default)
 * @param {(line: string) => void} [opts.onOutput]  every line code-server prints
 */
export async function startCodeServer({ layout, stateDir, workspace, port = 0, env = {}, settings = {}, defaultSettings = {}, workspaceTrust = false, onOutput }) {
  const userDataDir = path.join(stateDir, 'user-data');
  const extensionsDir = path.join(stateDir, 'extensions');
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  const problem = mergeSettingsFile(path.join(userDataDir, 'User', 'settings.json'), { defaults: { ...QUIET_SETTINGS, ...defaultSettings }, updates: settings });
  if (problem) console.warn(`Warning: ${problem}`);

  const args = [
    layout.codeServerEntry,
    ...isolatedStateArgs(path.join(stateDir, 'code-server')),
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    ...(workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    ...(layout.release?.vscodeOptions ?? []).flatMap((option) => ['--vscode-option', option]),
    ...(workspace ? [workspace] : []),
  ];
  // Its own process group, so stop() also ends the extension host and pty host it forks.
  const child = spawn(layout.nodeBin ?? process.execPath, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...isolatedStateEnv(path.join(stateDir, 'code-server')),
      // An empty gallery turns off the Open VSX queries the server would otherwise make.
      EXTENSIONS_GALLERY: '{}',
      ...env,
    },
  });
  const recent = [];
  let exited = false;
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => { exited = true; resolve({ code, signal }); }));

  const origin = await new Promise((resolve, reject) => {
    const onLine = (line) => {
      recent.push(line);
      if (recent.length > 200) recent.shift();
      onOutput?.(line);
      const match = LISTENING.exec(line);
      if (match) resolve(match[1]);
    };
    for (const stream of [child.stdout, child.stderr]) splitLines(stream, onLine);
    child.on('error', reject);
    exit.then(({ code, signal }) =>
      reject(new Error(`code-server exited before listening (code ${code}, signal ${signal}):\n${recent.join('\n')}`)),
    );
    setTimeout(() => reject(new Error(`code-server did not start listening within 60 s:\n${recent.join('\n')}`)), 60_000).unref();
  }).catch(async (err) => {
    await stopGroup(child.pid, () => exited, exit);
    throw err;
  });

  return {
    origin,
    pid: child.pid,
    userDataDir,
    extensionsDir,
    exit,
    recentOutput: () => recent.join('\n'),
    stop: () => stopGroup(child.pid, () => exited, exit),
  };
}

/** SIGTERM to the process group, SIGKILL after 3 s if it is still there. */
export async function stopGroup(pid, hasExited, exit) {
  if (!pid || hasExited()) return;
  signalGroup(pid, 'SIGTERM');
  const killed = await Promise.race([exit.then(() => true), delay(3000).then(() => false)]);
  if (!killed) signalGroup(pid, 'SIGKILL');
  // The leader may be gone while forked children linger in the group.
  signalGroup(pid, 'SIGKILL');
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    if (err.code !== 'ESRCH') throw err;
  }
}

function splitLines(stream, onLine) {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop();
    lines.forEach(onLine);
  });
  stream.on('end', () => buffered && onLine(buffered));
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
