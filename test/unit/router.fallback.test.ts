import assert from 'node:assert/strict';
import { parseConfig } from '../../src/engine/config/loadConfig';
import { RouterEngine } from '../../src/engine/engine';
import { AllProvidersFailedError } from '../../src/engine/errors';
import { startHarness, type Harness } from '../support/engineHarness';

const ask = { messages: [{ role: 'user' as const, content: 'Say hello' }] };

describe('router: fallback across providers', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('falls back to the second provider when the first keeps answering 503, after retrying it', async () => {
    h = await startHarness([{ id: 'a' }, { id: 'b' }]);
    h!.emulators.a.enqueue({ type: 'status', status: 503 }, { type: 'status', status: 503 });
    const res = await h!.engine.chat(ask);
    assert.equal(res.provider, 'b');
    assert.equal(res.text, 'Hello from b.');
    assert.equal(h!.emulators.a.requests.length, 2, 'retried a once (retry.maxAttempts = 2)');
    assert.deepEqual(
      res.attempts.map((a) => [a.provider, a.outcome, a.errorClass, a.status]),
      [
        ['a', 'error', 'server_error', 503],
        ['a', 'error', 'server_error', 503],
        ['b', 'ok', undefined, 200],
      ],
    );
  });

  it('walks a chain of any length in priority order', async () => {
    h = await startHarness([
      { id: 'p4', extra: { priority: 4 } },
      { id: 'p1', extra: { priority: 1 } },
      { id: 'p3', extra: { priority: 3 } },
      { id: 'p2', extra: { priority: 2 } },
    ], { retry: { maxAttempts: 1 } });
    h!.emulators.p1.enqueue({ type: 'reset' });
    h!.emulators.p2.enqueue({ type: 'html' });
    h!.emulators.p3.enqueue({ type: 'malformed' });
    const res = await h!.engine.chat(ask);
    assert.equal(res.provider, 'p4');
    assert.deepEqual(res.attempts.map((a) => `${a.provider}:${a.errorClass ?? 'ok'}`), ['p1:connection', 'p2:malformed_response', 'p3:malformed_response', 'p4:ok']);
  });

  it('does not retry a permanent error (400) but still falls back', async () => {
    h = await startHarness([{ id: 'a' }, { id: 'b' }], { retry: { maxAttempts: 3 } });
    h!.emulators.a.enqueue({ type: 'status', status: 400, message: 'bad field' });
    const res = await h!.engine.chat(ask);
    assert.equal(res.provider, 'b');
    assert.equal(h!.emulators.a.requests.length, 1);
    assert.equal(res.attempts[0].errorClass, 'bad_request');
  });

  it('reports one error listing every attempt and why when every provider fails', async () => {
    h = await startHarness([{ id: 'a' }, { id: 'b', kind: 'anthropic' }], { retry: { maxAttempts: 1 } });
    h!.emulators.a.enqueue({ type: 'status', status: 401 });
    h!.emulators.b.enqueue({ type: 'status', status: 529 });
    const err = await h!.engine.chat(ask).then(() => assert.fail('should fail'), (e: unknown) => e);
    assert.ok(err instanceof AllProvidersFailedError);
    assert.deepEqual(err.attempts.map((a) => [a.provider, a.errorClass, a.status]), [
      ['a', 'auth', 401],
      ['b', 'overloaded', 529],
    ]);
    assert.match(err.message, /a: error — auth \(HTTP 401\)/);
    assert.match(err.message, /b: error — overloaded \(HTTP 529\)/);
  });

  it('skips a provider without a key and says how to set one, without sending it anything', async () => {
    h = await startHarness([{ id: 'a' }, { id: 'b' }], {}, { resolveKey: (p) => (p.id === 'a' ? undefined : 'sk-b') });
    const res = await h!.engine.chat(ask);
    assert.equal(res.provider, 'b');
    assert.equal(h!.emulators.a.requests.length, 0);
    assert.equal(res.attempts[0].errorClass, 'missing_key');
    assert.match(res.attempts[0].message ?? '', /Set API Key/);
  });

  it('refuses to send a key over plain http to a host that is not this machine', async () => {
    const { config } = parseConfig({ providers: [{ id: 'remote', kind: 'openai-compatible', baseUrl: 'http://llm-router.invalid/v1', model: 'm' }] });
    const engine = new RouterEngine({ config, resolveKey: () => 'sk-secret-value' });
    try {
      const err = await engine.chat(ask).then(() => assert.fail('should fail'), (e: unknown) => e);
      assert.ok(err instanceof AllProvidersFailedError);
      assert.equal(err.attempts[0].errorClass, 'insecure_endpoint');
      assert.doesNotMatch(err.message, /sk-secret-value/);
    } finally {
      await engine.close();
    }
  });

  it('sends the configured model, the prompt and the key to the provider', async () => {
    h = await startHarness([{ id: 'a' }]);
    await h!.engine.chat({ system: 'Be brief.', messages: [{ role: 'user', content: 'Hi there' }], temperature: 0.2, maxTokens: 50 });
    const req = h!.emulators.a.requests[0];
    assert.equal(req.headers.authorization, 'Bearer sk-test-key');
    const body = req.body as { model: string; messages: { role: string; content: string }[]; temperature: number };
    assert.equal(body.model, 'a-model');
    assert.deepEqual(body.messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi there' },
    ]);
    assert.equal(body.temperature, 0.2);
  });
});
