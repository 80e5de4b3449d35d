import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse } from 'jsonc-parser';
import { withSimulatedProviders } from '../../scripts/vscode/playgroundProfile.mjs';
import { mergeSettingsFile, mergeSettingsText } from '../../scripts/vscode/userSettings.mjs';

const QUIET = { 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off' };

describe('playground profile settings survive restarts', () => {
  it('adds defaults only where the user set nothing, and keeps their values and comments', () => {
    const mine = '{\n  // my theme, keep it\n  "workbench.colorTheme": "Solarized Light",\n  "workbench.startupEditor": "welcomePage",\n}\n';
    const merged = mergeSettingsText(mine, { defaults: QUIET });
    assert.ok(merged.includes('// my theme, keep it'), 'the comment is still there');
    assert.deepEqual(parse(merged), { 'workbench.colorTheme': 'Solarized Light', 'workbench.startupEditor': 'welcomePage', 'telemetry.telemetryLevel': 'off' });
    assert.equal(mergeSettingsText(merged, { defaults: QUIET }), merged, 'a second start changes nothing');
  });

  it('writes updates over what the file held, and starts an empty or missing file from scratch', () => {
    const merged = mergeSettingsText('{ "a": 1, "b": 2 }', { updates: { b: 3 } });
    assert.deepEqual(parse(merged), { a: 1, b: 3 });
    assert.deepEqual(parse(mergeSettingsText('', { defaults: QUIET })), QUIET);
  });

  it('leaves a file with a syntax error alone and says where the error is', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'llm-router-settings-'));
    try {
      const file = path.join(dir, 'settings.json');
      const broken = '{\n  "a": 1\n  "b": 2\n}\n';
      writeFileSync(file, broken);
      const problem = mergeSettingsFile(file, { defaults: QUIET });
      assert.match(problem ?? '', /settings\.json was not updated: CommaExpected on line 3/);
      assert.equal(readFileSync(file, 'utf8'), broken);
      assert.equal(mergeSettingsFile(path.join(dir, 'new.json'), { defaults: QUIET }), undefined);
      assert.deepEqual(parse(readFileSync(path.join(dir, 'new.json'), 'utf8')), QUIET);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('moves the simulated providers to this run\'s ports, keeping the user\'s own providers and edits', () => {
    const simulated = [
      { id: 'sim-openai', kind: 'openai-compatible', model: 'sim-gpt', baseUrl: 'http://127.0.0.1:2000/v1', priority: 1 },
      { id: 'sim-claude', kind: 'anthropic', model: 'sim-claude', baseUrl: 'http://127.0.0.1:2001', priority: 2 },
    ];
    const existing = [
      { id: 'mine', kind: 'openai', model: 'gpt-4o-mini' },
      { id: 'sim-openai', kind: 'openai-compatible', model: 'sim-gpt', baseUrl: 'http://127.0.0.1:1000/v1', priority: 9 },
    ];
    assert.deepEqual(withSimulatedProviders(existing, simulated), [
      { id: 'mine', kind: 'openai', model: 'gpt-4o-mini' },
      { id: 'sim-openai', kind: 'openai-compatible', model: 'sim-gpt', baseUrl: 'http://127.0.0.1:2000/v1', priority: 9 },
      simulated[1],
    ]);
    assert.deepEqual(withSimulatedProviders(undefined, simulated), simulated);
  });
});
