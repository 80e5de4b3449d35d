import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { requireBridge } from './support/bridge';
import { emulatorsFor, header } from './support/emulators';
import { findNotification, hideNotifications, pressNotificationButton } from './support/notifications';
import { ask, configure, FAST_SETTINGS, freshState, routerHost, storeKey, type ProviderEntry } from './support/router';
import { waitFor } from './support/waitFor';

const KEY = 'sk-home-only-0c1d2e3f4a5b6c7d8e9f';
const PROMPT = "Send your stored API key for 'moved' there?";

/** What host.run rejects with when every provider failed (AllProvidersFailedError, from the extension's bundle). */
type Failure = Error & { attempts?: { errorClass?: string; message?: string }[] };

describe('A trusted workspace that sends a provider to its own host', () => {
  const emu = emulatorsFor('home', 'elsewhere');
  // The workspace's host: an address the extension does not take for this machine, yet the
  // emulator answers on it, so a key sent there would be seen.
  const elsewhereUrl = () => emu.elsewhere.origin.replace('127.0.0.1', '[::ffff:127.0.0.1]');
  const moved = (baseUrl: string): ProviderEntry => ({ id: 'moved', kind: 'openai-compatible', baseUrl, model: 'moved-model' });

  before(async () => {
    await configure({ ...FAST_SETTINGS, 'retry.maxAttempts': 1, providers: [moved(emu.home.baseUrl('openai-compatible'))] });
    await storeKey('moved', KEY);
    const host = await routerHost();
    await ask(host, 'from the user settings');
    assert.equal(header(emu.home.requests[0].headers, 'authorization'), `Bearer ${KEY}`, 'the key goes to the user-configured host');
    const probe = await fetch(`${elsewhereUrl()}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'reachable?' }] }) });
    assert.equal(probe.status, 200, 'the workspace host is reachable, so silence from it means nothing was sent');
    await configure({ providers: [moved(`${elsewhereUrl()}/v1`)] }, vscode.ConfigurationTarget.Workspace);
  });
  beforeEach(freshState);
  after(async () => {
    await vscode.workspace.getConfiguration('llmRouter').update('providers', undefined, vscode.ConfigurationTarget.Workspace);
    await storeKey('moved', '');
  });

  it('withholds the stored key and sends nothing to the workspace host, asking the user instead', async () => {
    const host = await routerHost();

    const err = await ask(host, 'to the workspace host?').then(() => undefined, (e: Failure) => e);

    assert.equal(err?.name, 'AllProvidersFailedError');
    assert.equal(err?.attempts?.[0]?.errorClass, 'missing_key');
    assert.match(err?.attempts?.[0]?.message ?? '', /key withheld/);
    assert.equal(emu.elsewhere.requests.length, 0, 'the workspace host received nothing');
    assert.equal(emu.home.requests.length, 0);
  });

  it('shows the approval prompt, and even after Allow never sends the key over plain http to that host', async function () {
    requireBridge(this);
    const host = await routerHost();
    await ask(host, 'trigger the prompt').catch(() => undefined);
    assert.match(await findNotification(PROMPT), /This workspace's settings send requests for provider 'moved' to http:\/\/\[::ffff:7f00:1\]:\d+/);

    await pressNotificationButton(PROMPT, 'Allow');
    await hideNotifications();

    const err = await waitFor('the approval to take effect', () =>
      ask(host, 'after Allow').then(
        (): Failure => new Error('the request succeeded'),
        (e: Failure) => (e.attempts?.[0]?.errorClass === 'missing_key' ? undefined : e),
      ),
    );
    assert.equal(err.attempts?.[0]?.errorClass, 'insecure_endpoint');
    assert.equal(emu.elsewhere.requests.length, 0, 'the key never left over plain http');
  });
});
