import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import * as vscode from 'vscode';
import type { LlmRouterTestExports } from '../../src/extension/extension';
import type { EditorGateway } from '../../src/extension/gateway/editorGateway';
import { hasBridge, keyboard, read, statusTooltip } from './support/bridge';
import { workspaceFile } from './support/documents';
import { emulatorsFor } from './support/emulators';
import { findNotification } from './support/notifications';
import { extensionFiles, filesContaining, routerLogFile } from './support/secretScan';
import { configure, EXTENSION_ID, FAST_SETTINGS, freshState, routerHost } from './support/router';
import { settlesWithin, waitFor } from './support/waitFor';

const QUICK_INPUT = '.quick-input-widget';

async function editorGateway(): Promise<EditorGateway> {
  const exports = await vscode.extensions.getExtension<LlmRouterTestExports>(EXTENSION_ID)?.activate();
  if (!exports?.testing) throw new Error('the extension runs outside ExtensionMode.Test');
  return exports.testing.gateway;
}

/** Where the gateway listens once it has caught up with every setting change so far. */
async function runningUrl(gateway: EditorGateway): Promise<string> {
  await settlesWithin(gateway.reconcile(), 15_000, 'the gateway catching up with the settings');
  const status = gateway.status;
  assert.equal(status.state, 'running', JSON.stringify(status));
  return status.url;
}

function chat(url: string, headers: Record<string, string>, body: Record<string, unknown> = { model: 'auto', messages: [{ role: 'user', content: 'hello through the gateway' }] }) {
  return fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** A port some other program holds. */
function occupyPort(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

describe('The gateway inside VS Code (llmRouter.gateway.enabled)', function () {
  this.timeout(60_000);
  const emu = emulatorsFor('upstream');

  beforeEach(async () => {
    await configure({ ...FAST_SETTINGS, 'cache.enabled': false, providers: [{ id: 'upstream', kind: 'openai-compatible', baseUrl: emu.upstream.baseUrl('openai-compatible'), model: 'upstream-model' }] });
    await freshState();
  });
  afterEach(async () => {
    await configure({ 'gateway.enabled': undefined, 'gateway.port': 0 });
    await (await editorGateway()).reconcile();
  });
  // Suites after this one rely on the cache being on, as it is by default.
  after(() => configure({ 'gateway.port': undefined, 'cache.enabled': undefined }));

  it('is off by default', async () => {
    const gateway = await editorGateway();
    assert.equal((await routerHost()).config.gateway.enabled, false);
    assert.deepEqual(gateway.status, { state: 'off' });
  });

  it('starts when the setting is turned on, answers a request carrying the token from secret storage, and refuses one without it', async () => {
    await configure({ 'gateway.port': 0, 'gateway.enabled': true });
    const gateway = await editorGateway();
    const url = await runningUrl(gateway);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/, 'loopback only');
    const connection = await gateway.connection();
    assert.ok(connection && /^llmr-[A-Za-z0-9_-]{32}$/.test(connection.token), 'a generated token');

    const refused = await chat(url, {});
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'invalid_api_key');
    const wrong = await chat(url, { authorization: 'Bearer llmr-not-the-token' });
    assert.equal(wrong.status, 401);
    assert.equal(emu.upstream.requests.length, 0, 'refused requests reach no provider');

    const answered = await chat(url, { authorization: `Bearer ${connection.token}` });
    assert.equal(answered.status, 200);
    assert.equal(answered.headers.get('x-llm-router-provider'), 'upstream');
    const body = (await answered.json()) as { choices: { message: { content: string } }[] };
    assert.equal(body.choices[0].message.content, 'Hello from upstream.');

    const anthropic = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': connection.token, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'auto', max_tokens: 50, messages: [{ role: 'user', content: 'and the Anthropic way' }] }),
    });
    assert.equal(anthropic.status, 200);
    assert.equal(((await anthropic.json()) as { content: { text: string }[] }).content[0].text, 'Hello from upstream.');
    assert.equal(emu.upstream.requests.length, 2);

    assert.ok(!JSON.stringify(vscode.workspace.getConfiguration('llmRouter').inspect('gateway')).includes(connection.token), 'the token is in no setting');
    const log = routerLogFile();
    if (log) {
      await waitFor('the log to say where the gateway listens', () => readFileSync(log, 'utf8').includes(`Gateway listening on ${url}`));
      await (await routerHost()).flush();
      assert.deepEqual(filesContaining(extensionFiles(), connection.token), [], 'no log or state file holds the token');
    }
  });

  it('keeps the same token when it restarts, and stops listening when the setting is turned off', async () => {
    await configure({ 'gateway.port': 0, 'gateway.enabled': true });
    const gateway = await editorGateway();
    const first = await runningUrl(gateway);
    const token = (await gateway.connection())?.token;
    await configure({ 'gateway.enabled': false });
    await waitFor('the gateway to stop', () => gateway.status.state === 'off');
    await assert.rejects(chat(first, { authorization: `Bearer ${token}` }), 'nothing listens any more');

    await configure({ 'gateway.enabled': true });
    await runningUrl(gateway);
    assert.equal((await gateway.connection())?.token, token);
  });

  it('lets a request in flight finish when it stops', async () => {
    await configure({ 'gateway.port': 0, 'gateway.enabled': true });
    const gateway = await editorGateway();
    const url = await runningUrl(gateway);
    const token = (await gateway.connection())?.token as string;
    emu.upstream.enqueue({ type: 'delay', ms: 1_500 });
    const inFlight = chat(url, { authorization: `Bearer ${token}` });
    await waitFor('the request to reach the provider', () => emu.upstream.requests.length === 1);

    await configure({ 'gateway.enabled': false });
    const stopped = gateway.reconcile();
    const res = await settlesWithin(inFlight, 10_000, 'the request in flight');
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { choices: { message: { content: string } }[] }).choices[0].message.content, 'Hello from upstream.');
    await settlesWithin(stopped, 10_000, 'stopping');
    assert.deepEqual(gateway.status, { state: 'off' });
  });

  it('says which setting to change when its port is taken by another program', async () => {
    const { server, port } = await occupyPort();
    try {
      await configure({ 'gateway.port': port, 'gateway.enabled': true });
      const gateway = await editorGateway();
      const status = await waitFor('the gateway to fail', () => (gateway.status.state === 'failed' ? gateway.status : undefined));
      assert.match(status.message, new RegExp(`127\\.0\\.0\\.1:${port}.*another program uses that port.*llmRouter\\.gateway\\.port`));
      if (hasBridge()) assert.match(await findNotification('another program uses that port'), /llmRouter\.gateway\.port/);

      await configure({ 'gateway.port': 0 });
      await runningUrl(gateway);
    } finally {
      server.close();
    }
  });

  it('leaves the port to another LLM Router gateway already on it (another window), and takes over once that one stops', async () => {
    const host = await routerHost();
    const other = await host.serveGateway({ token: 'llmr-another-window', host: '127.0.0.1', port: 0, allowedOrigins: [], maxBodyBytes: 1_000_000 });
    let otherClosed = false;
    try {
      await configure({ 'gateway.port': other.port, 'gateway.enabled': true });
      const gateway = await editorGateway();
      await gateway.reconcile();
      assert.deepEqual(gateway.status, { state: 'elsewhere', url: other.url });
      if (hasBridge()) assert.ok(await findNotification('another program uses that port').then((t) => t === '', () => true), 'no error for a window that shares the gateway');

      await other.close();
      otherClosed = true;
      const url = await waitFor('this window to take over', () => (gateway.status.state === 'running' ? gateway.status.url : undefined), 20_000);
      assert.equal(url, other.url);
    } finally {
      if (!otherClosed) await other.close();
    }
  });

  it('shows its address in the status bar tooltip, and copies the OpenAI base URL from the Copy Gateway Connection quick pick', async function () {
    if (!hasBridge()) this.skip();
    await configure({ 'gateway.port': 0, 'gateway.enabled': true });
    const url = await runningUrl(await editorGateway());

    const tooltip = await statusTooltip(`Gateway on ${url}`);
    assert.ok(tooltip.join('\n').includes(`${url}/v1`));

    await vscode.env.clipboard.writeText('');
    const copied = vscode.commands.executeCommand('llmRouter.copyGatewayConnection');
    await read({ selector: QUICK_INPUT, hasText: 'Anthropic base URL', timeoutMs: 10_000 });
    await keyboard({ type: 'OpenAI base URL', press: 'Enter' });
    await settlesWithin(Promise.resolve(copied), 10_000, 'the command');
    assert.equal(await vscode.env.clipboard.readText(), `${url}/v1`);
  });

  it('cannot be turned on by a workspace: its settings are user-level only', async () => {
    const file = workspaceFile('.vscode/settings.json').fsPath;
    const original = readFileSync(file, 'utf8');
    const host = await routerHost();
    const marker = host.config.inlineSuggestions.debounceMs + 7;
    try {
      // The workspace also sets an ordinary setting, which does apply: proof that VS Code read the file.
      writeFileSync(file, JSON.stringify({ 'llmRouter.gateway.enabled': true, 'llmRouter.gateway.port': 0, 'llmRouter.inlineSuggestions.debounceMs': marker }, null, 2));
      await waitFor('the workspace setting to apply', () => host.config.inlineSuggestions.debounceMs === marker);
      const gateway = await editorGateway();
      await gateway.reconcile();
      assert.equal(host.config.gateway.enabled, false);
      assert.deepEqual(gateway.status, { state: 'off' });
    } finally {
      writeFileSync(file, original);
      await waitFor('the workspace settings to be restored', () => host.config.inlineSuggestions.debounceMs !== marker);
    }
  });
});
