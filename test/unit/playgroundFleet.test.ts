import { strict as assert } from 'node:assert';
import { parseConfig } from '../../src/engine/config/loadConfig';
import { RouterEngine } from '../../src/engine/engine';
import { AllProvidersFailedError } from '../../src/engine/errors';
import { PLAYGROUND_KEY_VALUE, startPlaygroundFleet, type PlaygroundFleet } from '../emulator/playgroundFleet';

describe('playground fleet: simulated providers and their failure switches', () => {
  let fleet: PlaygroundFleet;
  let engine: RouterEngine;
  const setMode = (id: string, mode: unknown) =>
    fetch(`${fleet.control}/providers/${encodeURIComponent(id)}/mode`, { method: 'POST', body: JSON.stringify({ mode }) });

  beforeEach(async () => {
    fleet = await startPlaygroundFleet({ chunkDelayMs: 0 });
    const config = parseConfig({ providers: fleet.providers, retry: { maxAttempts: 1 } }).config;
    engine = new RouterEngine({ config, resolveKey: () => PLAYGROUND_KEY_VALUE });
  });
  afterEach(async () => {
    await engine.close();
    await fleet.close();
  });

  it('serves three providers of different wire formats on loopback, one key-less', () => {
    assert.deepEqual(
      fleet.providers.map((p) => [p.id, p.kind]),
      [['sim-openai', 'openai-compatible'], ['sim-claude', 'anthropic'], ['sim-ollama', 'ollama']],
    );
    for (const p of fleet.providers) assert.match(p.baseUrl, /^http:\/\/127\.0\.0\.1:\d+/);
    assert.equal(fleet.providers.find((p) => p.kind === 'anthropic')?.apiKeyEnv, 'LLM_ROUTER_PLAYGROUND_KEY', 'the keyed kind names its variable explicitly');
  });

  it('lists the providers and the failure modes it offers', async () => {
    const state = (await (await fetch(fleet.control)).json()) as { providers: { id: string; mode: string }[]; modes: { id: string }[] };
    assert.deepEqual(state.modes.map((m) => m.id), ['healthy', 'down', 'slow', 'rate-limited', 'cut-stream']);
    assert.ok(state.providers.every((p) => p.mode === 'healthy'));
  });

  it('breaks a provider until it is switched back, and the router falls back meanwhile', async () => {
    assert.equal((await setMode('sim-openai', 'down')).status, 200);
    const [probe] = await engine.health();
    assert.deepEqual([probe.provider, probe.ok, probe.status], ['sim-openai', false, 503]);
    const answer = await engine.chat({ messages: [{ role: 'user', content: 'hi' }] }, { noCache: true });
    assert.equal(answer.provider, 'sim-claude');
    assert.deepEqual(answer.attempts.map((a) => [a.provider, a.outcome]), [['sim-openai', 'error'], ['sim-claude', 'ok']]);

    await setMode('sim-openai', 'healthy');
    assert.equal((await engine.chat({ messages: [{ role: 'user', content: 'hi' }] }, { noCache: true })).provider, 'sim-openai');
  });

  it('answers 429 with Retry-After when rate limited, and cuts streams', async () => {
    await setMode('sim-openai', 'rate-limited');
    const [probe] = await engine.health();
    assert.equal(probe.status, 429);
    for (const id of ['sim-openai', 'sim-claude', 'sim-ollama']) await setMode(id, 'cut-stream');
    await assert.rejects(engine.chat({ messages: [{ role: 'user', content: 'tell me more' }], stream: true }, { noCache: true, onText: () => undefined }), AllProvidersFailedError);
  });

  it('refuses an unknown provider or mode, naming the valid ones', async () => {
    const unknownProvider = await setMode('sim-nope', 'down');
    assert.equal(unknownProvider.status, 404);
    assert.match(await unknownProvider.text(), /sim-openai, sim-claude, sim-ollama/);
    const unknownMode = await setMode('sim-openai', 'broken');
    assert.equal(unknownMode.status, 400);
    assert.match(await unknownMode.text(), /healthy, down, slow, rate-limited, cut-stream/);
    assert.equal(fleet.modeOf('sim-openai'), 'healthy');
  });
});
