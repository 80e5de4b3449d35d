import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

// The layers of DESIGN.md, enforced: which folders each folder's code may import from.
const ROOT = path.resolve(__dirname, '..', '..');

interface Layer {
  dir: string;
  /** Folders (relative to the repo) this layer's relative imports may land in. */
  mayImport: string[];
  /** Bare package names it must not import. */
  forbiddenPackages: RegExp;
}

const LAYERS: Layer[] = [
  { dir: 'src/engine', mayImport: ['src/engine'], forbiddenPackages: /^vscode$/ },
  { dir: 'src/gateway', mayImport: ['src/gateway', 'src/engine'], forbiddenPackages: /^vscode$/ },
  { dir: 'src/cli', mayImport: ['src/cli', 'src/gateway', 'src/engine'], forbiddenPackages: /^vscode$/ },
  { dir: 'src/extension', mayImport: ['src/extension', 'src/gateway', 'src/engine'], forbiddenPackages: /^$/ },
  // The webview runs in a browser sandbox: no Node, no VS Code API, only the typed protocol from the host side.
  { dir: 'webview', mayImport: ['webview', 'src/extension/dashboard/protocol.ts'], forbiddenPackages: /^(vscode|node:.*|fs|path|os|child_process|undici)$/ },
];

const SOURCE = /\.(ts|tsx|mts|cts|js|mjs)$/;
const IMPORT = /(?:^|\s)(?:import|export)\s(?:[^'"]*?\sfrom\s)?['"]([^'"]+)['"]|(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g;

function filesUnder(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  return readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && SOURCE.test(e.name))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
}

function specifiers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) out.push(m[1] ?? m[2]);
  return out;
}

/** Every import in `file` (repo-relative) that its layer does not allow, as readable lines. */
export function violations(file: string, text: string): string[] {
  const layer = LAYERS.find((l) => file === l.dir || file.startsWith(`${l.dir}/`));
  if (!layer) return [];
  const found: string[] = [];
  for (const spec of specifiers(text)) {
    if (spec.startsWith('.')) {
      const target = path.relative(ROOT, path.resolve(ROOT, path.dirname(file), spec));
      const allowed = layer.mayImport.some((d) => target === d || target.startsWith(`${d}/`) || `${target}.ts` === d);
      if (!allowed) found.push(`${file} imports '${spec}' (${target}), outside ${layer.mayImport.join(', ')}`);
    } else if (layer.forbiddenPackages.test(spec)) {
      found.push(`${file} imports '${spec}', which ${layer.dir} must not use`);
    }
  }
  return found;
}

describe('layers', () => {
  it('flags an engine file importing vscode, the extension or the CLI', () => {
    const text = "import * as vscode from 'vscode';\nimport { x } from '../../extension/settings';\nconst c = require('../../cli/main');";
    assert.equal(violations('src/engine/routing/x.ts', text).length, 3);
    assert.deepEqual(violations('src/engine/routing/x.ts', "import { y } from '../errors';"), []);
  });

  it('flags webview code reaching Node or the extension beyond the protocol module', () => {
    assert.equal(violations('webview/panels/x.ts', "import { readFileSync } from 'node:fs';").length, 1);
    assert.equal(violations('webview/panels/x.ts', "import { h } from '../../src/extension/dashboard/dashboardPanel';").length, 1);
    assert.deepEqual(violations('webview/panels/x.ts', "import type { Snapshot } from '../../src/extension/dashboard/protocol';"), []);
  });

  for (const layer of LAYERS) {
    it(`${layer.dir} imports only from ${layer.mayImport.join(', ')}`, function () {
      if (!existsSync(path.join(ROOT, layer.dir))) this.skip();
      const files = filesUnder(layer.dir);
      assert.ok(files.length > 0, `no sources found under ${layer.dir}`);
      assert.deepEqual(files.flatMap((f) => violations(f, readFileSync(path.join(ROOT, f), 'utf8'))), []);
    });
  }

  it('nothing in the project reads ../shared at build, test or run time', () => {
    const dirs = ['src', 'webview', 'test', 'scripts', 'bench'];
    const code = (f: string) => readFileSync(path.join(ROOT, f), 'utf8').split('\n').filter((line) => !/^\s*(\/\/|\*|\/\*|#)/.test(line));
    const offenders = [...dirs.flatMap(filesUnder), 'esbuild.mjs', 'package.json', '.ci/run'].filter((f) => f !== 'test/unit/layers.test.ts' && code(f).some((line) => /\.\.\/shared\b|\/work\/shared\b/.test(line)));
    assert.deepEqual(offenders, []);
  });
});
