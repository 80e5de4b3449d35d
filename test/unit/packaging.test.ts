import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const RUNTIME_FILES = ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'media/icon.png', 'dist/extension.js', 'dist/webview/main.js', 'dist/webview/main.css'];

function packagedFiles(): string[] {
  const vsce = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  return execFileSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('media/walkthrough/'));
}

describe('the .vsix contents', function () {
  this.timeout(30_000);
  const stale = ['dist/webview/main.js.map', 'dist/webview/old-chunk.js', 'dist/cli.js', 'dist/extension.js.map', 'dist/leftover/notes.txt'];
  const created: string[] = [];

  before(function () {
    if (!existsSync(path.join(ROOT, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run `npm run build` first (npm test does).');
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

  it('holds exactly the files the extension runs, whatever else dist/ holds (CLI, source maps, stale files)', () => {
    assert.deepEqual(packagedFiles().sort(), [...RUNTIME_FILES].sort());
  });
});
