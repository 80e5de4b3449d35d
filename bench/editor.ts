import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface EditorFigures {
  /** VS Code's own figure for the extension: code loading + the synchronous activate(). */
  activationMs: number;
  requests: number;
  requestsMs: number;
  /** Extension host heap and RSS after two full GCs, in MB; before activation only when VS Code had not activated it yet. */
  beforeActivation?: MemoryReading;
  afterActivation: MemoryReading;
  afterFirstRequest: MemoryReading;
  afterRequests: MemoryReading;
}

interface MemoryReading {
  heapUsedMB: number;
  rssMB: number;
}

interface CodeServerRunner {
  runCodeServerTests(opts: { extensionDir: string; tests: string; env: Record<string, string>; settings: Record<string, unknown>; timeoutMs: number; log?: (level: string, message: string) => void }): Promise<number>;
}

/** Why the section cannot run here, or undefined when code-server is installed (`npm run vscode:setup`). */
export function editorBenchUnavailable(): string | undefined {
  const cache = process.env.LLM_ROUTER_VSCODE_CACHE ?? path.join(homedir(), '.cache', 'llm-router-vscode');
  return existsSync(path.join(cache, 'install-complete.json')) ? undefined : `code-server is not installed in ${cache} (run npm run vscode:setup)`;
}

/**
 * Builds the production bundles into a temporary extension folder, opens it in code-server, and there (bench/editor.entry.cjs)
 * reads the activation time from VS Code's Running Extensions view and sends `requests` requests to the emulator.
 */
export async function measureEditor(opts: { repoRoot: string; emulatorOrigin: string; requests: number; timeoutMs: number }): Promise<EditorFigures> {
  const extensionDir = mkdtempSync(path.join(tmpdir(), 'llm-router-bench-extension-'));
  try {
    await run(process.execPath, [path.join(opts.repoRoot, 'esbuild.mjs'), '--production', `--outdir=${path.join(extensionDir, 'dist')}`], opts.repoRoot);
    copyFileSync(path.join(opts.repoRoot, 'package.json'), path.join(extensionDir, 'package.json'));
    const out = path.join(extensionDir, 'figures.json');
    // A computed URL: the bundled benchmark must load the runner from the repo, not inline it.
    const runner = (await import(pathToFileURL(path.join(opts.repoRoot, 'scripts', 'vscode', 'runCodeServerTests.mjs')).href)) as CodeServerRunner;
    const code = await runner.runCodeServerTests({
      extensionDir,
      tests: path.join(opts.repoRoot, 'bench', 'editor.entry.cjs'),
      env: { BENCH_EDITOR_OUT: out, BENCH_EDITOR_REQUESTS: String(opts.requests) },
      settings: {
        'llmRouter.providers': [{ id: 'bench', kind: 'ollama', baseUrl: opts.emulatorOrigin, model: 'bench-model' }],
        'llmRouter.cache.enabled': false,
      },
      timeoutMs: opts.timeoutMs,
      log: (level, message) => process.stderr.write(`[code-server ${level}] ${message}\n`),
    });
    if (code !== 0 || !existsSync(out)) throw new Error(`the editor benchmark in code-server exited with code ${code}`);
    return JSON.parse(readFileSync(out, 'utf8')) as EditorFigures;
  } finally {
    rmSync(extensionDir, { recursive: true, force: true });
  }
}

function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(args[0])} exited with code ${code}`))));
  });
}
