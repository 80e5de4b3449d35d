import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { systemCertificates, vscodeProxyAgent } from '../../src/extension/proxy';
import { startEmulator, type Emulator } from '../emulator/server';
import { startAuthProxy, type AuthProxy } from '../support/authProxy';
import { ask, configure, FAST_SETTINGS, freshState, routerHost } from './support/router';
import { waitFor } from './support/waitFor';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Writes `http.<key>` user settings as a person would and waits until the extension host sees them. */
async function setHttp(values: Record<string, unknown>): Promise<void> {
  const http = () => vscode.workspace.getConfiguration('http');
  for (const [key, value] of Object.entries(values)) await http().update(key, value, vscode.ConfigurationTarget.Global);
  await waitFor(`VS Code to apply ${Object.keys(values).map((k) => `http.${k}`).join(', ')}`, () =>
    Object.entries(values).every(([key, value]) => JSON.stringify(http().get(key) ?? null) === JSON.stringify(value ?? http().inspect(key)?.defaultValue ?? null)),
  );
}

describe('Proxies, resolved the way VS Code resolves them', () => {
  let emu: Emulator;
  let proxy: AuthProxy;

  before(async () => {
    // Not 127.0.0.1: VS Code's resolver always connects directly to localhost, 127.0.0.1 and ::1.
    emu = await startEmulator({ name: 'proxied', host: '127.0.0.2', reply: 'Hello through the proxy.' });
    proxy = await startAuthProxy({ credentials: { user: 'ada', password: 'proxy-pass' } });
    await configure({ ...FAST_SETTINGS, 'retry.maxAttempts': 1, providers: [{ id: 'proxied', kind: 'openai-compatible', baseUrl: emu.baseUrl('openai-compatible'), model: 'proxied-model' }] });
  });
  beforeEach(async () => {
    await freshState();
    emu.reset();
    proxy.requests.length = 0;
  });
  after(async () => {
    await setHttp({ proxy: undefined, proxyAuthorization: undefined, noProxy: undefined, proxySupport: undefined });
    await emu?.close();
    await proxy?.close();
  });

  it("uses VS Code's own resolver in this extension host, which follows http.proxy", async () => {
    await setHttp({ proxy: proxy.url, proxyAuthorization: basic('ada', 'proxy-pass'), noProxy: undefined });
    const resolver = vscodeProxyAgent()?.resolveProxyURL;
    assert.ok(resolver, `@vscode/proxy-agent with resolveProxyURL under ${vscode.env.appRoot}`);
    assert.equal(await resolver(`${emu.origin}/v1/chat/completions`), proxy.url);
  });

  it("loads the OS certificate store with VS Code's loader (http.systemCertificates)", async () => {
    const warnings: string[] = [];
    const certificates = await systemCertificates(vscodeProxyAgent(), (message) => warnings.push(message));
    assert.deepEqual(warnings, []);
    assert.ok(certificates.length > 0, 'this Linux machine has /etc/ssl/certs/ca-certificates.crt');
    assert.ok(certificates.every((pem) => pem.startsWith('-----BEGIN CERTIFICATE-----')));
  });

  it('reaches the provider through an authenticating http.proxy with http.proxyAuthorization', async () => {
    await setHttp({ proxy: proxy.url, proxyAuthorization: basic('ada', 'proxy-pass'), noProxy: undefined });

    const result = await ask(await routerHost(), 'through the proxy, please');

    assert.equal(result.text, 'Hello through the proxy.');
    assert.deepEqual(proxy.requests, [{ method: 'CONNECT', target: new URL(emu.origin).host, admitted: true }]);
    assert.equal(emu.requests.length, 1);
  });

  it('fails naming http.proxyAuthorization and http.proxy when the proxy refuses the credentials, and sends nothing', async () => {
    await setHttp({ proxy: proxy.url, proxyAuthorization: basic('ada', 'wrong'), noProxy: undefined });

    await assert.rejects(ask(await routerHost(), 'wrong credentials'), (err: Error) => {
      assert.match(err.message, /answered 407 \(proxy authentication required\); it refused http\.proxyAuthorization: check that setting and http\.proxy/);
      assert.doesNotMatch(err.message, /proxy-pass|wrong|YWRh/, 'no credential in the message');
      return true;
    });
    assert.equal(proxy.requests.length, 1);
    assert.equal(proxy.admitted(), 0);
    assert.equal(emu.requests.length, 0);
  });

  it('says how to authenticate when http.proxy needs credentials and none are set', async () => {
    await setHttp({ proxy: proxy.url, proxyAuthorization: undefined, noProxy: undefined });

    await assert.rejects(ask(await routerHost(), 'no credentials'), /answered 407 \(proxy authentication required\); set http\.proxyAuthorization .* in http\.proxy/);
    assert.equal(emu.requests.length, 0);
  });

  it("connects directly to a host in http.noProxy, leaving the proxy's count unchanged", async () => {
    await setHttp({ proxy: proxy.url, proxyAuthorization: basic('ada', 'proxy-pass'), noProxy: ['127.0.0.2'] });

    const result = await ask(await routerHost(), 'direct, please');

    assert.equal(result.text, 'Hello through the proxy.');
    assert.equal(proxy.requests.length, 0);
    assert.equal(emu.requests.length, 1);
  });

  it('leaves requests alone when http.proxySupport is off', async () => {
    await setHttp({ proxy: proxy.url, proxyAuthorization: basic('ada', 'proxy-pass'), noProxy: undefined, proxySupport: 'off' });
    try {
      await ask(await routerHost(), 'proxy support off');
      assert.equal(proxy.requests.length, 0);
      assert.equal(emu.requests.length, 1);
    } finally {
      await setHttp({ proxySupport: undefined });
    }
  });
});
