import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { type GatewayHarness, rejectionOf, startGatewayHarness } from './gatewayHarness';

const hello = [{ role: 'user' as const, content: 'Say hello' }];
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/** Requests that reached the emulators, all providers together. */
function upstreamRequests(h: GatewayHarness): number {
  return Object.values(h.emulators).reduce((n, e) => n + e.requests.length, 0);
}

describe('gateway: error statuses and retry headers the official clients act on', () => {
  let h: GatewayHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('tells the clients not to retry a 502 themselves (x-should-retry: false): the engine already retried and fell back', async () => {
    const clients: [string, (g: GatewayHarness) => Promise<unknown>][] = [
      ['openai', (g) => g.openai({ maxRetries: 2 }).chat.completions.create({ model: 'auto', messages: hello })],
      ['anthropic', (g) => g.anthropic({ maxRetries: 2 }).messages.create({ model: 'auto', max_tokens: 50, messages: hello })],
    ];
    for (const [name, call] of clients) {
      h = await startGatewayHarness([{ id: 'primary' }, { id: 'backup', kind: 'anthropic' }]);
      const down = Array.from({ length: 12 }, () => ({ type: 'status' as const, status: 503 }));
      h.emulators.primary.enqueue(...down);
      h.emulators.backup.enqueue(...down);
      const err = await rejectionOf(call(h));
      assert.ok(err instanceof OpenAI.InternalServerError || err instanceof Anthropic.InternalServerError, `${name}: ${String(err)}`);
      assert.equal(err.status, 502);
      assert.equal(err.headers.get('x-should-retry'), 'false', name);
      // One gateway request: the emulators saw only the engine's own attempts.
      assert.equal(upstreamRequests(h), Number(err.headers.get('x-llm-router-attempts')), name);
      await h.close();
      h = undefined;
    }
  });

  it('answers every provider rate-limited with a 502 that says so and when to try again, in each API’s shape', async () => {
    h = await startGatewayHarness([{ id: 'primary' }, { id: 'backup', kind: 'anthropic' }]);
    h.emulators.primary.enqueue({ type: 'status', status: 429, retryAfterSeconds: 30 });
    h.emulators.backup.enqueue({ type: 'status', status: 429, retryAfterSeconds: 30 });

    // maxRetries 0: the client would otherwise wait the 30 s it is told and ask again.
    const err = await rejectionOf(h.openai({ maxRetries: 0 }).chat.completions.create({ model: 'auto', messages: hello }));
    assert.ok(err instanceof OpenAI.InternalServerError, String(err));
    assert.equal(err.status, 502);
    assert.equal(err.code, 'rate_limit_exceeded');
    const seconds = Number(err.headers.get('retry-after'));
    assert.ok(seconds > 25 && seconds <= 30, `retry-after ${seconds}`);
    assert.ok(Number(err.headers.get('retry-after-ms')) > 25_000);
    assert.equal(err.headers.get('x-should-retry'), 'true');

    // Both providers are still waiting out their Retry-After: refused at once, with the wait left.
    const again = await rejectionOf(h.anthropic({ maxRetries: 0 }).messages.create({ model: 'auto', max_tokens: 50, messages: hello }));
    assert.ok(again instanceof Anthropic.InternalServerError, String(again));
    assert.equal((again.error as { error: { type: string } }).error.type, 'rate_limit_error');
    assert.ok(Number(again.headers.get('retry-after')) > 25);
    assert.equal(upstreamRequests(h), 2);
  });

  it('answers 400 context_length_exceeded when every provider refused the prompt as too long, and the client does not retry it', async () => {
    h = await startGatewayHarness([{ id: 'primary' }, { id: 'backup' }]);
    const tooLong = { type: 'status' as const, status: 400, message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens." };
    h.emulators.primary.enqueue(tooLong, tooLong);
    h.emulators.backup.enqueue(tooLong, tooLong);
    const err = await rejectionOf(h.openai({ maxRetries: 2 }).chat.completions.create({ model: 'auto', messages: hello }));
    assert.ok(err instanceof OpenAI.BadRequestError, String(err));
    assert.equal(err.code, 'context_length_exceeded');
    assert.match(err.message, /maximum context length/);
    assert.equal(upstreamRequests(h), 2, 'each provider asked once; neither the engine nor the client retried');
  });

  it('answers 400 invalid_request_error when every provider refused the request itself', async () => {
    h = await startGatewayHarness([{ id: 'claude', kind: 'anthropic' }]);
    h.emulators.claude.enqueue({ type: 'status', status: 400, message: 'messages.0.content: unsupported value' });
    const err = await rejectionOf(h.anthropic({ maxRetries: 2 }).messages.create({ model: 'auto', max_tokens: 50, messages: hello }));
    assert.ok(err instanceof Anthropic.BadRequestError, String(err));
    assert.equal((err.error as { error: { type: string } }).error.type, 'invalid_request_error');
    assert.equal(h.emulators.claude.requests.length, 1);
  });

  it('answers 400 when no provider can serve what the request needs, before any connection', async () => {
    h = await startGatewayHarness([{ id: 'textonly', extra: { capabilities: { images: false } } }]);
    const image = { type: 'image_url' as const, image_url: { url: `data:image/png;base64,${PNG}` } };
    const err = await rejectionOf(h.openai({ maxRetries: 2 }).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: [image] }] }));
    assert.ok(err instanceof OpenAI.BadRequestError, String(err));
    assert.match(err.message, /No provider can serve this request: textonly \(no_image_support\)/);
    assert.equal(h.emulators.textonly.requests.length, 0);
  });

  it('names the field of a bad request in OpenAI’s param, and refuses n > 1 and logprobs by name', async () => {
    h = await startGatewayHarness([{ id: 'primary' }]);
    const client = h.openai();
    const cases: [Promise<unknown>, string, RegExp][] = [
      [client.chat.completions.create({ model: 'auto', messages: hello, temperature: 5 }), 'temperature', /^400 temperature: /],
      [client.chat.completions.create({ model: 'auto', messages: hello, n: 2 }), 'n', /^400 n: only 1 is supported/],
      [client.chat.completions.create({ model: 'auto', messages: hello, logprobs: true }), 'logprobs', /^400 logprobs: log probabilities are not served/],
      [client.chat.completions.create({ model: 'auto', messages: hello, top_logprobs: 3 }), 'top_logprobs', /^400 top_logprobs: /],
      [client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }] }] }), 'messages[0].content[0].type', /^400 messages\[0\]\.content\[0\]\.type: /],
    ];
    for (const [call, param, message] of cases) {
      const err = await rejectionOf(call);
      assert.ok(err instanceof OpenAI.BadRequestError, String(err));
      assert.equal(err.param, param);
      assert.match(err.message, message);
    }
    const accepted = await client.chat.completions.create({ model: 'auto', messages: hello, logprobs: false, n: 1 });
    assert.equal(accepted.choices[0].message.content, 'Hello from primary.');
    assert.equal(h.emulators.primary.requests.length, 1);
  });

  it('gives every answer a request id where each client reads it: x-request-id (OpenAI) and request-id (Anthropic)', async () => {
    h = await startGatewayHarness([{ id: 'primary' }]);
    const completion = await h.openai().chat.completions.create({ model: 'auto', messages: hello });
    assert.match(completion._request_id ?? '', /^req_[0-9a-f]{32}$/);
    const message = await h.anthropic().messages.create({ model: 'auto', max_tokens: 50, messages: hello });
    assert.match(message._request_id ?? '', /^req_[0-9a-f]{32}$/);
    assert.notEqual(message._request_id, completion._request_id);
    const err = await rejectionOf(h.anthropic().messages.create({ model: 'nope', max_tokens: 50, messages: hello }));
    assert.ok(err instanceof Anthropic.NotFoundError, String(err));
    assert.match(err.requestID ?? '', /^req_/);
    // Anthropic repeats the id in its error body.
    assert.equal((err.error as { request_id?: string }).request_id, err.requestID);
  });
});
