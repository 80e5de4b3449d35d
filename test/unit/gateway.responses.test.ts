import assert from 'node:assert/strict';
import http from 'node:http';
import OpenAI from 'openai';
import type { ProviderKind } from '../../src/engine/types';
import { collect, GATEWAY_TOKEN, type GatewayHarness, rejectionOf, startGatewayHarness } from './gatewayHarness';

/**
 * POST /v1/responses driven by the official openai client (6.30.1). Shapes as the client types the Responses API
 * (Response, ResponseStreamEvent, ResponseCreateParams; read 2026-12-04).
 */

const KINDS: ProviderKind[] = ['openai', 'anthropic', 'gemini', 'cohere', 'ollama'];
const hello = 'Say hello';

/** The text of a response's messages (the stream helper's final response has no output_text: the SDK adds it to create's answers only). */
function textOf(res: { output: OpenAI.Responses.ResponseOutputItem[] }): string {
  return res.output.flatMap((item) => (item.type === 'message' ? item.content.map((c) => (c.type === 'output_text' ? c.text : '')) : [])).join('');
}

/** The SSE frames as sent: each `event:` line names the type its data carries. */
function rawStream(url: string, body: unknown, port: number): Promise<{ status: number; frames: { event: string; data: Record<string, unknown> }[] }> {
  return new Promise((resolve, reject) => {
    const headers = { authorization: `Bearer ${GATEWAY_TOKEN}`, 'content-type': 'application/json', host: `127.0.0.1:${port}` };
    const req = http.request(`${url}/v1/responses`, { method: 'POST', headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        const frames = text
          .trim()
          .split('\n\n')
          .map((block) => {
            const [eventLine, dataLine] = block.split('\n');
            return { event: eventLine.replace(/^event: /, ''), data: JSON.parse(dataLine.replace(/^data: /, '')) as Record<string, unknown> };
          });
        resolve({ status: res.statusCode ?? 0, frames });
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('gateway: OpenAI Responses with the official openai client', () => {
  let h: GatewayHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('answers a non-streamed response with a message item, status, usage and the routing headers', async () => {
    h = await startGatewayHarness([{ id: 'primary', emulator: { cachedInputTokens: 3 } }, { id: 'backup', kind: 'anthropic' }]);
    const { data, response } = await h.openai().responses.create({ model: 'auto', input: hello }).withResponse();
    assert.match(data.id, /^resp_/);
    assert.equal(data.object, 'response');
    assert.equal(data.status, 'completed');
    assert.equal(data.model, 'primary-model');
    assert.equal(data.error, null);
    assert.equal(data.incomplete_details, null);
    assert.equal(data.output.length, 1);
    const message = data.output[0];
    assert.ok(message.type === 'message');
    assert.match(message.id, /^msg_/);
    assert.equal(message.role, 'assistant');
    assert.equal(message.status, 'completed');
    assert.deepEqual(message.content, [{ type: 'output_text', text: 'Hello from primary.', annotations: [], logprobs: [] }]);
    assert.equal(data.output_text, 'Hello from primary.', 'the SDK assembles output_text from the output');
    const usage = data.usage;
    assert.ok(usage && usage.input_tokens > 0 && usage.output_tokens > 0);
    assert.equal(usage.total_tokens, usage.input_tokens + usage.output_tokens);
    assert.equal(usage.input_tokens_details.cached_tokens, 3);
    assert.equal(usage.output_tokens_details.reasoning_tokens, 0);
    assert.equal(data.parallel_tool_calls, true);
    assert.equal(data.tool_choice, 'auto');
    assert.deepEqual(data.tools, []);
    assert.deepEqual(data.text, { format: { type: 'text' } });
    assert.equal(response.headers.get('x-llm-router-provider'), 'primary');
    assert.equal(response.headers.get('x-llm-router-attempts'), '1');
  });

  it('streams the documented events in order, with rising sequence numbers, and ends with response.completed and its usage', async () => {
    h = await startGatewayHarness([{ id: 'primary' }]);
    const { data: stream, response } = await h.openai().responses.create({ model: 'auto', input: hello, stream: true }).withResponse();
    assert.equal(response.headers.get('x-llm-router-provider'), 'primary');
    assert.equal(response.headers.get('x-llm-router-attempts'), '1');
    const events = await collect(stream);
    const types = events.map((e) => e.type);
    const deltas = types.filter((t) => t === 'response.output_text.delta').length;
    assert.ok(deltas >= 2, 'several text deltas');
    assert.deepEqual(types, [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      ...Array<string>(deltas).fill('response.output_text.delta'),
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    assert.deepEqual(events.map((e) => e.sequence_number), events.map((_, i) => i));
    const text = events.map((e) => (e.type === 'response.output_text.delta' ? e.delta : '')).join('');
    assert.equal(text, 'Hello from primary.');
    const created = events[0];
    assert.ok(created.type === 'response.created');
    assert.equal(created.response.status, 'in_progress');
    assert.deepEqual(created.response.output, []);
    assert.equal(created.response.usage, null);
    const added = events[2];
    assert.ok(added.type === 'response.output_item.added' && added.item.type === 'message');
    assert.equal(added.item.status, 'in_progress');
    const done = events[events.length - 2];
    assert.ok(done.type === 'response.output_item.done' && done.item.type === 'message');
    assert.equal(done.item.id, added.item.id);
    assert.equal(done.item.status, 'completed');
    const completed = events[events.length - 1];
    assert.ok(completed.type === 'response.completed');
    assert.equal(completed.response.id, created.response.id);
    assert.equal(completed.response.status, 'completed');
    assert.equal(completed.response.output.length, 1);
    assert.ok(completed.response.usage && completed.response.usage.output_tokens > 0 && completed.response.usage.input_tokens > 0);
  });

  it('names each event in its SSE event line, the way Codex CLI reads them', async () => {
    h = await startGatewayHarness([{ id: 'primary' }]);
    const { status, frames } = await rawStream(h.gateway.url, { model: 'auto', input: hello, stream: true }, h.gateway.port);
    assert.equal(status, 200);
    assert.ok(frames.length > 5);
    assert.ok(frames.every((f) => f.event === f.data.type));
  });

  it('assembles the final response with the client’s responses.stream helper', async () => {
    h = await startGatewayHarness([{ id: 'primary' }]);
    const deltas: string[] = [];
    const runner = h.openai().responses.stream({ model: 'auto', input: hello });
    runner.on('response.output_text.delta', (e) => deltas.push(e.delta));
    const final = await runner.finalResponse();
    assert.equal(textOf(final), 'Hello from primary.');
    assert.equal(final.status, 'completed');
    assert.equal(deltas.join(''), 'Hello from primary.');
  });

  for (const kind of KINDS) {
    it(`serves a pinned ${kind} upstream, streamed and not`, async () => {
      h = await startGatewayHarness([{ id: 'first' }, { id: kind, kind }]);
      const plain = await h.openai().responses.create({ model: kind, input: hello });
      assert.equal(plain.output_text, `Hello from ${kind}.`);
      const streamed = await h.openai().responses.stream({ model: kind, input: hello }).finalResponse();
      assert.equal(textOf(streamed), `Hello from ${kind}.`);
      assert.equal(h.emulators.first.requests.length, 0, 'the pinned provider alone was asked');
    });
  }

  it('maps instructions, system and developer messages, content parts and sampling settings to the upstream request, and echoes them back', async () => {
    h = await startGatewayHarness([{ id: 'claude', kind: 'anthropic' }]);
    const res = await h.openai().responses.create({
      model: 'auto',
      instructions: 'Be brief.',
      input: [
        { role: 'developer', content: 'Answer in English.' },
        { type: 'message', role: 'system', content: [{ type: 'input_text', text: 'No emoji.' }] },
        { role: 'user', content: [{ type: 'input_text', text: 'Say ' }, { type: 'input_text', text: 'hello' }] },
      ],
      temperature: 0.5,
      top_p: 0.9,
      max_output_tokens: 77,
      metadata: { run: '7' },
      user: 'someone',
      store: true,
      prompt_cache_key: 'thread-1',
      reasoning: { effort: 'low' },
      include: ['reasoning.encrypted_content'],
    });
    const body = h.emulators.claude.requests[0].body as Record<string, unknown>;
    assert.equal(body.system, 'Be brief.\n\nAnswer in English.\n\nNo emoji.');
    assert.deepEqual(body.messages, [{ role: 'user', content: 'Say hello' }]);
    assert.equal(body.temperature, 0.5);
    assert.equal(body.top_p, 0.9);
    assert.equal(body.max_tokens, 77);
    assert.equal(res.instructions, 'Be brief.');
    assert.equal(res.temperature, 0.5);
    assert.equal(res.top_p, 0.9);
    assert.equal(res.max_output_tokens, 77);
    assert.deepEqual(res.metadata, { run: '7' });
    assert.equal(res.user, 'someone');
    assert.equal(res.prompt_cache_key, 'thread-1');
    assert.deepEqual(res.reasoning, { effort: 'low', summary: null });
    assert.equal((res as unknown as { store: boolean }).store, false, 'nothing is stored, whatever the request asked');
  });

  it('says a response cut by max_output_tokens is incomplete, streamed (response.incomplete) and not', async () => {
    h = await startGatewayHarness([{ id: 'primary' }]);
    h.emulators.primary.enqueue({ type: 'ok', cutByLength: true }, { type: 'ok', cutByLength: true });
    const plain = await h.openai().responses.create({ model: 'auto', input: hello, max_output_tokens: 16 });
    assert.equal(plain.status, 'incomplete');
    assert.deepEqual(plain.incomplete_details, { reason: 'max_output_tokens' });
    assert.ok(plain.output[0].type === 'message' && plain.output[0].status === 'incomplete');
    const events = await collect(await h.openai().responses.create({ model: 'auto', input: hello, max_output_tokens: 16, stream: true }));
    const last = events[events.length - 1];
    assert.ok(last.type === 'response.incomplete', last.type);
    assert.equal(last.response.status, 'incomplete');
    assert.deepEqual(last.response.incomplete_details, { reason: 'max_output_tokens' });
    assert.ok(!events.some((e) => e.type === 'response.completed'));
  });

  it('falls back when the primary fails and says who answered after how many attempts', async () => {
    h = await startGatewayHarness([{ id: 'primary' }, { id: 'backup', kind: 'gemini' }]);
    h.emulators.primary.enqueue({ type: 'status', status: 503 }, { type: 'status', status: 503 });
    const { data, response } = await h.openai().responses.create({ model: 'auto', input: hello }).withResponse();
    assert.equal(data.output_text, 'Hello from backup.');
    assert.equal(response.headers.get('x-llm-router-provider'), 'backup');
    assert.equal(response.headers.get('x-llm-router-attempts'), '3');
  });

  it('falls back transparently when a stream is cut before its first token', async () => {
    h = await startGatewayHarness([{ id: 'primary' }, { id: 'backup', kind: 'anthropic' }], { retry: { maxAttempts: 1 } });
    h.emulators.primary.enqueue({ type: 'cut', afterChunks: 0 });
    const { data: stream, response } = await h.openai().responses.create({ model: 'auto', input: hello, stream: true }).withResponse();
    const events = await collect(stream);
    assert.equal(events.filter((e) => e.type === 'response.created').length, 1, 'one response, no trace of the failed attempt');
    const completed = events[events.length - 1];
    assert.ok(completed.type === 'response.completed');
    assert.equal(completed.response.model, 'backup-model');
    assert.equal(events.map((e) => (e.type === 'response.output_text.delta' ? e.delta : '')).join(''), 'Hello from backup.');
    assert.equal(response.headers.get('x-llm-router-provider'), 'backup');
    assert.equal(response.headers.get('x-llm-router-attempts'), '2');
  });

  it('ends a stream broken after output with response.failed, never response.completed', async () => {
    h = await startGatewayHarness([{ id: 'primary' }, { id: 'backup' }]);
    h.emulators.primary.enqueue({ type: 'cut', afterChunks: 1 });
    const events = await collect(await h.openai().responses.create({ model: 'auto', input: hello, stream: true }));
    const text = events.map((e) => (e.type === 'response.output_text.delta' ? e.delta : '')).join('');
    assert.equal(text, 'Hello ');
    const last = events[events.length - 1];
    assert.ok(last.type === 'response.failed', last.type);
    assert.equal(last.response.status, 'failed');
    assert.equal(last.response.error?.code, 'server_error');
    assert.match(last.response.error?.message ?? '', /broke off its answer/);
    const partial = last.response.output[0];
    assert.ok(partial.type === 'message');
    assert.equal(partial.status, 'incomplete');
    assert.equal(partial.content[0].type === 'output_text' && partial.content[0].text, 'Hello ');
    assert.ok(!events.some((e) => e.type === 'response.completed' || e.type === 'response.output_item.done'));
    assert.equal(h.emulators.backup.requests.length, 0);
  });

  it('keeps a pinned provider to itself: no fallback, 502 listing its attempts', async () => {
    h = await startGatewayHarness([{ id: 'primary' }, { id: 'backup' }]);
    h.emulators.backup.enqueue({ type: 'status', status: 500 }, { type: 'status', status: 500 });
    const err = await rejectionOf(h.openai().responses.create({ model: 'backup', input: hello, stream: true }));
    assert.ok(err instanceof OpenAI.InternalServerError, String(err));
    assert.equal(err.status, 502);
    assert.equal(err.code, 'all_providers_failed');
    assert.equal(err.headers.get('x-llm-router-attempts'), '2');
    const attempts = (err.error as { attempts: { provider: string; status: number }[] }).attempts;
    assert.deepEqual(attempts.map((a) => [a.provider, a.status]), [['backup', 500], ['backup', 500]]);
    assert.equal(h.emulators.primary.requests.length, 0);
  });

  it('refuses a missing or wrong token with 401 invalid_api_key', async () => {
    h = await startGatewayHarness([{ id: 'primary' }]);
    const wrong = await rejectionOf(h.openai({ apiKey: 'not-the-token' }).responses.create({ model: 'auto', input: hello }));
    assert.ok(wrong instanceof OpenAI.AuthenticationError, String(wrong));
    assert.equal(wrong.code, 'invalid_api_key');
    const missing = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${h!.gateway.url}/v1/responses`, { method: 'POST', headers: { host: `127.0.0.1:${h!.gateway.port}`, 'content-type': 'application/json' }, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(JSON.stringify({ model: 'auto', input: hello }));
    });
    assert.equal(missing, 401);
    assert.equal(h.emulators.primary.requests.length, 0);
  });

  it('refuses an unknown model with 404 model_not_found, and a request over budget with 402', async () => {
    h = await startGatewayHarness([{ id: 'primary', extra: { pricing: { inputPerMillion: 1, outputPerMillion: 1 } } }], { budget: { dailyUsd: 0 } });
    const unknown = await rejectionOf(h.openai().responses.create({ model: 'gpt-9', input: hello }));
    assert.ok(unknown instanceof OpenAI.NotFoundError, String(unknown));
    assert.equal(unknown.code, 'model_not_found');
    assert.match(unknown.message, /'gpt-9'.*auto.*primary/);
    const broke = await rejectionOf(h.openai().responses.create({ model: 'auto', input: hello }));
    assert.ok(broke instanceof OpenAI.APIError && broke.status === 402, String(broke));
    assert.equal(broke.code, 'insufficient_quota');
    assert.equal(h.emulators.primary.requests.length, 0);
  });

  it('names the field of a bad request with a 400 invalid_request_error and asks no provider', async () => {
    h = await startGatewayHarness([{ id: 'primary' }]);
    const client = h.openai();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ model: undefined }, /^400 model: is required/],
      [{ input: undefined }, /^400 input: is required: a string or an array of input items/],
      [{ input: [] }, /^400 input: needs at least one item/],
      [{ temperature: 3 }, /^400 temperature: /],
      [{ max_output_tokens: 0 }, /^400 max_output_tokens: /],
      [{ input: [{ role: 'wizard', content: 'hi' }] }, /^400 input\[0\]\.role: must be 'user', 'assistant', 'system' or 'developer'/],
      [{ input: [{ role: 'user', content: [{ type: 'input_audio', data: 'AA' }] }] }, /^400 input\[0\]\.content\[0\]\.type: must be a content part of type 'input_text', 'output_text', 'input_image' or 'refusal'/],
      [{ input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'file-1' }] }] }, /^400 input\[0\]\.content\[0\]\.type: 'input_file' parts are not served/],
      [{ input: [{ type: 'computer_call', id: 'cu_1' }] }, /^400 input\[0\]\.type: must be an input item of type 'message', 'function_call', 'function_call_output', 'custom_tool_call', 'custom_tool_call_output' or 'reasoning'/],
      [{ input: [{ type: 'item_reference', id: 'msg_1' }] }, /^400 input\[0\]\.type: 'item_reference' points at a stored item/],
      [{ input: [{ type: 'reasoning', id: 'rs_1', summary: [] }] }, /^400 input: needs at least one user or assistant message/],
      [{ previous_response_id: 'resp_123' }, /^400 previous_response_id: is not served: this gateway stores no responses/],
      [{ conversation: 'conv_1' }, /^400 conversation: is not served/],
      [{ background: true }, /^400 background: /],
      [{ text: { format: { type: 'xml' } } }, /^400 text\.format\.type: must have a type of 'text', 'json_object' or 'json_schema'/],
      [{ metadata: { n: 1 } }, /^400 metadata\.n: /],
    ];
    for (const [patch, expected] of cases) {
      const err = await rejectionOf(client.responses.create({ model: 'auto', input: hello, ...patch } as never));
      assert.ok(err instanceof OpenAI.BadRequestError, `${JSON.stringify(patch)}: ${String(err)}`);
      assert.match(err.message, expected, `${JSON.stringify(patch)} → ${err.message}`);
      assert.equal(err.type, 'invalid_request_error');
    }
    assert.equal(h.emulators.primary.requests.length, 0);
  });
});
