import type { RouterConfig } from '../../src/engine/config/schema';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DashboardInspection } from '../../src/extension/dashboard/dashboardPanel';
import { hasBridge, read, WEBVIEW_FRAMES } from './support/bridge';
import { openFile, select } from './support/documents';
import { emulatorsFor, header } from './support/emulators';
import { findNotification, hideNotifications } from './support/notifications';
import { ask, configure, FAST_SETTINGS, freshState, productionExports, routerHost, storeKey } from './support/router';
import { extensionFiles, filesContaining, routerLogFile, userDataDir } from './support/secretScan';
import { waitFor } from './support/waitFor';

// Distinctive, so any leak is found by a plain substring search.
const KEY = 'sk-ant-integration-7f3c9e1d5b2a4c6e8f0a';

describe('API keys in SecretStorage', () => {
  const emu = emulatorsFor('vault', 'spare');

  before(async () => {
    await configure({
      ...FAST_SETTINGS,
      // No retries: the 401 test counts requests.
      'retry.maxAttempts': 1,
      providers: [
        { id: 'vault', kind: 'anthropic', baseUrl: emu.vault.baseUrl('anthropic'), model: 'claude-vault', priority: 1 },
        { id: 'spare', kind: 'ollama', baseUrl: emu.spare.baseUrl('ollama'), model: 'spare-model', priority: 2 },
      ],
    });
  });
  beforeEach(freshState);
  after(async () => {
    await storeKey('vault', '');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('sends a stored key to exactly its provider, and to no other', async () => {
    await storeKey('vault', KEY);
    const host = await routerHost();

    const result = await ask(host, 'who am I?');

    assert.equal(result.provider, 'vault');
    const sent = emu.vault.requests[0];
    assert.equal(header(sent.headers, 'x-api-key'), KEY);
    assert.equal(header(sent.headers, 'authorization'), undefined, 'Anthropic takes the key in x-api-key only');
    emu.vault.enqueue({ type: 'status', status: 503 });
    assert.equal((await ask(host, 'fall back, please')).provider, 'spare');
    assert.ok(!JSON.stringify(emu.spare.requests.map((r) => r.headers)).includes(KEY), 'the other provider never sees the key');
  });

  it("Set API Key lists the providers that are sent a key first, and says a local server usually needs none", async function () {
    if (!hasBridge()) this.skip();
    const picking = Promise.resolve(vscode.commands.executeCommand('llmRouter.setApiKey'));
    try {
      const { texts } = await read({ selector: '.quick-input-widget .monaco-list-row', hasText: 'spare' });
      const rows = texts.map((t) => t.replace(/\s+/g, ' '));
      assert.match(rows[0], /^vault/, 'the provider that is sent a key comes first');
      assert.match(rows[1], /^spare.*No key stored · usually needs none: a local server$/);
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      await picking;
    }
  });

  it('stops sending a key once it is removed', async () => {
    await storeKey('vault', KEY);
    await storeKey('vault', '');
    const host = await routerHost();

    const result = await ask(host, 'no key now');

    assert.equal(result.provider, 'spare', 'without a key the provider is skipped');
    assert.equal(emu.vault.requests.length, 0);
    assert.equal(result.attempts[0].errorClass, 'missing_key');
  });

  it('keeps the key out of error messages, the log file, the extension state files and the dashboard', async () => {
    await storeKey('vault', KEY);
    const host = await routerHost();
    await ask(host, 'a logged success');
    emu.vault.enqueue({ type: 'status', status: 401, message: 'invalid x-api-key' });
    emu.spare.enqueue({ type: 'status', status: 500 });
    const failure = await ask(host, 'a logged failure').then(() => undefined, (err: Error) => err);
    assert.equal(failure?.name, 'AllProvidersFailedError');
    assert.ok(!`${failure?.message} ${JSON.stringify(failure)}`.includes(KEY), 'the error does not carry the key');

    const editor = await openFile('src/example.ts');
    select(editor, 'let total = 0;');
    emu.vault.enqueue({ type: 'status', status: 401, message: 'invalid x-api-key' });
    emu.spare.enqueue({ type: 'status', status: 500 });
    assert.equal(await vscode.commands.executeCommand('llmRouter.suggestCode', { apply: false }), undefined);

    await vscode.commands.executeCommand('llmRouter.openDashboard');
    const inspection = await waitFor('the dashboard to show the auth failure', async () => {
      const i = await vscode.commands.executeCommand<DashboardInspection>('llmRouter.dashboard.inspect');
      return i.live && JSON.stringify(i).includes('"auth"') ? i : undefined;
    });
    assert.ok(!JSON.stringify(inspection).includes(KEY), 'no dashboard message carries the key');

    const log = routerLogFile();
    if (userDataDir()) assert.ok(log, 'the LLM Router log file exists where the window keeps its logs');
    if (log) {
      const text = await waitFor('the log to record the requests', () => {
        const t = readFileSync(log, 'utf8');
        return /→ vault \(claude-vault\) ok/.test(t) && /failed .*vault:auth\(401\) → spare:server_error\(500\)/.test(t) ? t : undefined;
      });
      assert.ok(!text.includes(KEY), 'the log file does not contain the key');
      assert.ok(!text.includes('a logged success'), 'nor, by default, the prompt text');
      // Writes the metrics and cost files now rather than at their next periodic flush.
      await host.flush();
      assert.ok(extensionFiles().some((f) => path.basename(f) === 'costs.json'), 'the scan covers the user state folder');
      assert.deepEqual(filesContaining(extensionFiles(), KEY), [], 'no file the extension wrote contains the key');
    }
    if (hasBridge()) {
      const shown = await findNotification('Suggest Code failed');
      await hideNotifications();
      assert.match(shown, /Provider 'vault': 401 Unauthorized — the key was refused; run 'LLM Router: Set API Key'/);
      assert.ok(!shown.includes(KEY), 'the error notification does not show the key');
      const page = await read({ frames: WEBVIEW_FRAMES, selector: 'body', hasText: 'vault' });
      assert.ok(!page.texts.join('\n').includes(KEY), 'the dashboard page does not show the key');
    }
  });
});

describe('llmRouter.setApiKey stores only what the user types', () => {
  const emu = emulatorsFor('typed');

  before(async () => {
    await configure({ ...FAST_SETTINGS, 'retry.maxAttempts': 1, providers: [{ id: 'typed', kind: 'anthropic', baseUrl: emu.typed.baseUrl('anthropic'), model: 'claude-typed' }] });
    await storeKey('typed', '');
  });
  beforeEach(freshState);

  it('ignores a key passed as an argument: it asks in a password box, and stores nothing when the box is closed', async () => {
    const command = Promise.resolve(vscode.commands.executeCommand<boolean>('llmRouter.setApiKey', { providerId: 'typed', key: KEY }));
    let settled = false;
    void command.finally(() => (settled = true));
    if (hasBridge()) {
      await read({ selector: '.quick-input-widget .quick-input-title', hasText: "API key for 'typed'" });
      const box = await read({ selector: '.quick-input-widget .quick-input-box input', attribute: 'type' });
      assert.deepEqual(box.attributes?.slice(0, 1), ['password']);
    }
    // The box may open a moment after the command starts; close it until the command gives up.
    await waitFor('the command to end once its input box is closed', async () => {
      if (!settled) await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      return settled;
    });

    assert.equal(await command, false, 'the command stored nothing');
    const host = await routerHost();
    assert.equal(await host.keys.has('typed'), false, 'no key is in SecretStorage');
    const err = await ask(host, 'is there a key?').then(() => undefined, (e: Error & { attempts?: { errorClass?: string }[] }) => e);
    assert.equal(err?.attempts?.[0]?.errorClass, 'missing_key');
    assert.equal(emu.typed.requests.length, 0);
  });
});

describe('Vendor key variables in the extension', () => {
  const emu = emulatorsFor('lookalike');
  const ENV_KEY = 'sk-env-only-9a8b7c6d5e4f3a2b1c0d';
  const lookalike = (extra: Record<string, unknown> = {}) => [{ id: 'lookalike', kind: 'openai', baseUrl: emu.lookalike.baseUrl('openai'), model: 'gpt-lookalike', ...extra }];
  let saved: string | undefined;

  before(async () => {
    saved = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = ENV_KEY;
    await storeKey('lookalike', '');
  });
  beforeEach(freshState);
  after(() => {
    if (saved === undefined) delete process.env.OPENAI_API_KEY;
    else process.env.OPENAI_API_KEY = saved;
  });

  it('does not send OPENAI_API_KEY to a non-OpenAI host unless apiKeyEnv names it, and says what to set', async () => {
    await configure({ ...FAST_SETTINGS, 'retry.maxAttempts': 1, providers: lookalike() });
    const host = await routerHost();

    const err = await ask(host, 'to a custom host').then(() => undefined, (e: Error & { attempts?: { errorClass?: string; message?: string }[] }) => e);

    assert.equal(err?.attempts?.[0]?.errorClass, 'missing_key');
    assert.match(err?.attempts?.[0]?.message ?? '', /uses a custom host .*providers\[\]\.apiKeyEnv — OPENAI_API_KEY is only sent to api\.openai\.com/);
    assert.equal(emu.lookalike.requests.length, 0, 'the custom host received a request');

    await configure({ providers: lookalike({ apiKeyEnv: 'OPENAI_API_KEY' }) });
    assert.equal((await ask(host, 'now named')).provider, 'lookalike');
    assert.equal(header(emu.lookalike.requests[0].headers, 'authorization'), `Bearer ${ENV_KEY}`);
  });
});

describe('What another extension gets from the exports', () => {
  const emu = emulatorsFor('exported', 'second');
  const ENV_KEY = 'sk-exported-env-1f2e3d4c5b6a7988';
  const EXPORTED_KEY = 'sk-ant-exported-4d5e6f7a8b9c0d1e2f3a';

  before(async () => {
    process.env.LLM_ROUTER_TEST_EXPORT_KEY = ENV_KEY;
    await configure({
      ...FAST_SETTINGS,
      'retry.maxAttempts': 1,
      providers: [
        { id: 'exported', kind: 'anthropic', baseUrl: emu.exported.baseUrl('anthropic'), model: 'claude-exported', priority: 1, headers: { Authorization: `Bearer ${EXPORTED_KEY}` } },
        { id: 'second', kind: 'openai', baseUrl: emu.second.baseUrl('openai'), model: 'gpt-second', apiKeyEnv: 'LLM_ROUTER_TEST_EXPORT_KEY', priority: 2 },
      ],
    });
    await storeKey('exported', EXPORTED_KEY);
  });
  beforeEach(freshState);
  after(async () => {
    delete process.env.LLM_ROUTER_TEST_EXPORT_KEY;
    await storeKey('exported', '');
  });

  it('is a frozen API of apiVersion, chat, providers and onDidChange, without the test-only door', async () => {
    const api = await productionExports();
    assert.ok(Object.isFrozen(api));
    assert.deepEqual(Reflect.ownKeys(api), ['apiVersion', 'chat', 'providers', 'onDidChange']);
    assert.equal(api.apiVersion, 1);
    assert.deepEqual(
      api.providers().map(({ id, kind, model, health, available }) => ({ id, kind, model, health, available })),
      [
        { id: 'exported', kind: 'anthropic', model: 'claude-exported', health: 'unknown', available: true },
        { id: 'second', kind: 'openai', model: 'gpt-second', health: 'unknown', available: true },
      ],
    );
    const result = await api.chat({ messages: [{ role: 'user', content: 'through the export' }] });
    assert.equal(result.provider, 'exported');
    assert.equal(header(emu.exported.requests[0].headers, 'x-api-key'), EXPORTED_KEY, 'the request went through the user’s routing with the user’s key');
  });

  it('fires onDidChange when a provider’s health changes, and providers() shows it', async () => {
    const host = await routerHost();
    const api = await productionExports();
    let fired = 0;
    const subscription = api.onDidChange(() => fired++);
    try {
      host.isolate('second');
      await waitFor('onDidChange to fire', () => fired > 0);
      assert.deepEqual(
        { ...api.providers()[1], reason: undefined },
        { id: 'second', kind: 'openai', model: 'gpt-second', health: 'isolated', reason: undefined, available: false },
      );
    } finally {
      subscription.dispose();
      host.restore('second');
    }
    const seen = fired;
    host.isolate('second');
    host.restore('second');
    assert.equal(fired, seen, 'a disposed listener hears nothing');
  });

  it('cancels chat() through its AbortSignal, rejecting with code cancelled', async () => {
    const api = await productionExports();
    emu.exported.enqueue({ type: 'hang' });
    const controller = new AbortController();
    const pending = api.chat({ messages: [{ role: 'user', content: 'never answered' }] }, { signal: controller.signal });
    await waitFor('the request to reach the provider', () => emu.exported.requests.length > 0);
    controller.abort();
    const err = await pending.then(() => undefined, (e: Error & { code?: string }) => e);
    assert.equal(err?.name, 'LlmRouterError');
    assert.equal(err?.code, 'cancelled');
  });

  it('reaches no key, SecretStorage, host or engine through any property, prototype, getter or function result', async () => {
    const host = await routerHost();
    const api = await productionExports();
    const internals = host as unknown as Record<string, unknown>;
    const keys = host.keys as unknown as Record<string, unknown>;
    // Private on purpose; the walk must prove none of it is reachable from the export.
    const engine = internals.engine as Record<string, unknown> & { config: RouterConfig };
    const forbidden = new Map<unknown, string>([
      [host, 'RouterHost'],
      [host.keys, 'KeyStore'],
      [keys.secrets, 'SecretStorage'],
      [keys.approval, 'EndpointApproval'],
      [engine, 'RouterEngine'],
      [engine.config, 'the engine config'],
      [engine.cache, 'the response cache'],
      [engine.metrics, 'the metrics registry'],
      [engine.costs, 'the cost accounting'],
      [engine.events, 'the engine events'],
      [host.log, 'the request log'],
      [internals.channel, 'the output channel'],
      ...engine.config.providers.map((p): [unknown, string] => [p, `provider config '${p.id}'`]),
    ]);
    let calls = 0;
    const argumentsFor: Record<string, unknown[][]> = {
      chat: [
        [{ messages: [{ role: 'user', content: 'walk the answer' }] }],
        [{ messages: [{ role: 'user', content: 'walk the failure' }] }],
        [{ messages: [], providerOptions: { apiKey: 'x' } }],
      ],
      onDidChange: [[() => undefined]],
    };
    const before = () => {
      // The second chat call fails everywhere, with bodies that echo the key.
      if (calls++ === 1) {
        emu.exported.enqueue({ type: 'status', status: 401, message: `invalid x-api-key ${EXPORTED_KEY}` });
        emu.second.enqueue({ type: 'status', status: 500, message: `upstream saw ${ENV_KEY}` });
      }
    };

    const reached = await walk(api, (fn, name) => (argumentsFor[name] ?? [[]]).map((args) => () => (name === 'chat' && before(), fn(...args))));

    const problems: string[] = [];
    for (const [value, where] of reached) {
      if (forbidden.has(value)) problems.push(`${where} is ${forbidden.get(value)}`);
      if (typeof value === 'string' && (value.includes(EXPORTED_KEY) || value.includes(ENV_KEY))) problems.push(`${where} holds a key`);
      if (isObject(value) && ['get', 'store', 'delete'].every((m) => typeof (value as Record<string, unknown>)[m] === 'function')) problems.push(`${where} looks like SecretStorage`);
      if (isObject(value) && typeof (value as Record<string, unknown>).updateConfig === 'function') problems.push(`${where} looks like the engine`);
    }
    assert.deepEqual(problems, []);
    // The walk is not vacuous: it saw an answer, a failure with its attempts, a rejected request and the health snapshot.
    const strings = [...reached.keys()].filter((v): v is string => typeof v === 'string');
    assert.ok(strings.some((s) => s.includes('Hello from exported')), 'the answer was walked');
    assert.ok(strings.includes('all_providers_failed') && strings.includes('auth') && strings.includes('server_error'), 'the failure and its attempts were walked');
    assert.ok(strings.includes('invalid_request'), 'the rejected request was walked');
    assert.ok(strings.includes('claude-exported') && strings.includes('gpt-second'), 'the providers snapshot was walked');
    assert.ok(emu.exported.requests.length >= 2 && emu.second.requests.length >= 1, 'the calls really went to the providers');
  });
});

function isObject(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

// The language's own prototypes: walking into them says nothing about what the extension exposes.
const BUILTINS = new Set<unknown>([Object.prototype, Function.prototype, Array.prototype, Error.prototype, Promise.prototype, String.prototype, Number.prototype, Boolean.prototype, Symbol.prototype]);

/**
 * Every value reachable from `root`, with the path it was found at: own properties (getters read),
 * prototypes, and what each function returns (or rejects with) for the calls `callsFor` makes.
 */
async function walk(root: unknown, callsFor: (fn: (...args: unknown[]) => unknown, name: string) => (() => unknown)[]): Promise<Map<unknown, string>> {
  const reached = new Map<unknown, string>();
  const queue: [unknown, string, string][] = [[root, 'exports', 'exports']];
  while (queue.length > 0) {
    const [value, where, name] = queue.shift() as [unknown, string, string];
    if (reached.has(value) || BUILTINS.has(value)) continue;
    reached.set(value, where);
    if (!isObject(value)) continue;
    for (const key of Reflect.ownKeys(value)) {
      const d = Object.getOwnPropertyDescriptor(value, key) as PropertyDescriptor;
      const child = d.get ? d.get.call(value) : d.value;
      queue.push([child, `${where}.${String(key)}`, String(key)]);
    }
    queue.push([Object.getPrototypeOf(value), `${where}.[[Prototype]]`, '[[Prototype]]']);
    if (typeof value === 'function') {
      for (const [i, call] of callsFor(value as (...args: unknown[]) => unknown, name).entries()) {
        let result: unknown;
        try {
          result = await call();
        } catch (err) {
          result = err;
        }
        queue.push([result, `${where}(#${i})`, `${name}()`]);
      }
    }
  }
  return reached;
}
