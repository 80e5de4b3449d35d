import assert from 'node:assert/strict';
import OpenAI from 'openai';
import type { ProviderKind } from '../../src/engine/types';
import { type GatewayHarness, rejectionOf, startGatewayHarness } from './gatewayHarness';

const KINDS: ProviderKind[] = ['openai', 'anthropic', 'gemini', 'cohere', 'ollama'];
const hello = [{ role: 'user' as const, content: 'Say hello' }];

describe('gateway: OpenAI Chat Completions with the official openai client', () => {
  let h: GatewayHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('answers a non-streamed completion with text, usage, finish_reason and the routing headers', async () => {
    h = await startGatewayHarness([{ id: 'primary' }, { id: 'backup', kind: 'anthropic' }]);
    const { data, response } = await h.openai().chat.completions.create({ model: 'auto', messages: hello }).withResponse();
    assert.equal(data.object, 'chat.completion');
    assert.equal(data.choices[0].message.role, 'assistant');
    assert.equal(data.choices[0].message.content, 'Hello from primary.');
    assert.equal(data.choices[0].finish_reason, 'stop');
    assert.equal(data.model, 'primary-model');
    assert.ok(data.usage && data.usage.prompt_tokens > 0 && data.usage.completion_tokens > 0);
    assert.equal(data.usage.total_tokens, data.usage.prompt_tokens + data.usage.completion_tokens);
    assert.equal(response.headers.get('x-llm-router-provider'), 'primary');
    assert.equal(response.headers.get('x-llm-router-attempts'), '1');
  });

  it('streams deltas that add up to the answer, then the finish chunk, the usage chunk (include_usage) and [DONE]', async () => {
    h = await startGatewayHarness([{ id: 'primary' }]);
    const { data: stream, response } = await h.openai().chat.completions.create({ model: 'auto', messages: hello, stream: true, stream_options: { include_usage: true } }).withResponse();
    assert.equal(response.headers.get('x-llm-router-provider'), 'primary');
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    assert.equal(text, 'Hello from primary.');
    assert.ok(chunks.filter((c) => c.choices[0]?.delta.content).length >= 2, 'several content deltas');
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    const finish = chunks.find((c) => c.choices[0]?.finish_reason);
    assert.equal(finish?.choices[0].finish_reason, 'stop');
    const last = chunks[chunks.length - 1];
    assert.deepEqual(last.choices, []);
    assert.ok(last.usage && last.usage.completion_tokens > 0 && last.usage.prompt_tokens > 0);
    assert.ok(chunks.slice(0, -1).every((c) => c.usage === null), 'usage is null on every other chunk');
  });

  it('sends no usage chunk without include_usage', async () => {
    h = await startGatewayHarness([{ id: 'primary' }]);
    const stream = await h.openai().chat.completions.create({ model: 'auto', messages: hello, stream: true });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    assert.ok(chunks.every((c) => c.choices.length === 1 && c.usage === undefined));
  });

  for (const kind of KINDS) {
    it(`serves a pinned ${kind} upstream, streamed and not`, async () => {
      h = await startGatewayHarness([{ id: 'first' }, { id: kind, kind }]);
      const plain = await h.openai().chat.completions.create({ model: kind, messages: hello });
      assert.equal(plain.choices[0].message.content, `Hello from ${kind}.`);
      let text = '';
      for await (const c of await h.openai().chat.completions.create({ model: kind, messages: hello, stream: true })) text += c.choices[0]?.delta.content ?? '';
      assert.equal(text, `Hello from ${kind}.`);
      assert.equal(h.emulators.first.requests.length, 0, 'the pinned provider alone was asked');
    });
  }

  it('maps system and developer messages, text parts and sampling parameters to the upstream request', async () => {
    h = await startGatewayHarness([{ id: 'claude', kind: 'anthropic' }]);
    await h.openai().chat.completions.create({
      model: 'auto',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in English.' }] },
        { role: 'user', content: [{ type: 'text', text: 'Say ' }, { type: 'text', text: 'hello' }] },
      ],
      temperature: 0.5,
      top_p: 0.9,
      max_completion_tokens: 77,
      stop: 'END',
    });
    const body = h.emulators.claude.requests[0].body as Record<string, unknown>;
    assert.equal(body.system, 'Be brief.\n\nAnswer in English.');
    assert.deepEqual(body.messages, [{ role: 'user', content: 'Say hello' }]);
    assert.equal(body.temperature, 0.5);
    assert.equal(body.top_p, 0.9);
    assert.equal(body.max_tokens, 77);
    assert.deepEqual(body.stop_sequences, ['END']);
  });

  it('falls back when the primary fails and says who answered after how many attempts', async () => {
    h = await startGatewayHarness([{ id: 'primary' }, { id: 'backup', kind: 'gemini' }]);
    h.emulators.primary.enqueue({ type: 'status', status: 503 }, { type: 'status', status: 503 });
    const { data, response } = await h.openai().chat.completions.create({ model: 'auto', messages: hello }).withResponse();
    assert.equal(data.choices[0].message.content, 'Hello from backup.');
    assert.equal(response.headers.get('x-llm-router-provider'), 'backup');
    assert.equal(response.headers.get('x-llm-router-attempts'), '3');
  });

  it('falls back transparently when a stream is cut before its first token', async () => {
    h = await startGatewayHarness([{ id: 'primary' }, { id: 'backup', kind: 'cohere' }], { retry: { maxAttempts: 1 } });
    h.emulators.primary.enqueue({ type: 'cut', afterChunks: 0 });
    const { data: stream, response } = await h.openai().chat.completions.create({ model: 'auto', messages: hello, stream: true }).withResponse();
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    assert.equal(text, 'Hello from backup.');
    assert.equal(response.headers.get('x-llm-router-provider'), 'backup');
    assert.equal(response.headers.get('x-llm-router-attempts'), '2');
  });

  it('keeps a pinned provider to itself, with its retries: no fallback, 502 listing its attempts', async () => {
    h = await startGatewayHarness([{ id: 'primary' }, { id: 'backup' }]);
    h.emulators.backup.enqueue({ type: 'status', status: 500 }, { type: 'status', status: 500 });
    const err = await rejectionOf(h.openai().chat.completions.create({ model: 'backup', messages: hello }));
    assert.ok(err instanceof OpenAI.InternalServerError, String(err));
    assert.equal(err.status, 502);
    assert.equal(err.type, 'server_error');
    assert.equal(err.code, 'all_providers_failed');
    const attempts = (err.error as { attempts: { provider: string; status: number }[] }).attempts;
    assert.deepEqual(attempts.map((a) => [a.provider, a.status]), [['backup', 500], ['backup', 500]]);
    assert.equal(h.emulators.primary.requests.length, 0);
  });

  it('refuses an unknown model with 404 model_not_found', async () => {
    h = await startGatewayHarness([{ id: 'primary' }]);
    const err = await rejectionOf(h.openai().chat.completions.create({ model: 'gpt-9', messages: hello }));
    assert.ok(err instanceof OpenAI.NotFoundError, String(err));
    assert.equal(err.code, 'model_not_found');
    assert.match(err.message, /'gpt-9'.*auto.*primary/);
    assert.equal(h.emulators.primary.requests.length, 0);
  });

  it('refuses a request over budget with 402 insufficient_quota before any provider is called', async () => {
    h = await startGatewayHarness([{ id: 'primary', extra: { pricing: { inputPerMillion: 1, outputPerMillion: 1 } } }], { budget: { dailyUsd: 0 } });
    const err = await rejectionOf(h.openai().chat.completions.create({ model: 'auto', messages: hello }));
    assert.ok(err instanceof OpenAI.APIError, String(err));
    assert.equal(err.status, 402);
    assert.equal(err.type, 'insufficient_quota');
    assert.equal(err.code, 'insufficient_quota');
    assert.equal(h.emulators.primary.requests.length, 0);
  });

  it('ends a stream broken after output with an error chunk, which the client raises, and no [DONE]', async () => {
    h = await startGatewayHarness([{ id: 'primary' }, { id: 'backup' }]);
    h.emulators.primary.enqueue({ type: 'cut', afterChunks: 1 });
    const stream = await h.openai().chat.completions.create({ model: 'auto', messages: hello, stream: true });
    let text = '';
    const err = await rejectionOf(
      (async () => {
        for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
      })(),
    );
    assert.equal(text, 'Hello ');
    assert.ok(err instanceof OpenAI.APIError, String(err));
    assert.match(err.message, /broke off its answer/);
    assert.equal(h.emulators.backup.requests.length, 0);
  });

  it('names the field of a bad request with a 400 invalid_request_error', async () => {
    h = await startGatewayHarness([{ id: 'primary' }]);
    const client = h.openai();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ temperature: 3 }, /^400 temperature: /],
      [{ messages: [] }, /^400 messages: needs at least one message/],
      [{ messages: [{ role: 'wizard', content: 'hi' }] }, /^400 messages\[0\]\.role: must have a role of system, developer, user, assistant or tool/],
      [{ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AA', format: 'wav' } }] }] }, /^400 messages\[0\]\.content\[0\]\.type: must be a content part of type 'text' or 'image_url'/],
      [{ audio: { voice: 'alloy', format: 'mp3' } }, /^400 audio: audio outputs are not served/],
    ];
    for (const [patch, expected] of cases) {
      const err = await rejectionOf(client.chat.completions.create({ model: 'auto', messages: hello, ...patch } as never));
      assert.ok(err instanceof OpenAI.BadRequestError, `${JSON.stringify(patch)}: ${String(err)}`);
      assert.match(err.message, expected);
      assert.equal(err.type, 'invalid_request_error');
    }
    assert.equal(h.emulators.primary.requests.length, 0);
  });

  it('lists auto and every enabled provider id as models', async () => {
    h = await startGatewayHarness([{ id: 'primary' }, { id: 'backup', kind: 'ollama' }, { id: 'off', extra: { enabled: false } }]);
    const ids: string[] = [];
    for await (const m of h.openai().models.list()) ids.push(m.id);
    assert.deepEqual(ids, ['auto', 'primary', 'backup']);
    assert.equal((await h.openai().models.retrieve('backup')).id, 'backup');
    const missing = await rejectionOf(h.openai().models.retrieve('off'));
    assert.ok(missing instanceof OpenAI.NotFoundError && missing.code === 'model_not_found', String(missing));
  });

  it('stops the upstream request when the client goes away mid-stream, without blaming the provider', async () => {
    h = await startGatewayHarness([{ id: 'primary' }]);
    h.emulators.primary.enqueue({ type: 'slow', chunkDelayMs: 300 });
    const controller = new AbortController();
    const stream = await h.openai().chat.completions.create({ model: 'auto', messages: hello, stream: true }, { signal: controller.signal });
    for await (const c of stream) {
      if (c.choices[0]?.delta.content) break;
    }
    controller.abort();
    const deadline = Date.now() + 2_000;
    while (h.emulators.primary.openConnections() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(h.emulators.primary.openConnections(), 0, 'the upstream connection was closed');
    const breaker = h.engine.providers()[0].breaker;
    assert.equal(breaker.state, 'closed');
    assert.equal(breaker.consecutiveFailures, 0);
    assert.equal(breaker.failureRate, 0);
  });
});
