import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { costOf } from '../../src/engine/cost/costMath';
import { priceFor } from '../../src/engine/cost/priceTable';
import { openaiCompatibleAdapter } from '../../src/engine/providers/openai';
import type { ChatMessage, ChatRequest, ToolDefinition } from '../../src/engine/types';
import { startEmulator, type Emulator } from '../emulator/server';
import { startHarness, type Harness } from '../support/engineHarness';
import { CLI_PATH, runCli } from '../support/runCli';
import { startGatewayHarness, type GatewayHarness } from './gatewayHarness';

// Anthropic: platform.claude.com/docs/en/build-with-claude/prompt-caching; OpenAI:
// developers.openai.com/api/docs/guides/prompt-caching (both read 2026-12-03).

/** About 2,000 tokens by any count: past every model's minimum but Haiku 4.5's 4,096. */
const LONG_SYSTEM = `You review TypeScript. ${'Prefer small pure functions and name things for what they do. '.repeat(100)}`;
/** About 1,100 tokens at the router's 3 characters a token: past Sonnet's 1,024, short of Haiku 4.5's 4,096. */
const MEDIUM_SYSTEM = 'x'.repeat(3_400);
const TOOLS: ToolDefinition[] = [
  { name: 'read_file', description: 'Reads a file', parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } },
  { name: 'search', description: 'Searches the workspace', parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } },
];

type Json = Record<string, unknown>;
const blocks = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

/** Every block of a recorded Messages body that carries cache_control, named by where it sits. */
function breakpointsOf(body: unknown): string[] {
  const b = body as Json;
  const out: string[] = [];
  if (b.cache_control) out.push('top-level');
  blocks(b.tools).forEach((t, i) => t.cache_control && out.push(`tools[${i}]`));
  blocks(b.system).forEach((s, i) => s.cache_control && out.push(`system[${i}]`));
  blocks(b.messages).forEach((m, i) => blocks(m.content).forEach((c, j) => c.cache_control && out.push(`messages[${i}].content[${j}]`)));
  return out;
}

/** A conversation of `turns` user turns, each answered but the last. */
function conversation(turns: number, opening = 'Look at src/app.ts please.'): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: 'user', content: opening }];
  for (let i = 1; i < turns; i++) messages.push({ role: 'assistant', content: `Answer ${i}.` }, { role: 'user', content: `Follow-up question ${i}.` });
  return messages;
}

describe('prompt caching: Anthropic cache_control breakpoints over HTTP', () => {
  let h: Harness;
  const claude = (extra: Json = {}) => ({ id: 'claude', kind: 'anthropic' as const, extra: { model: 'claude-sonnet-4-5', ...extra } });
  const sent = (n = -1) => h.emulators.claude.requests.at(n)?.body;

  afterEach(async () => {
    await h?.close();
  });

  it('marks the last tool, the system prompt and the newest user turn of a first request', async () => {
    h = await startHarness([claude()], { cache: { enabled: false } });
    await h.engine.chat({ system: LONG_SYSTEM, tools: TOOLS, messages: conversation(1) });
    // The tools alone are a few hundred characters, below the minimum, so they get no breakpoint of their own.
    assert.deepEqual(breakpointsOf(sent()), ['system[0]', 'messages[0].content[0]']);
    assert.deepEqual(blocks((sent() as Json).system)[0], { type: 'text', text: LONG_SYSTEM, cache_control: { type: 'ephemeral' } });
  });

  it('uses at most four breakpoints: tools, system, the previous user turn and the newest one', async () => {
    h = await startHarness([claude()], { cache: { enabled: false } });
    const manyTools = Array.from({ length: 40 }, (_, i) => ({ ...TOOLS[0], name: `tool_${i}`, description: `Tool number ${i} reads one kind of file from the workspace.` }));
    await h.engine.chat({ system: LONG_SYSTEM, tools: manyTools, messages: conversation(4) });
    assert.deepEqual(breakpointsOf(sent()), ['tools[39]', 'system[0]', 'messages[4].content[0]', 'messages[6].content[0]']);
  });

  it('places none where the prefix is shorter than the model minimum: Sonnet 1,024 tokens, Haiku 4.5 4,096', async () => {
    h = await startHarness([claude({ priority: 1 }), { id: 'haiku', kind: 'anthropic', extra: { model: 'claude-haiku-4-5', priority: 2 } }], { cache: { enabled: false } });
    await h.engine.chat({ system: 'Be terse.', messages: conversation(3) });
    assert.deepEqual(breakpointsOf(sent()), [], 'a short prompt asks for no caching');
    await h.engine.chat({ system: MEDIUM_SYSTEM, messages: conversation(1) });
    assert.deepEqual(breakpointsOf(sent()), ['system[0]', 'messages[0].content[0]'], 'past Sonnet’s minimum');
    await h.engine.chat({ system: MEDIUM_SYSTEM, messages: conversation(1) }, { onlyProviders: ['haiku'] });
    assert.deepEqual(breakpointsOf(h.emulators.haiku.requests.at(-1)?.body), [], 'short of Haiku 4.5’s minimum');
    assert.equal(typeof (h.emulators.haiku.requests.at(-1)?.body as Json).system, 'string', 'the body is left as it was');
  });

  it('places none with promptCaching: false, or when providerOptions already ask for caching', async () => {
    h = await startHarness([claude({ promptCaching: false })], { cache: { enabled: false } });
    await h.engine.chat({ system: LONG_SYSTEM, messages: conversation(2) });
    assert.deepEqual(breakpointsOf(sent()), []);
    await h.close();

    h = await startHarness([claude()], { cache: { enabled: false } });
    await h.engine.chat({ system: LONG_SYSTEM, messages: conversation(2), providerOptions: { cache_control: { type: 'ephemeral' } } });
    assert.deepEqual(breakpointsOf(sent()), ['top-level'], "the caller's automatic caching alone");
    const ownTools = [{ name: 'read_file', input_schema: { type: 'object' }, cache_control: { type: 'ephemeral', ttl: '1h' } }];
    await h.engine.chat({ system: LONG_SYSTEM, messages: conversation(2), providerOptions: { tools: ownTools } });
    assert.deepEqual(breakpointsOf(sent()), ['tools[0]'], "the caller's own breakpoint alone");
  });

  it('writes the prefix on the first turn and reads it on the next, billed at 1.25x and 0.1x the input price', async () => {
    h = await startHarness([claude()], { cache: { enabled: false } });
    const first = await h.engine.chat({ system: LONG_SYSTEM, messages: conversation(1) });
    assert.equal(first.usage.cachedInputTokens, 0);
    assert.ok(first.usage.cacheWriteTokens > 1_024, `wrote ${first.usage.cacheWriteTokens}`);
    assert.ok(first.usage.inputTokens >= first.usage.cacheWriteTokens, 'input includes the writes');

    const second = await h.engine.chat({ system: LONG_SYSTEM, messages: [...conversation(1), { role: 'assistant', content: first.text }, { role: 'user', content: 'And the tests?' }] });
    assert.equal(second.usage.cachedInputTokens, first.usage.cacheWriteTokens, 'the whole first prompt is read back');
    assert.ok(second.usage.cacheWriteTokens > 0 && second.usage.cacheWriteTokens < 50, 'only the new turns are written');

    // claude-sonnet-4-5: input $3, cache reads $0.30, 5-minute cache writes $3.75, output $15 per million.
    const price = priceFor({ kind: 'anthropic', model: 'claude-sonnet-4-5' })!.price;
    assert.equal(price.cacheWritePerMillion, 3.75);
    assert.equal(price.cachedInputPerMillion, 0.3);
    for (const r of [first, second]) {
      const { inputTokens, cachedInputTokens: reads, cacheWriteTokens: writes, outputTokens } = r.usage;
      const expected = ((inputTokens - reads - writes) * 3 + reads * 0.3 + writes * 3.75 + outputTokens * 15) / 1e6;
      assert.ok(Math.abs((r.costUsd ?? -1) - expected) < 1e-12, `${r.costUsd} = ${expected}`);
    }
    assert.ok(second.costUsd! < first.costUsd!, 'the second turn is cheaper although it is longer');
  });

  it('reports cache reads for a streamed answer too', async () => {
    h = await startHarness([claude()], { cache: { enabled: false } });
    await h.engine.chat({ system: LONG_SYSTEM, messages: conversation(1), stream: true }, { onText: () => undefined });
    const again = await h.engine.chat({ system: LONG_SYSTEM, messages: conversation(1), stream: true }, { onText: () => undefined });
    assert.ok(again.usage.cachedInputTokens > 1_024, `read ${again.usage.cachedInputTokens}`);
    assert.equal(again.usage.cacheWriteTokens, 0);
  });
});

describe('prompt caching: OpenAI prompt_cache_key over HTTP', () => {
  let h: Harness;
  const keyOf = (n = -1) => (h.emulators.gpt.requests.at(n)?.body as Json).prompt_cache_key;

  afterEach(async () => {
    await h?.close();
  });

  it('sends one key for every turn of a conversation and another for another conversation, with no prompt text in it', async () => {
    h = await startHarness([{ id: 'gpt', kind: 'openai', extra: { model: 'gpt-4o-mini' } }], { cache: { enabled: false } });
    const req = (turns: number, opening?: string): ChatRequest => ({ system: LONG_SYSTEM, tools: TOOLS, messages: conversation(turns, opening) });
    await h.engine.chat(req(1));
    await h.engine.chat(req(2));
    await h.engine.chat(req(5));
    const keys = [keyOf(0), keyOf(1), keyOf(2)];
    assert.match(String(keys[0]), /^llm-router-[0-9a-f]{32}$/);
    assert.deepEqual(new Set(keys).size, 1, 'stable across turns');
    await h.engine.chat(req(2, 'Look at src/other.ts please.'));
    assert.notEqual(keyOf(), keys[0], 'another conversation');
    await h.engine.chat({ ...req(2), system: 'Another assistant.' });
    assert.notEqual(keyOf(), keys[0], 'another system prompt');
    for (const word of ['TypeScript', 'app.ts', 'sk-test-key']) assert.ok(!String(keys[0]).includes(word));
  });

  it('reads cached_tokens back when the key repeats with a shared prefix', async () => {
    h = await startHarness([{ id: 'gpt', kind: 'openai', extra: { model: 'gpt-4o-mini' } }], { cache: { enabled: false } });
    const first = await h.engine.chat({ system: LONG_SYSTEM, messages: conversation(1) });
    const second = await h.engine.chat({ system: LONG_SYSTEM, messages: conversation(2) });
    assert.equal(first.usage.cachedInputTokens, 0);
    assert.ok(second.usage.cachedInputTokens >= 1_024 && second.usage.cachedInputTokens % 128 === 0, `read ${second.usage.cachedInputTokens}`);
    assert.ok(second.usage.inputTokens > second.usage.cachedInputTokens, 'prompt_tokens includes the cached ones');
    assert.equal(second.usage.cacheWriteTokens, 0, 'OpenAI reports no writes');
    // gpt-4o-mini: input $0.15, cached input $0.075, output $0.60 per million; writes cost nothing extra.
    const { inputTokens, cachedInputTokens, outputTokens } = second.usage;
    assert.ok(Math.abs(second.costUsd! - ((inputTokens - cachedInputTokens) * 0.15 + cachedInputTokens * 0.075 + outputTokens * 0.6) / 1e6) < 1e-12, `cost ${second.costUsd}`);
  });

  it('sends no key with promptCaching: false, nor to an OpenAI-compatible server that is not OpenAI', async () => {
    h = await startHarness([{ id: 'gpt', kind: 'openai', extra: { promptCaching: false } }], { cache: { enabled: false } });
    await h.engine.chat({ system: LONG_SYSTEM, messages: conversation(1) });
    assert.equal(keyOf(), undefined);
    const request: ChatRequest = { system: LONG_SYSTEM, messages: conversation(1) };
    const groq = openaiCompatibleAdapter.buildRequest(request, { id: 'groq', kind: 'openai-compatible', baseUrl: 'https://api.groq.com/openai/v1', model: 'llama-3.3-70b-versatile' }, false);
    assert.equal((groq.body as Json).prompt_cache_key, undefined);
    const openai = openaiCompatibleAdapter.buildRequest(request, { id: 'oa', kind: 'openai-compatible', baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini' }, false);
    assert.match(String((openai.body as Json).prompt_cache_key), /^llm-router-/);
  });

  it("reads DeepSeek's prompt_cache_hit_tokens as cache reads inside inputTokens", () => {
    const body = { model: 'deepseek-v4-flash', choices: [{ message: { content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3_000, completion_tokens: 5, prompt_cache_hit_tokens: 2_816, prompt_cache_miss_tokens: 184 } };
    const parsed = openaiCompatibleAdapter.parseCompletion(body, { id: 'deepseek', kind: 'openai-compatible', baseUrl: 'https://api.deepseek.com', model: 'deepseek-v4-flash' });
    assert.deepEqual(parsed.usage, { inputTokens: 3_000, outputTokens: 5, cachedInputTokens: 2_816 });
  });

  it('sends no key with a prompt shorter than the 1,024 tokens OpenAI caches', async () => {
    h = await startHarness([{ id: 'gpt', kind: 'openai', extra: { model: 'gpt-4o-mini' } }], { cache: { enabled: false } });
    await h.engine.chat({ system: 'Be brief.', messages: conversation(1) });
    assert.equal(keyOf(), undefined);
    await h.engine.chat({ system: LONG_SYSTEM, messages: conversation(1) });
    assert.match(String(keyOf()), /^llm-router-/);
  });

  it("lets providerOptions set the key the caller wants", async () => {
    h = await startHarness([{ id: 'gpt', kind: 'openai' }], { cache: { enabled: false } });
    await h.engine.chat({ messages: conversation(1), providerOptions: { prompt_cache_key: 'session-42' } });
    assert.equal(keyOf(), 'session-42');
  });
});

describe('prompt caching: the share of input served from provider caches, and what it saved', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('adds reads, writes, share and saved money to the metrics overall and per provider', async () => {
    h = await startHarness([{ id: 'claude', kind: 'anthropic', extra: { model: 'claude-sonnet-4-5' } }], { cache: { enabled: false } });
    const a = await h.engine.chat({ system: LONG_SYSTEM, messages: conversation(1) });
    const b = await h.engine.chat({ system: LONG_SYSTEM, messages: conversation(1) });
    const stats = await h.engine.stats('5m');
    const pc = stats.metrics.providers.claude.providerCache;
    assert.equal(pc.inputTokens, a.usage.inputTokens + b.usage.inputTokens);
    assert.equal(pc.cachedInputTokens, b.usage.cachedInputTokens);
    assert.equal(pc.cacheWriteTokens, a.usage.cacheWriteTokens);
    assert.equal(pc.share, pc.cachedInputTokens / pc.inputTokens);
    // Saved: reads x ($3 - $0.30); the write premium: writes x ($3.75 - $3).
    assert.ok(Math.abs(pc.savedUsd - (b.usage.cachedInputTokens * 2.7) / 1e6) < 1e-12, `saved ${pc.savedUsd}`);
    assert.ok(Math.abs(pc.writePremiumUsd - (a.usage.cacheWriteTokens * 0.75) / 1e6) < 1e-12, `premium ${pc.writePremiumUsd}`);
    assert.ok(Math.abs(pc.netSavedUsd - (pc.savedUsd - pc.writePremiumUsd)) < 1e-15, `net ${pc.netSavedUsd}`);
    assert.deepEqual(stats.metrics.total.providerCache, pc, 'one provider: the total is that provider');
  });
});

describe('prompt caching: stats --json and stats (dist/cli.js)', function () {
  this.timeout(30_000);
  let emu: Emulator;
  let dir: string;

  before(function () {
    if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run 'npm run build' first (npm test does).`);
  });
  beforeEach(async () => {
    emu = await startEmulator({ name: 'claude' });
    dir = await mkdtemp(path.join(tmpdir(), 'llm-router-pcache-'));
  });
  afterEach(async () => {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('shows the share of input served from provider caches and the money saved, overall and per provider', async () => {
    const config = path.join(dir, 'cfg.json');
    const providers = [{ id: 'claude', kind: 'anthropic', baseUrl: emu.baseUrl('anthropic'), model: 'claude-sonnet-4-5', apiKeyEnv: 'TEST_PROVIDER_KEY' }];
    await writeFile(config, JSON.stringify({ providers, cache: { enabled: false } }));
    const common = ['--config', config, '--state-dir', path.join(dir, 'state')];
    const env = { TEST_PROVIDER_KEY: 'sk-ant-pcache-0123456789' };
    for (let i = 0; i < 2; i++) {
      const run = await runCli(['ask', ...common, '--system', LONG_SYSTEM, '--json', 'Look at src/app.ts please.'], { env });
      assert.equal(run.code, 0, run.stderr);
    }
    const json = await runCli(['stats', ...common, '--json'], { env });
    assert.equal(json.code, 0, json.stderr);
    const stats = JSON.parse(json.stdout) as { metrics: { total: { providerCache: Json }; providers: Record<string, { providerCache: Json }> } };
    const pc = stats.metrics.providers.claude.providerCache;
    assert.ok((pc.cachedInputTokens as number) > 1_024 && (pc.cacheWriteTokens as number) > 1_024, JSON.stringify(pc));
    // The newest turn carries a breakpoint, so the first ask writes its whole prompt and the second reads all of it back.
    assert.equal(pc.share, 0.5);
    assert.equal(pc.cachedInputTokens, pc.cacheWriteTokens);
    assert.ok((pc.savedUsd as number) > 0 && (pc.netSavedUsd as number) > 0, JSON.stringify(pc));
    assert.deepEqual(stats.metrics.total.providerCache, pc);
    const text = await runCli(['stats', ...common], { env });
    assert.match(text.stdout, /\n  cache reads 50\.0 % of input read from the provider's cache \(\d+ read, \d+ written\), saved \$0\.\d+, net of the write premium \$0\.\d+\n/);
    assert.match(text.stdout, /\nprovider prompt caches: 50\.0 % of input/);
  });
});

describe('prompt caching: the gateway reports cache usage in the Anthropic shape', () => {
  let g: GatewayHarness | undefined;
  afterEach(async () => {
    await g?.close();
    g = undefined;
  });

  it('puts writes in cache_creation_input_tokens and reads in cache_read_input_tokens, both outside input_tokens', async () => {
    g = await startGatewayHarness([{ id: 'claude', kind: 'anthropic', extra: { model: 'claude-sonnet-4-5' } }]);
    const ask = { model: 'auto', max_tokens: 256, system: LONG_SYSTEM, messages: [{ role: 'user' as const, content: 'Look at src/app.ts please.' }] };
    const first = await g.anthropic().messages.create(ask);
    const second = await g.anthropic().messages.create(ask);
    assert.ok((first.usage.cache_creation_input_tokens ?? 0) > 1_024, JSON.stringify(first.usage));
    assert.equal(first.usage.cache_read_input_tokens, 0);
    assert.equal(second.usage.cache_read_input_tokens, first.usage.cache_creation_input_tokens);
    assert.equal(second.usage.cache_creation_input_tokens, 0);
    assert.ok(first.usage.input_tokens >= 0 && first.usage.input_tokens < 50, `only the unmarked rest: ${first.usage.input_tokens}`);
  });
});

describe('prompt caching: the emulator caches as the providers document', () => {
  let emu: Emulator;
  beforeEach(async () => {
    emu = await startEmulator({ name: 'caches' });
  });
  afterEach(async () => {
    await emu.close();
  });

  async function post(path: string, body: unknown): Promise<Json> {
    const res = await fetch(`${emu.origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return ((await res.json()) as { usage: Json }).usage;
  }
  const marked = (text: string) => ({ type: 'text', text, cache_control: { type: 'ephemeral' } });

  it('Anthropic: writes at a breakpoint, reads it back later, also from a breakpoint a few blocks further on', async () => {
    const system = [marked(LONG_SYSTEM)];
    const first = await post('/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 10, system, messages: [{ role: 'user', content: 'One' }] });
    assert.equal(first.cache_read_input_tokens, 0);
    assert.ok((first.cache_creation_input_tokens as number) > 1_024, String(first.cache_creation_input_tokens));
    const turns = [{ role: 'user', content: 'One' }, { role: 'assistant', content: 'Two' }, { role: 'user', content: [marked('Three')] }];
    const later = await post('/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 10, system: [{ type: 'text', text: LONG_SYSTEM }], messages: turns });
    assert.equal(later.cache_read_input_tokens, first.cache_creation_input_tokens, 'found by looking back from the last breakpoint');
    assert.ok((later.cache_creation_input_tokens as number) > 0 && (later.cache_creation_input_tokens as number) < 50, `only the new turns are written: ${String(later.cache_creation_input_tokens)}`);
    const otherModel = await post('/v1/messages', { model: 'claude-opus-4-1', max_tokens: 10, system, messages: [{ role: 'user', content: 'One' }] });
    assert.equal(otherModel.cache_read_input_tokens, 0, 'caches are per model');
  });

  it('Anthropic: caches nothing below 1,024 tokens or without cache_control', async () => {
    const short = { model: 'claude-sonnet-4-5', max_tokens: 10, system: [marked('Be terse.')], messages: [{ role: 'user', content: 'Hi' }] };
    await post('/v1/messages', short);
    assert.deepEqual([(await post('/v1/messages', short)).cache_read_input_tokens, (await post('/v1/messages', short)).cache_creation_input_tokens], [0, 0]);
    const unmarked = { model: 'claude-sonnet-4-5', max_tokens: 10, system: LONG_SYSTEM, messages: [{ role: 'user', content: 'Hi' }] };
    await post('/v1/messages', unmarked);
    assert.equal((await post('/v1/messages', unmarked)).cache_read_input_tokens, 0);
  });

  it('OpenAI: reports cached_tokens in 128-token steps when a prompt_cache_key repeats with a shared prefix', async () => {
    const ask = (key: string, last: string) => post('/v1/chat/completions', { model: 'gpt-4o-mini', prompt_cache_key: key, messages: [{ role: 'system', content: LONG_SYSTEM }, { role: 'user', content: last }] });
    assert.equal(((await ask('k1', 'first')).prompt_tokens_details as Json).cached_tokens, 0);
    const again = (await ask('k1', 'second')).prompt_tokens_details as Json;
    assert.ok((again.cached_tokens as number) >= 1_024 && (again.cached_tokens as number) % 128 === 0, String(again.cached_tokens));
    assert.equal(((await ask('k2', 'second')).prompt_tokens_details as Json).cached_tokens, 0, 'another key');
  });
});

describe('prompt caching: cost arithmetic', () => {
  it('bills uncached input, cache reads and cache writes each at their price (a worked Sonnet 4.5 example)', () => {
    const price = priceFor({ kind: 'anthropic', model: 'claude-sonnet-4-5' })!.price;
    // 2,000 uncached x $3 + 6,000 read x $0.30 + 2,000 written x $3.75 + 500 out x $15 = $0.0228
    assert.equal(costOf({ inputTokens: 10_000, cachedInputTokens: 6_000, cacheWriteTokens: 2_000, outputTokens: 500 }, price), 0.0228);
  });
});
