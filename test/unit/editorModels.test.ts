import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseConfig } from '../../src/engine/config/loadConfig';
import { RouterEngine } from '../../src/engine/engine';
import { ConfigError, ProviderError } from '../../src/engine/errors';
import type { EditorModelChat } from '../../src/engine/providers/editorModels';
import type { ChatRequest } from '../../src/engine/types';
import { editorModelError } from '../../src/extension/lm/editorModelErrors';
import { toOutgoingMessages } from '../../src/extension/lm/lmMessages';
import { startEmulator, type Emulator } from '../emulator/server';
import { CLI_PATH, runCli } from '../support/runCli';

// Kind vscode-lm: the editor's own models (Copilot's) as a tier. The engine reaches them only through the client
// the host gives it; here a stand-in for vscode.lm plays the editor, the HTTP provider is the real emulator.
const FAST = { retry: { maxAttempts: 1 }, cache: { enabled: false } };
const ask: ChatRequest = { messages: [{ role: 'user', content: 'hi' }], stream: true };

describe('vscode-lm providers: the editor’s own models as a tier', () => {
  let emu: Emulator;
  let stateDir: string;
  const engines: RouterEngine[] = [];
  beforeEach(async () => {
    emu = await startEmulator({ name: 'backup', reply: 'Hello from backup.' });
    stateDir = await mkdtemp(path.join(tmpdir(), 'llm-router-editor-'));
  });
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.close()));
    await emu.close();
    await rm(stateDir, { recursive: true, force: true });
  });
  const engine = (editorModels?: EditorModelChat, extra: Record<string, unknown> = {}) => {
    const config = parseConfig({
      ...FAST,
      ...extra,
      providers: [
        { id: 'copilot', kind: 'vscode-lm', model: 'gpt-4o', priority: 1 },
        { id: 'backup', kind: 'openai-compatible', baseUrl: emu.baseUrl('openai-compatible'), model: 'm', priority: 2 },
      ],
    }).config;
    const e = new RouterEngine({ config, stateDir, editorModels, resolveKey: () => 'sk-test', backgroundProbes: extra.probes !== undefined });
    engines.push(e);
    return e;
  };

  it('sends the request to the editor’s model first and streams its text and tool calls', async () => {
    const seen: { family: string; vendor?: string; req: ChatRequest }[] = [];
    const e = engine(async (p, req, opts) => {
      seen.push({ family: p.model, vendor: p.vendor, req });
      opts.onText?.('Hi ');
      opts.onText?.('there.');
      opts.onToolCall?.({ id: 'c1', name: 'lookup', arguments: { q: 'x' } });
      return { text: 'Hi there.', toolCalls: [{ id: 'c1', name: 'lookup', arguments: { q: 'x' } }], reasoning: [], model: 'gpt-4o', usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0 }, finishReason: 'tool_calls', latencyMs: 1, headers: {}, status: 200 };
    });
    const deltas: string[] = [];
    const calls: string[] = [];
    const res = await e.chat(ask, { onText: (d) => deltas.push(d), onToolCall: (c) => calls.push(c.name) });
    assert.equal(res.provider, 'copilot');
    assert.equal(deltas.join(''), 'Hi there.');
    assert.deepEqual(calls, ['lookup']);
    assert.deepEqual(seen.map((s) => [s.family, s.vendor]), [['gpt-4o', undefined]]);
    assert.equal(emu.requests.length, 0);
  });

  it('falls back to the next provider when the editor refuses (LanguageModelError Blocked), and the breaker counts it', async () => {
    const blocked = Object.assign(new Error('Rate limit exceeded'), { code: 'Blocked' });
    const e = engine(async (p) => {
      throw editorModelError(p.id, blocked);
    });
    const res = await e.chat(ask);
    assert.equal(res.provider, 'backup');
    assert.deepEqual(res.attempts.map((a) => [a.provider, a.outcome, a.errorClass]), [['copilot', 'error', 'quota_exceeded'], ['backup', 'ok', undefined]]);
    assert.equal(e.providers().find((p) => p.id === 'copilot')?.breaker.consecutiveFailures, 1);
  });

  it('outside the editor (no client) skips the provider with a message that says why, without blaming it', async () => {
    const e = engine(undefined);
    const res = await e.chat(ask);
    assert.equal(res.provider, 'backup');
    assert.equal(res.attempts[0].errorClass, 'bad_request');
    assert.match(res.attempts[0].message ?? '', /only inside VS Code/);
    assert.equal(e.providers().find((p) => p.id === 'copilot')?.breaker.consecutiveFailures, 0);
  });

  it('is never asked for during background probes (it has no token-free request), while the others are probed', async () => {
    let asked = 0;
    const e = engine(
      async () => {
        asked++;
        throw new Error('unexpected');
      },
      { probes: { intervalMs: 20, whenIdle: true } },
    );
    await e.ready();
    const deadline = Date.now() + 3_000;
    while (emu.requests.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(emu.requests.length >= 2, 'the HTTP provider was probed');
    assert.equal(asked, 0);
  });

  it('maps LanguageModelError codes to error classes, naming the provider and the code', () => {
    const cases: [string | undefined, string][] = [['NoPermissions', 'auth'], ['Blocked', 'quota_exceeded'], ['NotFound', 'not_found'], [undefined, 'server_error']];
    for (const [code, errorClass] of cases) {
      const err = editorModelError('copilot', Object.assign(new Error('refused'), code ? { code } : {}));
      assert.ok(err instanceof ProviderError);
      assert.equal(err.errorClass, errorClass, String(code));
      assert.match(err.message, /^Provider 'copilot': refused/);
    }
  });

  it('refuses vendor llm-router in the settings: it would loop back into the router', () => {
    assert.throws(
      () => parseConfig({ providers: [{ id: 'loop', kind: 'vscode-lm', model: 'auto', vendor: 'llm-router' }] }),
      (err: unknown) => err instanceof ConfigError && err.message.includes("providers['loop'].vendor") && /loop back/.test(err.message),
    );
  });

  it('turns the engine request into VS Code messages: system first, tool results in a user turn', () => {
    const out = toOutgoingMessages({
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [{ type: 'tool_call', id: 'c1', name: 'get_weather', arguments: { city: 'Paris' } }] },
        { role: 'tool', content: [{ type: 'tool_result', callId: 'c1', content: '18 °C' }] },
      ],
    });
    assert.deepEqual(out, [
      { role: 'user', parts: [{ kind: 'text', text: 'Be brief.' }] },
      { role: 'user', parts: [{ kind: 'text', text: 'Weather?' }] },
      { role: 'assistant', parts: [{ kind: 'tool_call', callId: 'c1', name: 'get_weather', input: { city: 'Paris' } }] },
      { role: 'user', parts: [{ kind: 'tool_result', callId: 'c1', text: '18 °C' }] },
    ]);
  });

  it('the CLI says a vscode-lm provider is editor-only and answers from the next one', async function () {
    if (!existsSync(CLI_PATH)) this.skip();
    const cfg = path.join(stateDir, 'cfg.json');
    await writeFile(cfg, JSON.stringify({ ...FAST, providers: [{ id: 'copilot', kind: 'vscode-lm', model: 'gpt-4o' }, { id: 'backup', kind: 'openai-compatible', baseUrl: emu.baseUrl('openai-compatible'), model: 'm' }] }));
    const run = await runCli(['ask', '--config', cfg, '--state-dir', stateDir, 'hi']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /provider 'copilot' is of kind 'vscode-lm'.*only the VS Code extension can use it/);
    assert.match(run.stdout, /Hello from backup\./);
  });
});
