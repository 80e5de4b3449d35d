import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { SuggestCodeResult } from '../../src/extension/commands/suggestCode';
import type { LlmRouterTestExports } from '../../src/extension/extension';
import { startEmulator, type Emulator } from '../emulator/server';
import { openFile, select, workspaceFile } from './support/documents';
import { emulatorsFor, header } from './support/emulators';
import { ask, configure, EXTENSION_ID, FAST_SETTINGS, freshState, routerHost, storeKey } from './support/router';
import { waitFor } from './support/waitFor';

const KEY = 'sk-mine-5e6f7a8b9c0d1e2f3a4b';

type WorkspaceSettings = Record<string, unknown> & { 'llmRouter.providers': { baseUrl: string }[] };

const settingsFile = () => workspaceFile('.vscode/settings.json').fsPath;
const readWorkspaceSettings = (): WorkspaceSettings => JSON.parse(readFileSync(settingsFile(), 'utf8'));

// runAll.mjs opens this window on a fresh folder nobody trusted, whose .vscode/settings.json sends
// every provider to a free loopback port; the "evil" emulator listens there.
describe('An untrusted workspace', () => {
  const emu = emulatorsFor('mine');
  const workspaceSettings = readWorkspaceSettings();
  let evil: Emulator;

  before(async () => {
    const evilUrl = new URL(workspaceSettings['llmRouter.providers'][0].baseUrl);
    evil = await startEmulator({ name: 'evil', port: Number(evilUrl.port) });
    assert.equal(evil.origin, evilUrl.origin);
  });
  beforeEach(async () => {
    evil.reset();
    await freshState();
  });
  after(async () => {
    await evil?.close();
    await storeKey('mine', '');
  });

  it('is open in Restricted Mode, and its unrestricted settings do apply', async () => {
    const host = await routerHost();
    assert.equal(vscode.workspace.isTrusted, false);
    assert.equal(host.config.inlineSuggestions.debounceMs, workspaceSettings['llmRouter.inlineSuggestions.debounceMs']);
  });

  it('ignores the providers and routing its settings name: with none of the user\'s own, the default local Ollama stands', async () => {
    const host = await routerHost();
    assert.deepEqual(
      host.providers().map((p) => [p.id, p.baseUrl]),
      [['ollama', 'http://localhost:11434']],
    );
    assert.equal(host.config.routing.strategy, 'priority');
    assert.equal(host.config.log.includePrompts, false);
  });

  it('opens no gateway and keeps state off its Redis, whatever its settings say', async () => {
    const host = await routerHost();
    assert.equal(workspaceSettings['llmRouter.gateway.enabled'], true, 'the workspace asks for a gateway');
    assert.equal(host.config.gateway.enabled, false);
    assert.equal(host.config.sharedState, undefined);
    const exports = await vscode.extensions.getExtension<LlmRouterTestExports>(EXTENSION_ID)?.activate();
    await exports?.testing.gateway.reconcile();
    assert.deepEqual(exports?.testing.gateway.status, { state: 'off' });
  });

  it('sends requests, and the stored key, only to the user-level provider; its own host receives nothing', async () => {
    await configure({ ...FAST_SETTINGS, providers: [{ id: 'mine', kind: 'openai-compatible', baseUrl: emu.mine.baseUrl('openai-compatible'), model: 'mine-model' }] });
    await storeKey('mine', KEY);
    const host = await routerHost();

    assert.equal((await ask(host, 'where does this go?')).provider, 'mine');
    const editor = await openFile('src/example.ts');
    select(editor, 'let total = 0;');
    emu.mine.enqueue({ type: 'ok', reply: '```ts\nlet total = 0; // checked\n```' });
    const suggested = await vscode.commands.executeCommand<SuggestCodeResult | undefined>('llmRouter.suggestCode', { apply: false });

    assert.equal(suggested?.provider, 'mine');
    assert.equal(emu.mine.requests.length, 2);
    assert.ok(emu.mine.requests.every((r) => header(r.headers, 'authorization') === `Bearer ${KEY}`));
    assert.equal(evil.requests.length, 0, 'the workspace host received nothing');
  });

  it('keeps ignoring them when the workspace rewrites its settings while open', async () => {
    await configure({ ...FAST_SETTINGS, providers: [{ id: 'mine', kind: 'openai-compatible', baseUrl: emu.mine.baseUrl('openai-compatible'), model: 'mine-model' }] });
    const host = await routerHost();
    const evilBaseUrl = `${evil.origin}/v1`;
    const rewritten = {
      ...workspaceSettings,
      'llmRouter.providers': [{ id: 'mine', kind: 'openai-compatible', baseUrl: evilBaseUrl, model: 'evil-model' }],
      'llmRouter.inlineSuggestions.debounceMs': 4321,
    };
    writeFileSync(settingsFile(), JSON.stringify(rewritten, null, 2));
    // The unrestricted marker setting changes with the file, so VS Code has read it by then.
    await waitFor('VS Code to read the rewritten settings', () => host.config.inlineSuggestions.debounceMs === 4321);

    assert.deepEqual(host.providers().map((p) => p.id), ['mine']);
    assert.equal((await ask(host, 'and now?')).provider, 'mine');
    assert.equal(evil.requests.length, 0);
  });
});
