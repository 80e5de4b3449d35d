// Bundles the integration tests (test/integration) with the provider emulator into out/integration/:
// index.js (the `run()` entry VS Code calls) and one file per suite, which mocha loads by path.
import * as esbuild from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = path.join(repoRoot, 'test', 'integration');
const outDir = path.join(repoRoot, 'out', 'integration');

const suites = readdirSync(sourceDir).filter((name) => name.endsWith('.test.ts'));
if (suites.length === 0) throw new Error(`no *.test.ts suites in ${sourceDir}`);

// Suites that were renamed or deleted must not linger and run from a stale bundle.
rmSync(outDir, { recursive: true, force: true });
await esbuild.build({
  absWorkingDir: repoRoot,
  entryPoints: ['index.ts', ...suites].map((name) => path.join(sourceDir, name)),
  outdir: outDir,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'inline',
  logLevel: 'warning',
  // mocha stays a real module from node_modules: the code-server runner patches its reporter there.
  external: ['vscode', 'mocha', 'protobufjs/minimal'],
  // jsonc-parser's UMD build hides its requires from the bundler; its ESM build does not.
  mainFields: ['module', 'main'],
});
console.log(`[integration] built ${suites.length} suites into ${path.relative(repoRoot, outDir)}/`);
