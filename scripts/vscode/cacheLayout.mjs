import { homedir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

// code-server 4.100.3 (VS Code 1.100.3) is the newest release whose engines.node is 20.
export const CODE_SERVER_VERSION = '4.100.3';
export const PLAYWRIGHT_CORE_VERSION = '1.65.1';

export function cacheDir() {
  return path.resolve(process.env.LLM_ROUTER_VSCODE_CACHE ?? path.join(homedir(), '.cache', 'llm-router-vscode'));
}

export function cacheLayout(root = cacheDir()) {
  const codeServerDir = path.join(root, 'node_modules', 'code-server');
  const vscodeDir = path.join(codeServerDir, 'lib', 'vscode');
  return {
    root,
    marker: path.join(root, 'install-complete.json'),
    codeServerDir,
    codeServerEntry: path.join(codeServerDir, 'out', 'node', 'entry.js'),
    vscodeDir,
    vscodeRipgrep: path.join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg'),
  };
}

/** What the marker must say for an install to count as complete on this machine. */
export function expectedMarker() {
  return {
    codeServer: CODE_SERVER_VERSION,
    playwrightCore: PLAYWRIGHT_CORE_VERSION,
    // Native modules are built for one Node ABI; a different Node needs a rebuild.
    nodeAbi: process.versions.modules,
    platform: `${process.platform}-${process.arch}`,
  };
}

export function loadPlaywrightCore(root = cacheDir()) {
  return createRequire(path.join(root, 'package.json'))('playwright-core');
}
