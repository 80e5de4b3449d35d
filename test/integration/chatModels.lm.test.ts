import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { click, hasBridge, keyboard, read, screenshot } from './support/bridge';
import { emulatorsFor } from './support/emulators';
import { configure, FAST_SETTINGS, freshState, routerHost, type ProviderEntry } from './support/router';
import { settlesWithin, waitFor } from './support/waitFor';

// Runs in a current VS Code (code-server 4.139, VS Code 1.139) beside test/integration/lmCaller, an installed extension
// that reaches LLM Router's models only through vscode.lm, as Copilot Chat does.
const CALLER_ID = 'llm-router-tests.lm-caller';
const PROMPTLY_MS = 5_000;

interface Part { type: 'text' | 'tool_call' | 'data' | 'other'; value?: string; callId?: string; name?: string; input?: unknown; mimeType?: string; text?: string }
interface Answer { parts: Part[]; ms: number; cancelled: boolean; error?: { name: string; message: string; code?: string } }
interface Turn { role: 'user' | 'assistant'; parts: Record<string, unknown>[] }
interface Caller {
  vscodeVersion: string;
  /** The caller's own model (vendor llm-router-tests, family echo): a stand-in for Copilot's models. */
  editorModel: { behaviour: 'answer' | 'blocked'; requests: { messages: { role: number; parts: Part[] }[]; tools: string[] }[] };
  models(selector: vscode.LanguageModelChatSelector): Promise<{ id: string; name: string; vendor: string; family: string; maxInputTokens: number }[]>;
  nextModelsChange(timeoutMs: number): Promise<void>;
  countTokens(selector: vscode.LanguageModelChatSelector, text: string): Promise<number>;
  ask(req: { selector: vscode.LanguageModelChatSelector; turns: Turn[]; tools?: unknown[]; toolMode?: number; cancelAfterParts?: number }): Promise<Answer>;
}

const WEATHER_TOOL = { name: 'get_weather', description: 'The weather in a city', inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
const userSays = (text: string): Turn => ({ role: 'user', parts: [{ text }] });
/** The usage part Copilot Chat reads by its shape: OpenAI usage JSON in a data part, last in the stream. */
const usageOf = (answer: Answer): Record<string, unknown> => {
  const last = answer.parts.at(-1);
  assert.equal(last?.type, 'data', `the stream ends with a usage data part: ${JSON.stringify(answer.parts)}`);
  assert.equal(last.mimeType, 'token_usage');
  return JSON.parse(last.text ?? '') as Record<string, unknown>;
};

describe('Chat models: LLM Router in VS Code’s language model API (as Copilot Chat uses it)', () => {
  const emu = emulatorsFor('primary', 'fallback', 'third');
  let caller: Caller;
  const providers = (): ProviderEntry[] => [
    { id: 'primary', kind: 'openai', model: 'gpt-4o-mini', baseUrl: emu.primary.baseUrl('openai'), priority: 1 },
    // The shipped price table has no window for Claude models; Anthropic documents 200K for Sonnet 4.5.
    { id: 'fallback', kind: 'anthropic', model: 'claude-sonnet-4-5', baseUrl: emu.fallback.baseUrl('anthropic'), priority: 2, contextWindow: 200_000 },
  ];

  before(async () => {
    const extension = vscode.extensions.getExtension<Caller>(CALLER_ID);
    if (!extension) throw new Error(`${CALLER_ID} is not installed in this window (runAll.mjs copies test/integration/lmCaller into its extensions folder)`);
    caller = await extension.activate();
    await configure({ ...FAST_SETTINGS, 'retry.maxAttempts': 1, providers: providers() });
    const host = await routerHost();
    for (const id of ['primary', 'fallback']) await host.keys.store(id, `sk-test-${id}`);
  });
  beforeEach(freshState);

  it('lists LLM Router · Auto and one model per provider under the vendor llm-router, with their windows', async () => {
    const models = await waitFor('the llm-router models', async () => {
      const found = await caller.models({ vendor: 'llm-router' });
      return found.length === 3 && found;
    });
    assert.deepEqual(models.map((m) => [m.id, m.name, m.vendor]).sort(), [
      ['auto', 'LLM Router · Auto', 'llm-router'],
      ['fallback', 'LLM Router · fallback', 'llm-router'],
      ['primary', 'LLM Router · primary', 'llm-router'],
    ]);
    // gpt-4o-mini: 128,000 tokens (shipped price table), claude-sonnet-4-5: 200,000 (its contextWindow); 16,384 of each kept for output.
    const byId = Object.fromEntries(models.map((m) => [m.id, m]));
    assert.equal(byId.primary.maxInputTokens, 128_000 - 16_384);
    assert.equal(byId.fallback.maxInputTokens, 200_000 - 16_384);
    assert.equal(byId.auto.maxInputTokens, 128_000 - 16_384, 'Auto promises the smallest window behind it');
    assert.equal(byId.primary.family, 'gpt-4o-mini');
    assert.equal(await caller.countTokens({ vendor: 'llm-router', id: 'auto' }, 'x'.repeat(300)), 100);
  });

  it('answers a request with a tool in text and tool-call parts from the fallback while the primary fails', async () => {
    emu.primary.enqueue({ type: 'status', status: 503 });
    emu.fallback.enqueue({ type: 'toolCall', text: 'Let me check.', calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] });
    const answer = await caller.ask({ selector: { vendor: 'llm-router', id: 'auto' }, turns: [userSays('Weather in Paris?')], tools: [WEATHER_TOOL] });
    assert.equal(answer.error, undefined, JSON.stringify(answer.error));
    assert.equal(answer.parts.filter((p) => p.type === 'text').map((p) => p.value).join(''), 'Let me check.');
    const calls = answer.parts.filter((p) => p.type === 'tool_call');
    assert.equal(calls.length, 1);
    assert.equal(calls[0].name, 'get_weather');
    assert.deepEqual(calls[0].input, { city: 'Paris' });
    assert.equal(emu.primary.requests.length, 1, 'the primary was asked first');
    const usage = usageOf(answer) as { prompt_tokens: number; completion_tokens: number; total_tokens: number; prompt_tokens_details: { cached_tokens: number } };
    assert.ok(usage.prompt_tokens > 0 && usage.completion_tokens > 0, JSON.stringify(usage));
    assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
    assert.equal(usage.prompt_tokens_details.cached_tokens, 0);
    const body = emu.fallback.requests[0].body as { tools: { name: string; input_schema: unknown }[] };
    assert.deepEqual(body.tools.map((t) => [t.name, t.input_schema]), [['get_weather', WEATHER_TOOL.inputSchema]]);
  });

  it('carries the tool call and its result of an earlier turn to the provider in its own format', async () => {
    const turns: Turn[] = [
      userSays('Weather in Paris?'),
      { role: 'assistant', parts: [{ callId: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } }] },
      { role: 'user', parts: [{ callId: 'toolu_01', result: '18 °C and sunny' }] },
    ];
    const answer = await caller.ask({ selector: { vendor: 'llm-router', id: 'fallback' }, turns, tools: [WEATHER_TOOL] });
    assert.equal(answer.error, undefined, JSON.stringify(answer.error));
    assert.equal(answer.parts.map((p) => p.value).join(''), 'Hello from fallback.');
    assert.equal(emu.primary.requests.length, 0, 'a provider’s own model never routes elsewhere');
    const body = emu.fallback.requests[0].body as { messages: { role: string; content: string | Record<string, unknown>[] }[] };
    assert.deepEqual(body.messages.slice(1), [
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: '18 °C and sunny' }] },
    ]);
  });

  it('sends an image data part to an OpenAI upstream as an image_url data URL', async () => {
    // A 1×1 PNG.
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    const answer = await caller.ask({ selector: { vendor: 'llm-router', id: 'primary' }, turns: [{ role: 'user', parts: [{ text: 'What is in this picture?' }, { mimeType: 'image/png', base64: png }] }] });
    assert.equal(answer.error, undefined, JSON.stringify(answer.error));
    const body = emu.primary.requests[0].body as { messages: { role: string; content: unknown }[] };
    assert.deepEqual(body.messages, [
      { role: 'user', content: [{ type: 'text', text: 'What is in this picture?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }] },
    ]);
  });

  it('fails a pinned model with the attempts when its provider fails, without asking another', async () => {
    emu.primary.enqueue({ type: 'status', status: 503 });
    const answer = await caller.ask({ selector: { vendor: 'llm-router', id: 'primary' }, turns: [userSays('hi')] });
    assert.ok(answer.error, 'the request failed');
    assert.match(answer.error.message, /primary/);
    assert.equal(emu.fallback.requests.length, 0);
  });

  it('stops the upstream stream when the caller cancels, and counts it against no provider', async function () {
    const [major, minor] = caller.vscodeVersion.split('.').map(Number);
    // VS Code before 1.127 does not forward a caller's cancellation to the provider (microsoft/vscode#277872).
    if (major === 1 && minor < 127) this.skip();
    // Each piece of the answer 3 s after the last: without the cancellation reaching the upstream, its connection stays open for 6 s more.
    emu.primary.enqueue({ type: 'slow', chunkDelayMs: 3_000 });
    const answer = await settlesWithin(
      caller.ask({ selector: { vendor: 'llm-router', id: 'auto' }, turns: [userSays('Tell me a long story.')], cancelAfterParts: 1 }),
      PROMPTLY_MS,
      'the cancelled request',
    );
    assert.equal(answer.cancelled, true);
    assert.equal(answer.parts.length, 1, 'nothing after the cancellation');
    await waitFor('the primary connection to close', () => emu.primary.openConnections() === 0, 2_000);
    assert.equal(emu.fallback.requests.length, 0, 'a cancelled request does not fall back');
    const primary = (await routerHost()).providers().find((p) => p.id === 'primary');
    assert.equal(primary?.breaker.consecutiveFailures, 0, 'a cancellation is not the provider failing');
  });

  it('updates the model list live when the providers change', async () => {
    const changed = caller.nextModelsChange(10_000);
    await configure({ providers: [...providers(), { id: 'third', kind: 'openai', model: 'gpt-4o-mini', baseUrl: emu.third.baseUrl('openai'), priority: 3, capabilities: { tools: false } }] });
    await changed;
    const ids = (await caller.models({ vendor: 'llm-router' })).map((m) => m.id).sort();
    assert.deepEqual(ids, ['auto', 'fallback', 'primary', 'third']);
    await configure({ providers: providers() });
  });

  describe('a vscode-lm provider: the editor’s own models as a tier', () => {
    const withEditorModel = (): ProviderEntry[] => [
      { id: 'editor', kind: 'vscode-lm', vendor: 'llm-router-tests', model: 'echo', priority: 0 },
      ...providers(),
    ];
    before(() => configure({ providers: withEditorModel() }));
    after(() => configure({ providers: providers() }));
    beforeEach(() => {
      caller.editorModel.behaviour = 'answer';
      caller.editorModel.requests.length = 0;
    });

    it('answers Auto from the editor’s model through vscode.lm, with the tools passed on', async () => {
      const answer = await caller.ask({ selector: { vendor: 'llm-router', id: 'auto' }, turns: [userSays('hi')], tools: [WEATHER_TOOL] });
      assert.equal(answer.error, undefined, JSON.stringify(answer.error));
      assert.equal(answer.parts.map((p) => p.value).join(''), 'Hello from the editor model.');
      // The editor model's own usage part, read by the engine and handed on as ours.
      assert.deepEqual(usageOf(answer), { prompt_tokens: 21, completion_tokens: 7, total_tokens: 28, prompt_tokens_details: { cached_tokens: 16 } });
      assert.equal(caller.editorModel.requests.length, 1);
      assert.deepEqual(caller.editorModel.requests[0].tools, ['get_weather']);
      assert.deepEqual(caller.editorModel.requests[0].messages.map((m) => m.parts.map((p) => p.value)), [['hi']]);
      assert.equal(emu.primary.requests.length + emu.fallback.requests.length, 0);
    });

    it('falls back to the providers with keys when the editor’s model refuses (LanguageModelError Blocked)', async () => {
      caller.editorModel.behaviour = 'blocked';
      const answer = await caller.ask({ selector: { vendor: 'llm-router', id: 'auto' }, turns: [userSays('hi')] });
      assert.equal(answer.error, undefined, JSON.stringify(answer.error));
      assert.equal(answer.parts.map((p) => p.value).join(''), 'Hello from primary.');
      const editor = (await routerHost()).providers().find((p) => p.id === 'editor');
      assert.equal(editor?.breaker.consecutiveFailures, 1, 'Blocked counts against the editor’s model (quota_exceeded)');
    });

    it('refuses a vscode-lm provider of vendor llm-router (it would loop) and keeps the last valid settings', async () => {
      const host = await routerHost();
      const looping = [{ id: 'loop', kind: 'vscode-lm', vendor: 'llm-router', model: 'auto' }, ...withEditorModel()];
      await vscode.workspace.getConfiguration('llmRouter').update('providers', looping, vscode.ConfigurationTarget.Global);
      const problem = await waitFor('the settings to be refused', () => host.configProblem);
      assert.equal(problem.path, "llmRouter.providers['loop'].vendor");
      assert.match(problem.message, /loop back/);
      assert.deepEqual(host.config.providers.map((p) => p.id), ['editor', 'primary', 'fallback']);
      await configure({ providers: withEditorModel() });
      await vscode.commands.executeCommand('notifications.clearAll');
    });
  });

  it('shows the models in the chat view’s model picker and in the Language Models view', async function () {
    if (!hasBridge()) this.skip();
    this.timeout(60_000);
    await vscode.commands.executeCommand('workbench.action.chat.open');
    const picker = { selector: '.interactive-input-part .action-item', hasText: 'LLM Router', timeoutMs: 15_000 };
    await read(picker);
    await click(picker);
    // The picker shows a few models first and the rest under "Other Models".
    await read({ selector: '.action-widget .monaco-list-row', hasText: 'LLM Router · Auto', timeoutMs: 10_000 });
    await screenshot('chat-model-picker');
    await keyboard({ press: 'Escape' });
    await vscode.commands.executeCommand('workbench.action.chat.manage');
    await read({ selector: '.monaco-list-row, .monaco-table-tr', hasText: 'LLM Router · fallback', timeoutMs: 10_000 });
    await screenshot('language-models-view');
  });
});
