import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ProviderConfig } from '../../src/engine/config/schema';
import { keyboard, read, requireBridge } from './support/bridge';
import { closedPortUrl } from '../emulator/server';
import { emulatorsFor, header } from './support/emulators';
import { configure, FAST_SETTINGS, freshState, routerHost, type ProviderEntry } from './support/router';
import { settlesWithin, waitFor } from './support/waitFor';

const KEY = 'sk-add-provider-3b9d27c1e0f4';
const QUICK_INPUT = '.quick-input-widget';

/** Waits until the quick input shows `text` (its title, message or an item), then types and presses ('' = no key). */
async function answer(text: string, type: string | undefined, press = 'Enter'): Promise<void> {
  await read({ selector: QUICK_INPUT, hasText: text, timeoutMs: 15_000 });
  await keyboard({ type, press });
}

function userProviders(): ProviderEntry[] {
  return vscode.workspace.getConfiguration('llmRouter').inspect<ProviderEntry[]>('providers')?.globalValue ?? [];
}

describe('LLM Router: Add Provider, driven through its quick picks and input boxes', function () {
  const emu = emulatorsFor('added', 'existing');
  let existing: ProviderEntry[];

  before(async function () {
    requireBridge(this);
    existing = [{ id: 'existing', kind: 'ollama', baseUrl: emu.existing.baseUrl('ollama'), model: 'existing-model' }];
    await configure({ ...FAST_SETTINGS, providers: existing });
  });
  beforeEach(freshState);
  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    const host = await routerHost();
    await host.keys.delete('my-emulator');
    await configure({ providers: existing });
  });

  it('adds an OpenAI-compatible server: refuses a taken name, stores the key, tests it, and writes the provider to user settings', async () => {
    const host = await routerHost();
    const done = Promise.resolve(vscode.commands.executeCommand<ProviderConfig | undefined>('llmRouter.addProvider'));

    // The vendor is step 1; an OpenAI-compatible server takes four more, with no model list to pick from.
    await answer('Other OpenAI-compatible server', 'Other OpenAI');
    await answer('Add Provider (2/5): base URL', emu.added.baseUrl('openai-compatible'));
    await answer('Add Provider (3/5): model id', 'emulated-model');
    // The proposed name is selected, so typing replaces it.
    await answer('Add Provider (4/5): name', 'existing', '');
    await read({ selector: QUICK_INPUT, hasText: "There is already a provider 'existing'" });
    await keyboard({ press: 'Shift+Home' });
    await keyboard({ type: 'my-emulator', press: 'Enter' });
    await answer("Add Provider (5/5): API key for 'my-emulator'", KEY);

    const added = await settlesWithin(done, 20_000, 'Add Provider');
    assert.deepEqual(added, { id: 'my-emulator', kind: 'openai-compatible', model: 'emulated-model', baseUrl: emu.added.baseUrl('openai-compatible') });
    assert.deepEqual(userProviders(), [...existing, added], 'appended to the user settings, the rest untouched');
    assert.equal(await host.keys.has('my-emulator'), true);
    assert.equal(emu.added.requests.length, 1, 'one tiny test request');
    assert.equal(header(emu.added.requests[0].headers, 'authorization'), `Bearer ${KEY}`);
    assert.ok(!JSON.stringify(userProviders()).includes(KEY), 'the key is not in settings');
    await waitFor('the engine to route to the new provider', () => host.providers().some((p) => p.id === 'my-emulator'));
  });

  it('says the key was refused by the host on a 401, and writes nothing when the user gives up', async () => {
    const host = await routerHost();
    emu.added.enqueue({ type: 'status', status: 401, message: 'Incorrect API key provided' });
    const done = Promise.resolve(vscode.commands.executeCommand<ProviderConfig | undefined>('llmRouter.addProvider'));

    await answer('Other OpenAI-compatible server', 'Other OpenAI');
    await answer('base URL', emu.added.baseUrl('openai-compatible'));
    await answer('model id', 'emulated-model');
    await answer('Add Provider (4/5)', 'my-emulator');
    await answer("API key for 'my-emulator'", 'sk-wrong');
    await answer(`the key was refused by ${new URL(emu.added.origin).host} (401)`, undefined, 'Escape');

    assert.equal(await settlesWithin(done, 10_000, 'Add Provider'), undefined);
    assert.deepEqual(userProviders(), existing, 'no provider was written');
    assert.equal(await host.keys.has('my-emulator'), false, 'no key was stored');
  });

  it('lets the user fix the key after a refusal, then adds the provider', async () => {
    emu.added.enqueue({ type: 'status', status: 401 });
    const done = Promise.resolve(vscode.commands.executeCommand<ProviderConfig | undefined>('llmRouter.addProvider'));

    await answer('Other OpenAI-compatible server', 'Other OpenAI');
    await answer('base URL', emu.added.baseUrl('openai-compatible'));
    await answer('model id', 'emulated-model');
    await answer('Add Provider (4/5)', 'my-emulator');
    await answer("API key for 'my-emulator'", 'sk-wrong');
    await answer('the key was refused', 'Enter the key again');
    await answer("API key for 'my-emulator'", KEY);

    assert.equal((await settlesWithin(done, 20_000, 'Add Provider'))?.id, 'my-emulator');
    assert.deepEqual(emu.added.requests.map((r) => header(r.headers, 'authorization')), ['Bearer sk-wrong', `Bearer ${KEY}`]);
  });

  it('says an unreachable host could not be reached, and lets the user correct the base URL', async () => {
    const closed = `${await closedPortUrl()}/v1`;
    const done = Promise.resolve(vscode.commands.executeCommand<ProviderConfig | undefined>('llmRouter.addProvider'));

    await answer('Other OpenAI-compatible server', 'Other OpenAI');
    await answer('base URL', closed);
    await answer('model id', 'emulated-model');
    await answer('Add Provider (4/5)', 'my-emulator');
    await answer("API key for 'my-emulator'", '');
    // The title names the provider's host once, and the cause without a second "Provider 'my-emulator':".
    const unreachable = await read({ selector: QUICK_INPUT, hasText: `${new URL(closed).host} could not be reached`, timeoutMs: 15_000 });
    assert.doesNotMatch(unreachable.texts[0], /reached: Provider '/);
    // The fix that fits an unreachable host comes first, so Enter takes it.
    const rows = await read({ selector: `${QUICK_INPUT} .monaco-list-row` });
    assert.match(rows.texts[0], /Change the base URL/);
    await keyboard({ press: 'Enter' });
    await answer('base URL', emu.added.baseUrl('openai-compatible'));

    const added = await settlesWithin(done, 20_000, 'Add Provider');
    assert.equal(added?.baseUrl, emu.added.baseUrl('openai-compatible'));
    assert.equal(header(emu.added.requests[0].headers, 'authorization'), undefined, 'no key was given, so none was sent');
    assert.equal(await (await routerHost()).keys.has('my-emulator'), false);
  });
});
