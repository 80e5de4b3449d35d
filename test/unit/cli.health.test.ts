import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { closedPortUrl, startEmulator, type Emulator } from '../emulator/server';
import { CLI_PATH, runCli } from '../support/runCli';

const KEY = 'sk-cli-health-0123456789';

describe('CLI health and stats label providers with the one definition of health (dist/cli.js)', function () {
  this.timeout(20_000);
  let backup: Emulator;
  let dir: string;
  let args: string[];

  before(function () {
    if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run 'npm run build' first (npm test does).`);
  });

  beforeEach(async () => {
    backup = await startEmulator({ name: 'backup' });
    dir = await mkdtemp(path.join(tmpdir(), 'llm-router-cli-health-'));
    const config = path.join(dir, 'cfg.json');
    await writeFile(
      config,
      JSON.stringify({
        providers: [
          { id: 'dead', kind: 'openai-compatible', baseUrl: `${await closedPortUrl()}/v1`, model: 'm' },
          { id: 'backup', kind: 'anthropic', baseUrl: backup.baseUrl('anthropic'), model: 'claude', apiKeyEnv: 'TEST_PROVIDER_KEY' },
          { id: 'spare', kind: 'ollama', baseUrl: backup.baseUrl('ollama'), model: 'llama3.2' },
        ],
      }),
    );
    args = ['--config', config, '--state-dir', path.join(dir, 'state')];
  });

  afterEach(async () => {
    await backup.close();
    await rm(dir, { recursive: true, force: true });
  });

  const run = (...more: string[]) => runCli([...more, ...args], { env: { TEST_PROVIDER_KEY: KEY } });

  it('health: after its probe, a provider that failed is degraded with the reason, one that answered is healthy', async () => {
    const json = await run('health', '--json');
    assert.equal(json.code, 0, json.stderr);
    const providers = JSON.parse(json.stdout).providers as Array<{ provider: string; health: { state: string; reason: string } }>;
    assert.deepEqual(providers.map((p) => [p.provider, p.health.state]), [['dead', 'degraded'], ['backup', 'healthy'], ['spare', 'healthy']]);
    assert.match(providers[0].health.reason, /^Last request failed at \d\d:\d\d:\d\d: connection/);

    const text = await run('health');
    assert.match(text.stdout, /^dead .* degraded\n {2}Last request failed at \d\d:\d\d:\d\d: connection/m);
    assert.match(text.stdout, /^backup .* healthy\n {2}Last answered at \d\d:\d\d:\d\d$/m);
  });

  it('health: shows the rate-limit headroom each provider announced in its answer, and what limits.rpm leaves, never a key', async () => {
    backup.setRateLimit({ style: 'anthropic', requests: { limit: 50, windowMs: 60_000 }, tokens: { limit: 10_000, windowMs: 60_000 } });
    const json = await run('health', '--json');
    assert.equal(json.code, 0, json.stderr);
    const providers = JSON.parse(json.stdout).providers as Array<{ provider: string; rateLimit?: { requestsRemaining?: number; tokensRemaining?: number; resetAt?: number; limitedBy?: string } }>;
    const announced = providers.find((p) => p.provider === 'backup')?.rateLimit;
    assert.equal(announced?.requestsRemaining, 49);
    assert.ok((announced?.tokensRemaining ?? 0) > 9_900 && (announced?.tokensRemaining ?? 0) < 10_000, JSON.stringify(announced));
    assert.ok((announced?.resetAt ?? 0) > Date.now(), 'the announced reset');
    assert.equal(announced?.limitedBy, undefined);
    assert.equal(providers.find((p) => p.provider === 'dead')?.rateLimit, undefined, 'nothing announced, no limits set: no field');
    const text = await run('health');
    assert.match(text.stdout, /^backup .*\n.*\n.*\n {2}rate limit {2}\d+ requests, [\d,]+ tokens left; resets \d\d:\d\d:\d\d$/m);
    assert.ok(!json.stdout.includes(KEY) && !text.stdout.includes(KEY));
  });

  it('ask and health with two keys in apiKeyEnv: a 429 on the first moves to the second; a later health run names them key 1 of 2 (still cooling down) and key 2 of 2 only', async () => {
    const config = path.join(dir, 'keys.json');
    await writeFile(config, JSON.stringify({ providers: [{ id: 'backup', kind: 'openai-compatible', baseUrl: backup.baseUrl('openai'), model: 'm', apiKeyEnv: ['KEY_ONE', 'KEY_TWO'] }] }));
    const env = { KEY_ONE: 'sk-cli-first-key-11111111', KEY_TWO: 'sk-cli-second-key-2222222' };
    backup.enqueue({ type: 'status', status: 429, retryAfterSeconds: 60 });
    const asked = await runCli(['ask', '--json', '--config', config, '--state-dir', path.join(dir, 'state'), 'hello'], { env });
    assert.equal(asked.code, 0, asked.stderr);
    const attempts = (JSON.parse(asked.stdout) as { attempts: Array<{ outcome: string; message?: string }> }).attempts;
    assert.deepEqual(attempts.map((a) => a.outcome), ['error', 'ok']);
    assert.deepEqual(backup.requests.map((r) => r.headers.authorization), [`Bearer ${env.KEY_ONE}`, `Bearer ${env.KEY_TWO}`]);
    const health = await runCli(['health', '--json', '--config', config, '--state-dir', path.join(dir, 'state')], { env });
    const keys = (JSON.parse(health.stdout) as { providers: Array<{ keys?: Array<{ label: string; active: boolean }> }> }).providers[0].keys;
    assert.deepEqual(keys?.map((k) => k.label), ['key 1 of 2', 'key 2 of 2']);
    const text = await runCli(['health', '--config', config, '--state-dir', path.join(dir, 'state')], { env });
    // A later run knows key 1 is still cooling down from the first run's 429 (rate-limits.json), and uses key 2.
    assert.match(text.stdout, /^ {2}keys {8}key 1 of 2 cooling down until \d\d:\d\d:\d\d \(rate_limited\) · key 2 of 2 serving$/m);
    for (const out of [asked.stdout, asked.stderr, health.stdout, text.stdout]) for (const key of Object.values(env)) assert.ok(!out.includes(key));
  });

  it('stats, in a later run: the provider that failed is degraded, the one that answered healthy, the one never called unknown', async () => {
    assert.equal((await run('ask', 'hello')).code, 0);
    const json = await run('stats', '--json');
    const providers = JSON.parse(json.stdout).providers as Array<{ id: string; health: { state: string; reason: string } }>;
    assert.deepEqual(providers.map((p) => [p.id, p.health.state]), [['dead', 'degraded'], ['backup', 'healthy'], ['spare', 'unknown']]);
    const text = (await run('stats')).stdout;
    assert.match(text, /^ {2}health {6}degraded: Last request failed at \d\d:\d\d:\d\d: connection/m);
    assert.match(text, /^ {2}health {6}unknown: No answer yet$/m);
  });
});
