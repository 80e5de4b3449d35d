import * as esbuild from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
// The benchmark builds a production copy elsewhere, leaving dist/ as it is.
const outDir = process.argv.find((a) => a.startsWith('--outdir='))?.slice('--outdir='.length) ?? 'dist';

const shared = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
  // jsonc-parser's UMD build hides its requires from the bundler; its ESM build does not.
  mainFields: ['module', 'main'],
  // @datadog/sketches-js requires it only inside toProto/fromProto, which the engine never calls.
  external: ['protobufjs/minimal'],
};

const builds = [
  // What VS Code loads at activation: a few KB that load dist/engine.js (the router, zod, undici) right after.
  {
    ...shared,
    entryPoints: ['src/extension/main.ts'],
    outfile: `${outDir}/extension.js`,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
  },
  {
    ...shared,
    entryPoints: ['src/extension/extension.ts'],
    outfile: `${outDir}/engine.js`,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'protobufjs/minimal'],
  },
  {
    ...shared,
    entryPoints: ['src/cli/main.ts'],
    outfile: `${outDir}/cli.js`,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    define: { __VERSION__: JSON.stringify(version) },
  },
  {
    ...shared,
    entryPoints: ['webview/main.ts'],
    outfile: `${outDir}/webview/main.js`,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
].filter((b) => existsSync(b.entryPoints[0]));

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
