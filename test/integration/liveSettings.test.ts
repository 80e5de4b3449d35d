import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { click, hasBridge, hover, read, requireBridge, screenshot, STATUS_ITEM } from './support/bridge';
import { findNotification, hideNotifications } from './support/notifications';
import { emulatorsFor } from './support/emulators';
import { ask, configure, FAST_SETTINGS, freshState, routerHost, type ProviderEntry } from './support/router';
import { waitFor } from './support/waitFor';

describe('Settings apply live', () => {
  const emu = emulatorsFor('alpha', 'beta');
  const alpha = (priority: number): ProviderEntry => ({
    id: 'alpha',
    kind: 'openai-compatible',
    baseUrl: emu.alpha.baseUrl('openai-compatible'),
    model: 'alpha-model',
    priority,
    pricing: { inputPerMillion: 30, outputPerMillion: 60 },
  });
  const beta = (priority: number): ProviderEntry => ({
    id: 'beta',
    kind: 'openai-compatible',
    baseUrl: emu.beta.baseUrl('openai-compatible'),
    model: 'beta-model',
    priority,
    pricing: { inputPerMillion: 0.1, outputPerMillion: 0.2 },
  });

  before(() => configure({ ...FAST_SETTINGS, providers: [alpha(1), beta(2)] }));
  beforeEach(freshState);
  afterEach(() => configure({ 'routing.strategy': 'priority', providers: [alpha(1), beta(2)] }));

  it('sends the next request to the other provider after the providers are reordered, without a reload', async () => {
    const host = await routerHost();
    assert.equal((await ask(host, 'first')).provider, 'alpha');

    await configure({ providers: [alpha(2), beta(1)] });

    assert.equal((await ask(host, 'second')).provider, 'beta');
    assert.deepEqual([emu.alpha.requests.length, emu.beta.requests.length], [1, 1]);
  });

  it('switches to the cheaper provider when routing.strategy changes to cost', async () => {
    const host = await routerHost();
    assert.equal((await ask(host, 'by priority')).provider, 'alpha');

    await configure({ 'routing.strategy': 'cost' });

    assert.equal((await ask(host, 'by cost')).provider, 'beta');
    assert.equal(emu.beta.requests.length, 1);
  });

  it("names llmRouter.providers['oracle'].kind and the bad value in an error notification for an unknown kind, and keeps routing with the previous configuration", async function () {
    const host = await routerHost();
    const section = vscode.workspace.getConfiguration('llmRouter');
    await section.update('providers', [{ id: 'oracle', kind: 'telepathy', model: 'mind' }], vscode.ConfigurationTarget.Global);
    await waitFor('VS Code to hand the bad value to the extension', () => vscode.workspace.getConfiguration('llmRouter').get<{ kind?: string }[]>('providers')?.[0]?.kind === 'telepathy');

    assert.deepEqual(
      host.providers().map((p) => p.id),
      ['alpha', 'beta'],
      'the running configuration is the previous valid one',
    );
    const result = await ask(host, 'still working?');
    assert.equal(result.provider, 'alpha');
    assert.equal(emu.alpha.requests.length, 1);

    requireBridge(this);
    const message = await findNotification("llmRouter.providers['oracle'].kind");
    assert.match(message, /LLM Router: invalid setting llmRouter\.providers\['oracle'\]\.kind: must be one of .*\(got "telepathy"\)/);
    assert.match(message, /last valid configuration stays active/);
    await screenshot('invalid-setting-notification');
    await hideNotifications();
  });

  it('says how many more settings are invalid and where they are listed, with a Show Log button', async function () {
    requireBridge(this);
    const section = vscode.workspace.getConfiguration('llmRouter');
    await section.update('providers', [{ id: 'oracle', kind: 'telepathy', model: 'mind' }, { id: 'sage', kind: 'clairvoyance', model: 'mind' }], vscode.ConfigurationTarget.Global);
    const message = await findNotification("llmRouter.providers['oracle'].kind");
    assert.match(message, /\(and 1 more in the log\)/);
    const item = `.notifications-center .notification-list-item:has-text("providers['oracle'].kind")`;
    const buttons = (await read({ selector: `${item} .monaco-button` })).texts.map((t) => t.trim());
    assert.deepEqual(buttons, ['Open settings.json', 'Show Log']);
    await hideNotifications();
  });

  it("refuses a misspelt 'baseURL' (did you mean 'baseUrl'): no request leaves, and the status bar says invalid settings until it is fixed", async function () {
    const host = await routerHost();
    // Without the typo this is the emulator; with it the key would go to api.openai.com.
    const typo = { id: 'beta', kind: 'openai', baseURL: emu.beta.baseUrl('openai'), model: 'beta-model', apiKeyEnv: 'LLM_ROUTER_TYPO_KEY' };
    await vscode.workspace.getConfiguration('llmRouter').update('providers', [typo], vscode.ConfigurationTarget.Global);
    await waitFor('the host to flag the settings', () => host.configProblem !== undefined);
    assert.equal(host.configProblem?.path, "llmRouter.providers['beta'].baseURL");
    assert.match(host.configProblem?.message ?? '', /unknown field 'baseURL' in provider 'beta' — did you mean 'baseUrl'\?/);
    assert.deepEqual(host.providers().map((p) => p.id), ['alpha', 'beta'], 'the last valid configuration is in force');
    assert.deepEqual(
      host.config.providers.map((p) => [p.id, p.kind, p.baseUrl]),
      [['alpha', 'openai-compatible', emu.alpha.baseUrl('openai-compatible')], ['beta', 'openai-compatible', emu.beta.baseUrl('openai-compatible')]],
      "not the typo's 'openai' provider, which would go to api.openai.com with the key",
    );
    assert.equal((await ask(host, 'after the typo')).provider, 'alpha');
    assert.equal(emu.beta.requests.length, 0, 'nothing went to the provider with the typo');

    if (hasBridge()) {
      const { texts } = await read({ selector: STATUS_ITEM, hasText: 'invalid settings' });
      assert.match(texts[0], /LLM Router: invalid settings/);
      assert.match(await findNotification('did you mean'), /unknown field 'baseURL' in provider 'beta' — did you mean 'baseUrl'\?/);
      await screenshot('errors-invalid-setting');
      await hideNotifications();
      await hover({ selector: STATUS_ITEM });
      const tip = await read({ selector: '.monaco-hover', hasText: 'baseURL' });
      assert.match(tip.texts.join('\n'), /invalid configuration[\s\S]*llmRouter\.providers\['beta'\]\.baseURL: unknown field 'baseURL' in provider 'beta' — did you mean 'baseUrl'\?/);
      await click({ selector: STATUS_ITEM });
      await waitFor('the status bar item to open settings.json', () => vscode.window.activeTextEditor?.document.uri.path.endsWith('settings.json'));
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    }
    // Another change that is still invalid keeps the flag.
    await vscode.workspace.getConfiguration('llmRouter').update('providers', [{ ...typo, model: 'other' }], vscode.ConfigurationTarget.Global);
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(host.configProblem, 'still flagged after an unrelated edit');

    await configure({ providers: [alpha(1), beta(2)] });
    await waitFor('the flag to clear once the settings are valid', () => host.configProblem === undefined);
    if (hasBridge()) await read({ selector: STATUS_ITEM, hasText: '/2' });
  });
});
