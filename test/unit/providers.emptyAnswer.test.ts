import assert from 'node:assert/strict';
import { ProviderError, type ErrorClass } from '../../src/engine/errors';
import { sendChat } from '../../src/engine/http/transport';
import type { ProviderEndpoint } from '../../src/engine/providers/adapter';
import { emptyAnswerError } from '../../src/engine/providers/emptyAnswer';
import { openaiAdapter } from '../../src/engine/providers/openai';
import { adapterFor } from '../../src/engine/providers/registry';
import type { ChatRequest, HttpProviderKind as ProviderKind } from '../../src/engine/types';
import { startEmulator, type Emulator, type Fault } from '../emulator/server';
import { startHarness, type Harness } from '../support/engineHarness';

const ask: ChatRequest = { messages: [{ role: 'user', content: 'Say hello' }] };

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => assert.fail('an answer without any choice was accepted'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ProviderError, `expected a ProviderError, got ${String(err)}`);
  return err;
}

describe('an answer with no text and no finish reason is not an answer', () => {
  describe('each adapter over HTTP to the emulator', () => {
    let emu: Emulator;
    before(async () => {
      emu = await startEmulator();
    });
    afterEach(() => emu.reset());
    after(() => emu.close());

    const endpoint = (kind: ProviderKind): ProviderEndpoint => ({ id: `${kind}-emu`, kind, baseUrl: emu.baseUrl(kind), model: 'm', apiKey: 'sk-empty-test' });
    const send = (kind: ProviderKind, stream: boolean) => sendChat(adapterFor(kind), endpoint(kind), { ...ask, stream }, { totalTimeoutMs: 2000 });

    // Gemini and Ollama streams have no end marker but the finishing chunk, so an empty one is a cut stream.
    const emptyClass: Record<ProviderKind, [ErrorClass, ErrorClass]> = {
      openai: ['malformed_response', 'malformed_response'],
      'openai-compatible': ['malformed_response', 'malformed_response'],
      anthropic: ['malformed_response', 'malformed_response'],
      gemini: ['malformed_response', 'stream_cut'],
      cohere: ['malformed_response', 'malformed_response'],
      ollama: ['malformed_response', 'stream_cut'],
    };
    for (const [kind, [plain, streamed]] of Object.entries(emptyClass) as [ProviderKind, [ErrorClass, ErrorClass]][]) {
      it(`${kind}: an empty 200 answer fails as ${plain}, streamed as ${streamed}; both count against the provider`, async () => {
        emu.enqueue({ type: 'empty' }, { type: 'empty' });
        const a = await failure(send(kind, false));
        const b = await failure(send(kind, true));
        assert.deepEqual([a.errorClass, b.errorClass], [plain, streamed]);
        assert.ok(a.countsAgainstProvider && b.countsAgainstProvider);
        assert.deepEqual(emu.requests.map((r) => [r.fault?.type, r.stream]), [['empty', false], ['empty', true]]);
      });
    }

    for (const kind of ['openai', 'gemini'] as const) {
      it(`${kind}: a 200 answer saying the prompt was blocked fails as content_policy, streamed or not, without counting against the provider`, async () => {
        emu.enqueue({ type: 'promptBlocked' }, { type: 'promptBlocked' });
        for (const stream of [false, true]) {
          const err = await failure(send(kind, stream));
          assert.equal(err.errorClass, 'content_policy');
          assert.equal(err.countsAgainstProvider, false);
          assert.match(err.message, kind === 'openai' ? /prompt was blocked by its content filter — violence \(high\)/ : /prompt blocked \(SAFETY\)/);
        }
      });
    }

    it('an empty text that says why it stopped is still an answer', async () => {
      emu.enqueue({ type: 'ok', reply: '' }, { type: 'ok', reply: '' });
      for (const stream of [false, true]) {
        const result = await send('openai', stream);
        assert.equal(result.text, '');
        assert.equal(result.finishReason, 'stop');
      }
    });
  });

  describe('the rule, for the shapes the emulator does not send', () => {
    const ep: ProviderEndpoint = { id: 'p', kind: 'gemini', baseUrl: 'https://example.invalid', model: 'm' };

    it('an answer whose only content is a content-filter stop is the provider refusing, not a failure of it', () => {
      const err = emptyAnswerError(ep, '', 'content_filter');
      assert.equal(err?.errorClass, 'content_policy');
      assert.equal(err?.countsAgainstProvider, false);
    });

    it('text, or a stop for any other reason, makes an answer', () => {
      assert.equal(emptyAnswerError(ep, 'partial', undefined), undefined);
      assert.equal(emptyAnswerError(ep, 'cut short', 'content_filter'), undefined);
      for (const reason of ['stop', 'length', 'tool_calls', 'other'] as const) assert.equal(emptyAnswerError(ep, '', reason), undefined);
    });

    it('openai: prompt_filter_results that filtered nothing leave the verdict to the no-choice rule', () => {
      const body = { choices: [], prompt_filter_results: [{ prompt_index: 0, content_filter_results: { hate: { filtered: false, severity: 'safe' } } }] };
      assert.deepEqual(openaiAdapter.parseCompletion(body, ep), { text: '' });
      assert.deepEqual(openaiAdapter.parseStreamEvent({ data: JSON.stringify(body) }, ep), []);
    });
  });

  describe('the router falls back to the next provider', () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.close();
      h = undefined;
    });

    const cases: [string, Fault, ErrorClass, number][] = [
      ['choices: [] (a gateway with nothing to say)', { type: 'empty' }, 'malformed_response', 1],
      ['choices: [] with Azure prompt_filter_results filtered', { type: 'promptBlocked' }, 'content_policy', 0],
    ];
    for (const [what, fault, errorClass, failuresCounted] of cases) {
      for (const stream of [false, true]) {
        it(`${stream ? 'streamed' : 'not streamed'}: the primary answers ${what} → the secondary's answer, ${errorClass} on the primary's record`, async () => {
          h = await startHarness([{ id: 'primary' }, { id: 'secondary', kind: 'anthropic' }], { retry: { maxAttempts: 1 }, cache: { enabled: false } });
          h.emulators.primary.enqueue(fault);
          const pieces: string[] = [];
          const res = await h.engine.chat({ ...ask, stream }, { onText: (t) => pieces.push(t) });
          assert.equal(res.provider, 'secondary');
          assert.equal(res.text, 'Hello from secondary.');
          assert.equal(res.finishReason, 'stop');
          if (stream) assert.equal(pieces.join(''), 'Hello from secondary.');
          assert.deepEqual(res.attempts.map((a) => [a.provider, a.outcome, a.errorClass]), [
            ['primary', 'error', errorClass],
            ['secondary', 'ok', undefined],
          ]);
          assert.equal(h.engine.providers().find((p) => p.id === 'primary')?.breaker.consecutiveFailures, failuresCounted);
        });
      }
    }
  });
});
