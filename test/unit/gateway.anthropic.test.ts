import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import type { ProviderKind } from '../../src/engine/types';
import { type GatewayHarness, rejectionOf, startGatewayHarness } from './gatewayHarness';

const KINDS: ProviderKind[] = ['openai', 'anthropic', 'gemini', 'cohere', 'ollama'];
const hello = { max_tokens: 256, messages: [{ role: 'user' as const, content: 'Say hello' }] };

describe('gateway: Anthropic Messages with the official @anthropic-ai/sdk client', () => {
  let h: GatewayHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('answers a non-streamed message with a text block, stop_reason, usage and the routing headers', async () => {
    h = await startGatewayHarness([{ id: 'primary', kind: 'anthropic' }]);
    const { data, response } = await h.anthropic().messages.create({ model: 'auto', ...hello }).withResponse();
    assert.equal(data.type, 'message');
    assert.equal(data.role, 'assistant');
    assert.deepEqual(data.content, [{ type: 'text', text: 'Hello from primary.' }]);
    assert.equal(data.stop_reason, 'end_turn');
    assert.equal(data.model, 'primary-model');
    assert.ok(data.usage.input_tokens > 0 && data.usage.output_tokens > 0);
    assert.equal(response.headers.get('x-llm-router-provider'), 'primary');
    assert.equal(response.headers.get('x-llm-router-attempts'), '1');
  });

  it('streams the documented events, in order, that the SDK assembles into the final message', async () => {
    h = await startGatewayHarness([{ id: 'primary', kind: 'gemini' }]);
    const stream = await h.anthropic().messages.create({ model: 'auto', ...hello, stream: true });
    const events: Anthropic.RawMessageStreamEvent[] = [];
    for await (const e of stream) events.push(e);
    const types = events.map((e) => e.type);
    assert.deepEqual(types.slice(0, 2), ['message_start', 'content_block_start']);
    assert.deepEqual(types.slice(-3), ['content_block_stop', 'message_delta', 'message_stop']);
    const deltas = events.filter((e): e is Anthropic.RawContentBlockDeltaEvent => e.type === 'content_block_delta');
    assert.ok(deltas.length >= 2);
    assert.equal(deltas.map((d) => (d.delta.type === 'text_delta' ? d.delta.text : '')).join(''), 'Hello from primary.');
    const messageDelta = events.find((e): e is Anthropic.RawMessageDeltaEvent => e.type === 'message_delta');
    assert.equal(messageDelta?.delta.stop_reason, 'end_turn');
    assert.ok((messageDelta?.usage.output_tokens ?? 0) > 0);

    const final = await h.anthropic().messages.stream({ model: 'auto', ...hello }).finalMessage();
    assert.deepEqual(final.content.map((b) => (b.type === 'text' ? b.text : b.type)), ['Hello from primary.']);
    assert.equal(final.stop_reason, 'end_turn');
    assert.ok(final.usage.output_tokens > 0);
  });

  for (const kind of KINDS) {
    it(`serves a pinned ${kind} upstream, streamed and not`, async () => {
      h = await startGatewayHarness([{ id: 'first' }, { id: kind, kind }]);
      const plain = await h.anthropic().messages.create({ model: kind, ...hello });
      assert.deepEqual(plain.content, [{ type: 'text', text: `Hello from ${kind}.` }]);
      const streamed = await h.anthropic().messages.stream({ model: kind, ...hello }).finalText();
      assert.equal(streamed, `Hello from ${kind}.`);
      assert.equal(h.emulators.first.requests.length, 0);
    });
  }

  it('maps system text blocks, max_tokens and stop_sequences to the upstream request', async () => {
    h = await startGatewayHarness([{ id: 'gpt' }]);
    await h.anthropic().messages.create({
      model: 'auto',
      max_tokens: 99,
      system: [{ type: 'text', text: 'Be brief.' }],
      stop_sequences: ['END'],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hello' }] }],
    });
    const body = h.emulators.gpt.requests[0].body as Record<string, unknown>;
    assert.deepEqual(body.messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Say hello' },
    ]);
    assert.equal(body.max_tokens ?? body.max_completion_tokens, 99);
    assert.deepEqual(body.stop, ['END']);
  });

  it('falls back when the primary fails', async () => {
    h = await startGatewayHarness([{ id: 'primary', kind: 'anthropic' }, { id: 'backup', kind: 'ollama' }]);
    h.emulators.primary.enqueue({ type: 'status', status: 529 }, { type: 'status', status: 529 });
    const { data, response } = await h.anthropic().messages.create({ model: 'auto', ...hello }).withResponse();
    assert.deepEqual(data.content, [{ type: 'text', text: 'Hello from backup.' }]);
    assert.equal(response.headers.get('x-llm-router-provider'), 'backup');
    assert.equal(response.headers.get('x-llm-router-attempts'), '3');
  });

  it('ends a stream broken after output with an error event, which the SDK raises', async () => {
    h = await startGatewayHarness([{ id: 'primary', kind: 'anthropic' }, { id: 'backup' }]);
    h.emulators.primary.enqueue({ type: 'streamError', message: 'the model fell over' });
    let text = '';
    const stream = h.anthropic().messages.stream({ model: 'auto', ...hello }).on('text', (t) => (text += t));
    const err = await rejectionOf(stream.finalMessage());
    assert.equal(text, 'Hello ');
    assert.ok(err instanceof Anthropic.APIError, String(err));
    assert.equal((err.error as { error: { type: string } }).error.type, 'api_error');
    assert.match(err.message, /broke off its answer/);
    assert.equal(h.emulators.backup.requests.length, 0);
  });

  it('refuses a request over budget with 402 billing_error', async () => {
    h = await startGatewayHarness([{ id: 'primary', kind: 'anthropic', extra: { pricing: { inputPerMillion: 1, outputPerMillion: 1 } } }], { budget: { dailyUsd: 0 } });
    const budget = await rejectionOf(h.anthropic().messages.create({ model: 'auto', ...hello }));
    assert.ok(budget instanceof Anthropic.APIError, String(budget));
    assert.equal(budget.status, 402);
    assert.equal((budget.error as { error: { type: string } }).error.type, 'billing_error');
    assert.equal(h.emulators.primary.requests.length, 0);
  });

  it('errors in the Anthropic shape: 404 not_found_error, 502 with the attempts, 400 naming the field', async () => {
    h = await startGatewayHarness([{ id: 'free' }]);
    const client = h.anthropic();
    const notFound = await rejectionOf(client.messages.create({ model: 'claude-9', ...hello }));
    assert.ok(notFound instanceof Anthropic.NotFoundError, String(notFound));
    assert.equal((notFound.error as { error: { type: string } }).error.type, 'not_found_error');

    h.emulators.free.enqueue({ type: 'status', status: 503 }, { type: 'status', status: 503 });
    const failed = await rejectionOf(client.messages.create({ model: 'free', ...hello }));
    assert.ok(failed instanceof Anthropic.InternalServerError, String(failed));
    assert.equal(failed.status, 502);
    const body = failed.error as { type: string; error: { type: string; attempts: { provider: string }[] } };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'api_error');
    assert.deepEqual(body.error.attempts.map((a) => a.provider), ['free', 'free']);

    const noMax = await rejectionOf(client.messages.create({ model: 'auto', messages: hello.messages } as never));
    assert.ok(noMax instanceof Anthropic.BadRequestError, String(noMax));
    assert.match(noMax.message, /max_tokens: is required/);
    assert.equal((noMax.error as { error: { type: string } }).error.type, 'invalid_request_error');

  });

  it('lists and retrieves the models auto and each provider id', async () => {
    h = await startGatewayHarness([{ id: 'primary', kind: 'anthropic' }, { id: 'second' }]);
    const ids: string[] = [];
    for await (const m of h.anthropic().models.list()) ids.push(m.id);
    assert.deepEqual(ids, ['auto', 'primary', 'second']);
    const auto = await h.anthropic().models.retrieve('auto');
    assert.equal(auto.type, 'model');
    assert.equal(auto.display_name, 'LLM Router · Auto');
  });

  it("leaves out a vscode-lm provider where no editor lends its models (the CLI's serve), and answers it 404", async () => {
    h = await startGatewayHarness([{ id: 'primary', kind: 'anthropic' }, { id: 'copilot', extra: { kind: 'vscode-lm', baseUrl: undefined, apiKeyEnv: undefined, model: 'gpt-4o' } }]);
    const ids: string[] = [];
    for await (const m of h.anthropic().models.list()) ids.push(m.id);
    assert.deepEqual(ids, ['auto', 'primary']);
    const pinned = await rejectionOf(h.anthropic().messages.create({ model: 'copilot', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }));
    assert.ok(pinned instanceof Anthropic.NotFoundError, String(pinned));
    assert.match(pinned.message, /'copilot' does not exist here: use 'auto' or one of the provider ids it serves \(primary\)/);
  });

  it('counts tokens locally with count_tokens', async () => {
    h = await startGatewayHarness([{ id: 'primary', kind: 'anthropic' }]);
    const short = await h.anthropic().messages.countTokens({ model: 'auto', messages: [{ role: 'user', content: 'Hi' }] });
    const long = await h.anthropic().messages.countTokens({ model: 'auto', system: 'You are terse.', messages: [{ role: 'user', content: 'Hi '.repeat(400) }] });
    assert.ok(short.input_tokens >= 1);
    assert.ok(long.input_tokens > short.input_tokens * 100, `${long.input_tokens} vs ${short.input_tokens}`);
    assert.equal(h.emulators.primary.requests.length, 0, 'estimated locally');
  });

  it('accepts any anthropic-version and the token as a Bearer (authToken)', async () => {
    h = await startGatewayHarness([{ id: 'primary', kind: 'anthropic' }]);
    const client = new Anthropic({ baseURL: h.gateway.url, apiKey: null, authToken: 'gw-test-token-0123456789', maxRetries: 0, defaultHeaders: { 'anthropic-version': '2099-01-01' } });
    const res = await client.messages.create({ model: 'auto', ...hello });
    assert.deepEqual(res.content, [{ type: 'text', text: 'Hello from primary.' }]);
  });
});
