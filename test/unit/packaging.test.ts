import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const RUNTIME_FILES = ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'media/icon.png', 'dist/extension.js', 'dist/engine.js', 'dist/webview/main.js', 'dist/webview/main.css'];

function packagedFiles(): string[] {
  const vsce = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  return execFileSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('media/walkthrough/'));
}

describe('the .vsix contents', function () {
  this.timeout(30_000);
  const stale = ['dist/webview/main.js.map', 'dist/webview/old-chunk.js', 'dist/cli.js', 'dist/extension.js.map', 'dist/engine.js.map', 'dist/leftover/notes.txt'];
  const created: string[] = [];

  before(function () {
    for (const bundle of ['extension.js', 'engine.js']) {
      if (!existsSync(path.join(ROOT, 'dist', bundle))) throw new Error(`dist/${bundle} is missing: run \`npm run build\` first (npm test does).`);
    }
    for (const f of stale) {
      const abs = path.join(ROOT, f);
      if (existsSync(abs)) continue;
      mkdirSync(path.dirname(abs), { recursive: true });
      writeFileSync(abs, 'stale');
      created.push(abs);
    }
  });

  after(() => {
    for (const abs of created) rmSync(abs, { force: true });
    rmSync(path.join(ROOT, 'dist', 'leftover'), { recursive: true, force: true });
  });

  it('loads only a few KB at activation: the router and its libraries are in dist/engine.js', () => {
    const entry = statSync(path.join(ROOT, 'dist', 'extension.js')).size;
    assert.ok(entry < 8 * 1024, `dist/extension.js is ${entry} bytes`);
    assert.ok(statSync(path.join(ROOT, 'dist', 'engine.js')).size > 100 * entry, 'the engine bundle holds the rest');
  });

  it('holds exactly the files the extension runs, whatever else dist/ holds (CLI, source maps, stale files)', () => {
    assert.deepEqual(packagedFiles().sort(), [...RUNTIME_FILES].sort());
  });
});
