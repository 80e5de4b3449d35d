import assert from 'node:assert/strict';
import { setTimeout as wait } from 'node:timers/promises';
import type { EngineOptions, RouterEngine } from '../../src/engine/engine';
import type { HttpProviderKind as ProviderKind, ChatRequest } from '../../src/engine/types';
import type { Emulator } from '../emulator/server';
import { startHarness, type Harness, type HarnessProvider } from '../support/engineHarness';

const ask: ChatRequest = { messages: [{ role: 'user', content: 'Say hello' }] };

async function until(cond: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await wait(10);
  }
}

const breakerState = (engine: RouterEngine, id: string) => engine.providers().find((p) => p.id === id)?.breaker.state;
const probesTo = (em: Emulator) => em.requests.filter((r) => r.method === 'GET');
const chatsTo = (em: Emulator) => em.requests.filter((r) => r.method === 'POST');

describe('background health probes (engine over real HTTP)', () => {
  let h: Harness | undefined;

  async function start(providers: HarnessProvider[], settings: Record<string, unknown> = {}, opts: Partial<EngineOptions> = {}): Promise<Harness> {
    h = await startHarness(providers, { cache: { enabled: false }, retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 1, halfOpenAfterMs: 150, maxHalfOpenAfterMs: 150 }, ...settings }, { backgroundProbes: true, ...opts });
    await h.engine.ready();
    return h;
  }

  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const MODELS_PATH: Record<ProviderKind, string> = {
    openai: '/v1/models',
    'openai-compatible': '/v1/models',
    anthropic: '/v1/models',
    gemini: '/v1beta/models',
    cohere: '/v1/models',
    ollama: '/api/tags',
  };

  for (const kind of ['openai', 'anthropic', 'gemini', 'cohere', 'ollama'] as const) {
    it(`${kind}: an open breaker closes through a background probe of the models endpoint, with no user request`, async () => {
      const { engine, emulators } = await start([{ id: 'a', kind }, { id: 'b' }]);
      emulators.a.enqueue({ type: 'status', status: 503 });
      assert.equal((await engine.chat(ask)).provider, 'b');
      assert.equal(breakerState(engine, 'a'), 'open');
      const chatsBefore = chatsTo(emulators.a).length;

      await until(() => breakerState(engine, 'a') === 'closed', 'the breaker to close');
      const probes = probesTo(emulators.a);
      assert.equal(probes.length, 1, 'one probe');
      assert.equal(probes[0].path, MODELS_PATH[kind]);
      assert.equal(chatsTo(emulators.a).length, chatsBefore, 'no chat request was the probe');
      const snapshot = engine.metricsSnapshot('5m');
      assert.deepEqual({ requests: snapshot.providers.a.requests, errors: snapshot.providers.a.errorCount }, { requests: 1, errors: 1 }, 'the probe is not a request');
      assert.equal(snapshot.probes.a.probes, 1);
      assert.equal(snapshot.probes.a.lastOk, true);
    });
  }

  it('a user request arriving while the background probe holds the half-open slot waits for its verdict, then is served', async () => {
    const { engine, emulators } = await start([{ id: 'a' }]);
    emulators.a.enqueue({ type: 'status', status: 503 });
    await assert.rejects(engine.chat(ask));
    emulators.a.enqueue({ type: 'delay', ms: 300 });
    await until(() => probesTo(emulators.a).length === 1, 'the probe to start');
    assert.equal(breakerState(engine, 'a'), 'half-open');
    const answer = await engine.chat(ask);
    assert.equal(answer.provider, 'a');
    assert.equal(breakerState(engine, 'a'), 'closed');
    assert.deepEqual(emulators.a.requests.map((r) => r.method), ['POST', 'GET', 'POST'], 'the probe, not the user request, tested the provider');
  });

  it('sends the key the way the chat request does (OpenAI bearer, Anthropic x-api-key)', async () => {
    const { engine, emulators } = await start([{ id: 'a', kind: 'anthropic' }, { id: 'b' }]);
    emulators.a.enqueue({ type: 'status', status: 503 });
    await engine.chat(ask);
    await until(() => probesTo(emulators.a).length === 1, 'the probe');
    const [probe] = probesTo(emulators.a);
    assert.equal(probe.headers['x-api-key'], 'sk-test-key');
    assert.equal(probe.headers['anthropic-version'], '2023-06-01');
  });

  it('a failing probe keeps the breaker open and counts apart from user traffic', async () => {
    const { engine, emulators } = await start([{ id: 'a' }, { id: 'b' }], { breaker: { consecutiveFailures: 1, halfOpenAfterMs: 100, maxHalfOpenAfterMs: 100_000 } });
    const probeResults: boolean[] = [];
    engine.onEvent((e) => e.type === 'probe' && probeResults.push(e.ok));
    emulators.a.enqueue({ type: 'status', status: 503 }, { type: 'status', status: 503 });
    await engine.chat(ask);
    await until(() => probeResults.length === 1, 'the failed probe');
    assert.deepEqual(probeResults, [false]);
    assert.equal(breakerState(engine, 'a'), 'open', 'open again, for twice the wait');
    const snapshot = engine.metricsSnapshot('5m');
    assert.equal(snapshot.probes.a.failures, 1);
    assert.equal(snapshot.providers.a.requests, 1, 'only the user request');
    assert.equal(snapshot.providers.a.errorRate, 1);
    assert.equal(snapshot.total.requests, 2, 'a failing, then b answering: the user request alone');
  });

  it('sends no probe while the engine is told the window is unfocused, and probes as soon as it is focused again', async () => {
    const { engine, emulators } = await start([{ id: 'a' }, { id: 'b' }]);
    engine.setWindowActive(false);
    emulators.a.enqueue({ type: 'status', status: 503 });
    await engine.chat(ask);
    await wait(450);
    assert.equal(probesTo(emulators.a).length, 0, 'no probe while unfocused');
    assert.notEqual(breakerState(engine, 'a'), 'closed');

    engine.setWindowActive(true);
    await until(() => breakerState(engine, 'a') === 'closed', 'the breaker to close');
    assert.equal(probesTo(emulators.a).length, 1);
  });

  it('probes while unfocused when probes.whenIdle is set', async () => {
    const { engine, emulators } = await start([{ id: 'a' }, { id: 'b' }], { probes: { whenIdle: true } });
    engine.setWindowActive(false);
    emulators.a.enqueue({ type: 'status', status: 503 });
    await engine.chat(ask);
    await until(() => breakerState(engine, 'a') === 'closed', 'the breaker to close');
  });

  it('probes every provider every probes.intervalMs, and not at all by default', async () => {
    const periodic = await start([{ id: 'a' }, { id: 'b', kind: 'ollama' }], { probes: { intervalMs: 100 } });
    await until(() => probesTo(periodic.emulators.a).length >= 2 && probesTo(periodic.emulators.b).length >= 2, 'two rounds of probes');
    assert.equal(chatsTo(periodic.emulators.a).length + chatsTo(periodic.emulators.b).length, 0);
    assert.equal(periodic.engine.metricsSnapshot('5m').total.requests, 0, 'probes are no requests');
    await periodic.close();

    const quiet = await start([{ id: 'a' }]);
    await wait(300);
    assert.equal(quiet.emulators.a.requests.length, 0);
  });

  it('an engine without backgroundProbes never probes', async () => {
    const { engine, emulators } = await start([{ id: 'a' }, { id: 'b' }], {}, { backgroundProbes: false });
    emulators.a.enqueue({ type: 'status', status: 503 });
    await engine.chat(ask);
    await wait(400);
    assert.equal(probesTo(emulators.a).length, 0);
  });
});
