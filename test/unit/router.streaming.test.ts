import assert from 'node:assert/strict';
import type { EngineOptions } from '../../src/engine/engine';
import { AllProvidersFailedError } from '../../src/engine/errors';
import type { ChatRequest, ProviderKind } from '../../src/engine/types';
import { startHarness, type Harness, type HarnessProvider } from '../support/engineHarness';

const streamAsk: ChatRequest = { messages: [{ role: 'user', content: 'Say hello' }], stream: true };
const KINDS: ProviderKind[] = ['openai', 'anthropic', 'gemini', 'cohere', 'ollama'];

/** The response cache would answer repeated prompts itself; these tests are about reaching providers. */
function start(providers: HarnessProvider[], settings: Record<string, unknown> = {}, opts: Partial<EngineOptions> = {}): Promise<Harness> {
  return startHarness(providers, { cache: { enabled: false }, ...settings }, opts);
}

async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => assert.fail('expected the call to fail, not to resolve as a complete answer'),
    (err: unknown) => err,
  );
}

describe('router: streaming', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  for (const kind of KINDS) {
    it(`streams a ${kind} answer as several onText deltas that add up to the result text`, async () => {
      h = await start([{ id: kind, kind }]);
      const deltas: string[] = [];
      const res = await h.engine.chat(streamAsk, { onText: (d) => deltas.push(d) });
      assert.equal(res.provider, kind);
      assert.equal(res.text, `Hello from ${kind}.`);
      assert.ok(deltas.length >= 2, `got ${deltas.length} deltas`);
      assert.equal(deltas.join(''), res.text);
      assert.equal(res.finishReason, 'stop');
      assert.ok(res.usage.outputTokens > 0, 'usage arrives with the stream');
      assert.equal(h.emulators[kind].requests[0].stream, true, 'the provider was asked to stream');
    });

    it(`rejects a ${kind} stream cut after delivered text as incomplete, with the partial text, and asks nobody else`, async () => {
      h = await start([{ id: kind, kind }, { id: 'backup' }]);
      h.emulators[kind].enqueue({ type: 'cut', afterChunks: 1 });
      const deltas: string[] = [];
      const err = await rejectionOf(h.engine.chat(streamAsk, { onText: (d) => deltas.push(d) }));
      assert.ok(err instanceof AllProvidersFailedError, `got ${String(err)}`);
      assert.equal(err.partialText, 'Hello ');
      assert.equal(deltas.join(''), 'Hello ');
      assert.match(err.message, /incomplete/);
      assert.equal(h.emulators[kind].requests.length, 1, 'not retried');
      assert.equal(h.emulators.backup.requests.length, 0, 'no fallback once text was delivered');
    });

    it(`rejects a ${kind} stream that reports an error after delivered text, with the partial text`, async () => {
      h = await start([{ id: kind, kind }, { id: 'backup' }]);
      h.emulators[kind].enqueue({ type: 'streamError', message: 'the model fell over' });
      const deltas: string[] = [];
      const err = await rejectionOf(h.engine.chat(streamAsk, { onText: (d) => deltas.push(d) }));
      assert.ok(err instanceof AllProvidersFailedError, `got ${String(err)}`);
      assert.equal(err.partialText, 'Hello ');
      assert.equal(deltas.join(''), 'Hello ');
      assert.match(err.message, /incomplete/);
      assert.equal(err.attempts.length, 1);
      assert.equal(err.attempts[0].outcome, 'error');
      assert.equal(h.emulators.backup.requests.length, 0);
    });
  }

  it('falls back transparently when a stream is cut before its first token: onText only sees the second provider', async () => {
    h = await start([{ id: 'a' }, { id: 'b', kind: 'anthropic' }], { retry: { maxAttempts: 1 } });
    h.emulators.a.enqueue({ type: 'cut', afterChunks: 0 });
    const deltas: string[] = [];
    const res = await h.engine.chat(streamAsk, { onText: (d) => deltas.push(d) });
    assert.equal(res.provider, 'b');
    assert.equal(deltas.join(''), 'Hello from b.');
    assert.equal(res.text, 'Hello from b.');
    assert.deepEqual(res.attempts.map((a) => [a.provider, a.outcome]), [
      ['a', 'error'],
      ['b', 'ok'],
    ]);
  });

  it('retries the same provider when its stream is cut before the first token', async () => {
    h = await start([{ id: 'a' }, { id: 'b' }]);
    h.emulators.a.enqueue({ type: 'cut', afterChunks: 0 });
    const deltas: string[] = [];
    const res = await h.engine.chat(streamAsk, { onText: (d) => deltas.push(d) });
    assert.equal(res.provider, 'a');
    assert.equal(deltas.join(''), 'Hello from a.');
    assert.equal(h.emulators.a.requests.length, 2);
  });

  it('falls back when a stream frame is malformed before any text', async () => {
    h = await start([{ id: 'a' }, { id: 'b' }], { retry: { maxAttempts: 1 } });
    h.emulators.a.enqueue({ type: 'malformed' });
    const deltas: string[] = [];
    const res = await h.engine.chat(streamAsk, { onText: (d) => deltas.push(d) });
    assert.equal(res.provider, 'b');
    assert.equal(deltas.join(''), 'Hello from b.');
    assert.equal(res.attempts[0].errorClass, 'malformed_response');
  });

  it('falls back when a stream request gets an HTML page with status 200', async () => {
    h = await start([{ id: 'a', kind: 'ollama' }, { id: 'b', kind: 'gemini' }], { retry: { maxAttempts: 1 } });
    h.emulators.a.enqueue({ type: 'html' });
    const deltas: string[] = [];
    const res = await h.engine.chat(streamAsk, { onText: (d) => deltas.push(d) });
    assert.equal(res.provider, 'b');
    assert.equal(deltas.join(''), 'Hello from b.');
    assert.deepEqual([res.attempts[0].provider, res.attempts[0].errorClass], ['a', 'malformed_response']);
    assert.match(res.attempts[0].message ?? '', /HTML/);
  });

  it('treats a stream that stops cleanly without its end marker as cut, not complete', async () => {
    h = await start([{ id: 'a' }, { id: 'b' }]);
    h.emulators.a.enqueue({ type: 'truncated' });
    const err = await rejectionOf(h.engine.chat(streamAsk, { onText: () => undefined }));
    assert.ok(err instanceof AllProvidersFailedError);
    assert.equal(err.partialText, 'Hello from a.');
    assert.equal(err.attempts[0].errorClass, 'stream_cut');
    assert.equal(h.emulators.b.requests.length, 0);
  });

  it("rethrows the caller's own onText exception, without blaming the provider or asking another", async () => {
    h = await start([{ id: 'a' }, { id: 'b' }], { breaker: { consecutiveFailures: 1 } });
    const uiBug = new Error('the editor went away');
    const err = await rejectionOf(
      h.engine.chat(streamAsk, {
        onText: () => {
          throw uiBug;
        },
      }),
    );
    assert.equal(err, uiBug);
    assert.equal(h.emulators.a.requests.length, 1, 'not retried');
    assert.equal(h.emulators.b.requests.length, 0, 'no fallback');
    const snap = h.engine.providers().find((p) => p.id === 'a')?.breaker;
    assert.equal(snap?.state, 'closed');
    assert.equal(snap?.consecutiveFailures, 0);
  });

  it('still answers a streamed request when the caller gives no onText', async () => {
    h = await start([{ id: 'a' }, { id: 'b' }], { retry: { maxAttempts: 1 } });
    h.emulators.a.enqueue({ type: 'cut', afterChunks: 1 });
    const res = await h.engine.chat(streamAsk);
    // Nothing reached the caller, so another provider can still give the whole answer.
    assert.equal(res.provider, 'b');
    assert.equal(res.text, 'Hello from b.');
  });
});
