import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../emulator/server';
import { CLI_PATH, runCli } from '../support/runCli';

describe('CLI stats: alerts (dist/cli.js as separate processes)', function () {
  this.timeout(20_000);
  let primary: Emulator;
  let backup: Emulator;
  let dir: string;
  let configFile: string;

  before(function () {
    if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run 'npm run build' first (npm test does).`);
  });

  beforeEach(async () => {
    primary = await startEmulator({ name: 'primary' });
    backup = await startEmulator({ name: 'backup' });
    dir = await mkdtemp(path.join(tmpdir(), 'llm-router-cli-alerts-'));
    configFile = path.join(dir, 'cfg.json');
    const cfg = {
      providers: [
        { id: 'primary', kind: 'openai', baseUrl: primary.baseUrl('openai'), model: 'gpt-4o-mini', apiKeyEnv: 'TEST_PROVIDER_KEY' },
        { id: 'backup', kind: 'anthropic', baseUrl: backup.baseUrl('anthropic'), model: 'claude-3-5-haiku-latest', apiKeyEnv: 'TEST_PROVIDER_KEY' },
      ],
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 10 },
      breaker: { consecutiveFailures: 1, halfOpenAfterMs: 600_000, maxHalfOpenAfterMs: 600_000 },
    };
    await writeFile(configFile, JSON.stringify(cfg));
  });

  afterEach(async () => {
    await primary.close();
    await backup.close();
    await rm(dir, { recursive: true, force: true });
  });

  const cli = (...args: string[]) => runCli([...args, '--config', configFile, '--state-dir', path.join(dir, 'state')], { env: { TEST_PROVIDER_KEY: 'sk-test' } });

  it('stats --json lists the alert a breaker opened in an earlier process, with its kind, provider, message and since', async () => {
    primary.enqueue({ type: 'status', status: 503 });
    const before = Date.now();
    const asked = await cli('ask', '--json', 'hello');
    assert.equal(asked.code, 0, asked.stderr);
    assert.equal(JSON.parse(asked.stdout).provider, 'backup');

    const first = await cli('stats', '--json');
    assert.equal(first.code, 0, first.stderr);
    const { alerts } = JSON.parse(first.stdout) as { alerts: Array<Record<string, unknown>> };
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0].kind, 'breaker-open');
    assert.equal(alerts[0].provider, 'primary');
    assert.match(String(alerts[0].message), /Provider 'primary': circuit breaker open/);
    assert.ok(typeof alerts[0].since === 'number' && alerts[0].since >= before && alerts[0].since <= Date.now());

    const second = JSON.parse((await cli('stats', '--json')).stdout) as { alerts: Array<Record<string, unknown>> };
    assert.deepEqual(second.alerts, alerts, 'the same alert, same since, in the next process');
    const text = await cli('stats');
    assert.match(text.stdout, /alerts \(1\)\n {2}breaker-open +since .*: Provider 'primary': circuit breaker open/);
    assert.equal(primary.requests.filter((r) => r.method === 'GET').length, 0, 'a one-shot command sends no background probe');
  });

  it('stats --json has an empty alerts list when nothing is wrong', async () => {
    assert.equal((await cli('ask', '--json', 'hello')).code, 0);
    const out = JSON.parse((await cli('stats', '--json')).stdout) as { alerts: unknown[] };
    assert.deepEqual(out.alerts, []);
  });
});
