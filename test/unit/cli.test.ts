import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { closedPortUrl, startEmulator, type Emulator } from '../emulator/server';
import { CLI_PATH, runCli as runSpawned, type CliRun } from '../support/runCli';

const KEY = 'sk-cli-test-0123456789';

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Every run gets the test key in the environment variable the config names. */
function runCli(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<CliRun> {
  return runSpawned(args, { env: { TEST_PROVIDER_KEY: KEY, ...env }, stdin });
}

describe('CLI (dist/cli.js as a separate process)', function () {
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
    dir = await mkdtemp(path.join(tmpdir(), 'llm-router-cli-'));
    configFile = path.join(dir, 'cfg.json');
    await writeConfig({});
  });

  afterEach(async () => {
    await primary.close();
    await backup.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function writeConfig(extra: Record<string, unknown>, providers?: unknown[]) {
    const cfg = {
      providers: providers ?? [
        { id: 'primary', kind: 'openai', baseUrl: primary.baseUrl('openai'), model: 'gpt-4o-mini', apiKeyEnv: 'TEST_PROVIDER_KEY', priority: 1 },
        { id: 'backup', kind: 'anthropic', baseUrl: backup.baseUrl('anthropic'), model: 'claude-3-5-haiku-latest', apiKeyEnv: 'TEST_PROVIDER_KEY', priority: 2 },
      ],
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 10 },
      ...extra,
    };
    await writeFile(configFile, JSON.stringify(cfg));
  }

  const ask = (...args: string[]) => runCli(['ask', '--config', configFile, '--state-dir', path.join(dir, 'state'), ...args]);

  it('ask --json prints the documented object', async () => {
    const r = await ask('--json', 'hello');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.text, 'Hello from primary.');
    assert.equal(out.provider, 'primary');
    assert.equal(out.model, 'gpt-4o-mini');
    assert.equal(out.cached, false);
    assert.equal(typeof out.latencyMs, 'number');
    assert.ok('costUsd' in out);
    assert.equal(typeof out.usage.inputTokens, 'number');
    assert.equal(typeof out.usage.outputTokens, 'number');
    assert.deepEqual(out.attempts.map((a: { provider: string; outcome: string }) => [a.provider, a.outcome]), [['primary', 'ok']]);
  });

  it('falls back and lists the failed attempt when the primary answers 503', async () => {
    primary.enqueue({ type: 'status', status: 503 });
    const r = await ask('--json', 'hello');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.provider, 'backup');
    assert.deepEqual(out.attempts[0], { ...out.attempts[0], provider: 'primary', outcome: 'error', errorClass: 'server_error', status: 503 });
  });

  it('exits 3 with { error, attempts } when every provider fails', async () => {
    primary.enqueue({ type: 'status', status: 500 });
    backup.enqueue({ type: 'status', status: 529 });
    const r = await ask('--json', 'hello');
    assert.equal(r.code, 3);
    const out = JSON.parse(r.stdout);
    assert.match(out.error, /Every provider failed/);
    assert.deepEqual(out.attempts.map((a: { errorClass: string }) => a.errorClass), ['server_error', 'overloaded']);
  });

  it('exits 2 naming the bad field by provider id, with the bad value', async () => {
    await writeConfig({}, [
      { id: 'a', kind: 'openai', model: 'x' },
      { id: 'b', kind: 'telepathy', model: 'y' },
    ]);
    const r = await ask('hello');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /providers\['b'\]\.kind: must be one of .* \(got "telepathy"\)/);
  });

  it('exits 2 for bad arguments and for an unreadable config', async () => {
    assert.equal((await ask('--max-tokens', 'lots', 'hello')).code, 2);
    assert.equal((await ask('--bogus-flag', 'hello')).code, 2);
    const missing = await runCli(['ask', '--config', path.join(dir, 'nope.json'), 'hello']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no such file/);
  });

  it('streams the answer to stdout with --stream and reads the prompt from stdin with "-"', async () => {
    const r = await runCli(['ask', '--config', configFile, '--state-dir', path.join(dir, 'state'), '--stream', '-'], {}, 'question from stdin');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Hello from primary.\n');
    const body = primary.requests[0].body as { stream: boolean; messages: { content: string }[] };
    assert.equal(body.stream, true);
    assert.equal(body.messages[0].content, 'question from stdin');
  });

  it('passes --temperature, --max-tokens and --system to the provider', async () => {
    const r = await ask('--temperature', '0.3', '--max-tokens', '77', '--system', 'Be terse.', 'hello');
    assert.equal(r.code, 0, r.stderr);
    const body = primary.requests[0].body as Record<string, unknown>;
    assert.equal(body.temperature, 0.3);
    assert.equal(body.max_completion_tokens, 77);
    assert.deepEqual((body.messages as unknown[])[0], { role: 'system', content: 'Be terse.' });
  });

  it('a second process with the same --state-dir is served from the first one\'s cache', async () => {
    assert.equal((await ask('--json', 'same question')).code, 0);
    const second = JSON.parse((await ask('--json', 'same question')).stdout);
    assert.equal(second.cached, true);
    assert.equal(second.costUsd, 0);
    assert.equal(primary.requests.length, 1, 'the provider was asked once');
    const uncached = JSON.parse((await ask('--json', '--no-cache', 'same question')).stdout);
    assert.equal(uncached.cached, false);
    assert.equal(primary.requests.length, 2);
  });

  it('a second process sees the breaker the first one opened', async () => {
    await writeConfig({ breaker: { consecutiveFailures: 1, halfOpenAfterMs: 60_000, maxHalfOpenAfterMs: 60_000 } });
    primary.enqueue({ type: 'status', status: 503 });
    assert.equal((await ask('--json', 'one')).code, 0);
    const out = JSON.parse((await ask('--json', 'two')).stdout);
    assert.equal(out.attempts[0].outcome, 'skipped');
    assert.equal(out.attempts[0].errorClass, 'breaker_open');
    assert.equal(primary.requests.length, 1, 'no request reached the open provider');
  });

  it("a second process sends nothing to a provider whose announced requests ran out, nor before another's Retry-After", async () => {
    // A short request budget: a request that would have to wait 30 s gives up at once instead.
    await writeConfig({ routing: { requestBudgetMs: 1_000 } });
    primary.setRateLimit({ style: 'openai', requests: { limit: 1, windowMs: 30_000 } });
    backup.enqueue({ type: 'status', status: 503, retryAfterSeconds: 30 });
    assert.equal(JSON.parse((await ask('--json', '--no-cache', 'one')).stdout).provider, 'primary');
    assert.equal((await ask('--json', '--no-cache', 'two')).code, 3, 'primary held back, backup answered 503');
    const third = await ask('--json', '--no-cache', 'three');
    assert.equal(third.code, 3);
    const out = JSON.parse(third.stdout) as { attempts: Array<{ provider: string; outcome: string }> };
    assert.deepEqual(out.attempts.map((a) => [a.provider, a.outcome]), [
      ['primary', 'skipped'],
      ['backup', 'skipped'],
    ]);
    assert.equal(primary.requests.length, 1, 'the announced 0 held across processes');
    assert.equal(backup.requests.length, 1, 'the Retry-After held across processes');
  });

  it('analyze --json returns validated findings from the model', async () => {
    primary.enqueue({ type: 'ok', reply: '```json\n{"findings":[{"line":2,"severity":"warning","message":"Unused variable x."}]}\n```' });
    const file = path.join(dir, 'sample.ts');
    await writeFile(file, 'export const a = 1;\nconst x = 2;\n');
    const r = await runCli(['analyze', '--config', configFile, '--state-dir', path.join(dir, 'state'), '--json', file]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.findings, [{ line: 2, severity: 'warning', message: 'Unused variable x.' }]);
    assert.equal(out.provider, 'primary');
    assert.match(JSON.stringify(primary.requests[0].body), /2: const x = 2;/);
  });

  it('health probes every provider and exits 0 while one is healthy', async () => {
    const dead = await closedPortUrl();
    await writeConfig({}, [
      { id: 'dead', kind: 'openai-compatible', baseUrl: `${dead}/v1`, model: 'm' },
      { id: 'backup', kind: 'anthropic', baseUrl: backup.baseUrl('anthropic'), model: 'claude', apiKeyEnv: 'TEST_PROVIDER_KEY' },
    ]);
    const r = await runCli(['health', '--config', configFile, '--state-dir', path.join(dir, 'state'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.providers.map((p: { provider: string; ok: boolean; errorClass?: string }) => [p.provider, p.ok, p.errorClass]), [
      ['dead', false, 'connection'],
      ['backup', true, undefined],
    ]);
  });

  it('never prints the key, even when a provider rejects it', async () => {
    primary.enqueue({ type: 'status', status: 401, message: `Incorrect API key provided: ${KEY}` });
    backup.enqueue({ type: 'status', status: 401, message: `invalid x-api-key ${KEY}` });
    const r = await ask('--json', 'hello');
    assert.equal(r.code, 3);
    assert.ok(!r.stdout.includes(KEY) && !r.stderr.includes(KEY), 'key leaked into output');
  });
  it("exits 0 with the backup's answer when the primary answers 200 with choices: [] and Azure's filtered prompt_filter_results", async () => {
    primary.enqueue({ type: 'promptBlocked' });
    const r = await ask('--json', 'hello');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.provider, 'backup');
    assert.equal(out.text, 'Hello from backup.');
    assert.deepEqual(out.attempts.map((a: { provider: string; errorClass?: string }) => [a.provider, a.errorClass]), [
      ['primary', 'content_policy'],
      ['backup', undefined],
    ]);
  });

  it("streams the backup's answer, not an empty one, when the primary's stream is choices: [] then [DONE]", async () => {
    primary.enqueue({ type: 'empty' });
    const r = await ask('--stream', 'hello');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Hello from backup.\n');
    assert.equal(primary.requests[0].stream, true);
  });

  it('weights 3:1 hold across 40 separate processes: the heavy one gets 22 to 38 of them, not all 40', async function () {
    this.timeout(120_000);
    await writeConfig({ routing: { strategy: 'weighted' }, cache: { enabled: false } }, [
      { id: 'light', kind: 'openai', baseUrl: primary.baseUrl('openai'), model: 'gpt-4o-mini', apiKeyEnv: 'TEST_PROVIDER_KEY', weight: 1 },
      { id: 'heavy', kind: 'anthropic', baseUrl: backup.baseUrl('anthropic'), model: 'claude-3-5-haiku-latest', apiKeyEnv: 'TEST_PROVIDER_KEY', weight: 3 },
    ]);
    const picks: string[] = [];
    const seeds = Array.from({ length: 40 }, (_, i) => i + 1);
    // Each process draws from its own seed, so the count is the same on every run of this test; a state dir
    // per process shows that nothing carries over (sharing one only adds lock waits).
    for (let i = 0; i < seeds.length; i += 4) {
      const runs = await Promise.all(
        seeds.slice(i, i + 4).map((seed) =>
          runSpawned(['ask', '--config', configFile, '--state-dir', path.join(dir, `state-${seed}`), '--json', 'hello'], { env: { TEST_PROVIDER_KEY: KEY }, seed }),
        ),
      );
      for (const r of runs) {
        assert.equal(r.code, 0, r.stderr);
        picks.push(JSON.parse(r.stdout).provider);
      }
    }
    const heavy = picks.filter((p) => p === 'heavy').length;
    // 30 expected; 22..38 is what 99.6 % of seed sets give, and rules out both 40 (no weighting) and 20 (1:1).
    assert.ok(heavy >= 22 && heavy <= 38, `heavy got ${heavy} of 40`);
    assert.equal(backup.requests.length, heavy);
    assert.equal(primary.requests.length, 40 - heavy);
  });

  describe('where the config comes from', () => {
    /** A folder a cloned repository could be: its llm-router.json points at the emulator. */
    async function hostileFolder(): Promise<string> {
      const repo = path.join(dir, 'cloned-repo');
      await mkdir(repo);
      await writeFile(path.join(repo, 'llm-router.json'), JSON.stringify({ providers: [{ id: 'trap', kind: 'openai', baseUrl: primary.baseUrl('openai'), model: 'm', apiKeyEnv: 'OPENAI_API_KEY' }] }));
      return repo;
    }
    const home = () => path.join(dir, 'home');

    it('never reads llm-router.json from the current directory: exits 2 saying where it looked, and sends nothing', async () => {
      const repo = await hostileFolder();
      const env = { OPENAI_API_KEY: KEY, HOME: home(), XDG_CONFIG_HOME: path.join(home(), '.config') };
      for (const args of [['ask', 'hello'], ['health'], ['ask', '--json', 'hello']]) {
        const r = await runSpawned([...args, '--state-dir', path.join(dir, 'state')], { env, cwd: repo });
        assert.equal(r.code, 2, r.stderr);
        assert.ok(r.stderr.includes(path.join(home(), '.config', 'llm-router', 'config.json')), r.stderr);
        assert.match(r.stderr, /--config FILE or the LLM_ROUTER_CONFIG environment variable/);
        assert.match(r.stderr, /current directory is not searched/);
      }
      assert.equal(primary.requests.length, 0, 'the hostile config sent a request');
    });

    it('reads config.jsonc from the user config folder ($XDG_CONFIG_HOME/llm-router), and LLM_ROUTER_CONFIG over it', async () => {
      const repo = await hostileFolder();
      const configDir = path.join(home(), 'xdg', 'llm-router');
      await mkdir(configDir, { recursive: true });
      const backupOnly = { providers: [{ id: 'backup', kind: 'anthropic', baseUrl: backup.baseUrl('anthropic'), model: 'claude', apiKeyEnv: 'TEST_PROVIDER_KEY' }] };
      await writeFile(path.join(configDir, 'config.jsonc'), `// mine\n${JSON.stringify(backupOnly)}`);
      const env = { TEST_PROVIDER_KEY: KEY, HOME: home(), XDG_CONFIG_HOME: path.join(home(), 'xdg') };
      const fromFolder = await runSpawned(['ask', '--json', '--state-dir', path.join(dir, 'state'), 'hello'], { env, cwd: repo });
      assert.equal(fromFolder.code, 0, fromFolder.stderr);
      assert.equal(JSON.parse(fromFolder.stdout).provider, 'backup');
      const named = await runSpawned(['ask', '--json', '--no-cache', '--state-dir', path.join(dir, 'state'), 'hello'], { env: { ...env, LLM_ROUTER_CONFIG: configFile }, cwd: repo });
      assert.equal(named.code, 0, named.stderr);
      assert.equal(JSON.parse(named.stdout).provider, 'primary');
      assert.equal(primary.requests.length, 1, 'only the named config reached the emulator');
      const missing = await runSpawned(['ask', 'hello'], { env: { ...env, LLM_ROUTER_CONFIG: path.join(dir, 'gone.json') }, cwd: repo });
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /LLM_ROUTER_CONFIG names '.*gone\.json', which does not exist/);
      assert.equal(header(primary.requests[0].headers, 'authorization'), `Bearer ${KEY}`);
    });
  });

  describe('vendor key variables go only to the vendor', () => {
    const openaiAtEmulator = (extra: Record<string, unknown> = {}) => [{ id: 'custom', kind: 'openai', baseUrl: primary.baseUrl('openai'), model: 'gpt-4o-mini', ...extra }];

    it('does not send OPENAI_API_KEY to a non-OpenAI host without apiKeyEnv, and says what to set', async () => {
      await writeConfig({}, openaiAtEmulator());
      const r = await runCli(['ask', '--config', configFile, '--state-dir', path.join(dir, 'state'), '--json', 'hello'], { OPENAI_API_KEY: KEY });
      assert.equal(r.code, 3, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.attempts[0].errorClass, 'missing_key');
      assert.match(out.attempts[0].message, /Provider 'custom' uses a custom host \(127\.0\.0\.1:\d+\); name the variable holding its key in providers\[\]\.apiKeyEnv — OPENAI_API_KEY is only sent to api\.openai\.com/);
      assert.equal(primary.requests.length, 0, 'the custom host received a request');
    });

    it('sends OPENAI_API_KEY to that host once the config names it in apiKeyEnv', async () => {
      await writeConfig({}, openaiAtEmulator({ apiKeyEnv: 'OPENAI_API_KEY' }));
      const r = await runCli(['ask', '--config', configFile, '--state-dir', path.join(dir, 'state'), 'hello'], { OPENAI_API_KEY: KEY });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(header(primary.requests[0].headers, 'authorization'), `Bearer ${KEY}`);
    });

    it('health says which variable is sent to which host, never the value', async () => {
      const host = new URL(primary.origin).host;
      await writeConfig({}, [
        { id: 'named', kind: 'openai', baseUrl: primary.baseUrl('openai'), model: 'm', apiKeyEnv: 'TEST_PROVIDER_KEY' },
        { id: 'custom', kind: 'openai', baseUrl: primary.baseUrl('openai'), model: 'm' },
        { id: 'official', kind: 'anthropic', model: 'claude' },
      ]);
      const args = ['health', '--config', configFile, '--state-dir', path.join(dir, 'state')];
      const env = { OPENAI_API_KEY: KEY };
      const json = await runCli([...args, '--json'], env);
      const keys = Object.fromEntries(JSON.parse(json.stdout).providers.map((p: { provider: string; key: unknown }) => [p.provider, p.key]));
      assert.deepEqual(keys, {
        named: { variable: 'TEST_PROVIDER_KEY', origin: 'apiKeyEnv', sentTo: host, set: true },
        custom: { variable: null, origin: 'none', sentTo: host, set: false, withheld: 'OPENAI_API_KEY' },
        official: { variable: 'ANTHROPIC_API_KEY', origin: 'vendor', sentTo: 'api.anthropic.com', set: false },
      });
      const text = await runCli(args, env);
      assert.ok(text.stdout.includes(`key: TEST_PROVIDER_KEY (providers[].apiKeyEnv) → ${host}`), text.stdout);
      assert.ok(text.stdout.includes(`key: none sent to ${host} (OPENAI_API_KEY is only sent to its vendor's host; name a variable in providers[].apiKeyEnv)`), text.stdout);
      assert.ok(text.stdout.includes("key: ANTHROPIC_API_KEY (the vendor's usual variable, not set) → api.anthropic.com"), text.stdout);
      assert.ok(!`${json.stdout}${json.stderr}${text.stdout}${text.stderr}`.includes(KEY), 'the key value was printed');
      assert.equal(primary.requests.filter((r) => header(r.headers, 'authorization') === `Bearer ${KEY}`).length, 2, 'only the provider naming a variable sent a key');
    });
  });
});

describe('CLI: a misspelt provider field refuses the whole configuration', function () {
  this.timeout(20_000);

  it("'baseURL' exits 2 with \"did you mean 'baseUrl'\", naming the provider by id, and no request leaves (the key would go to the default host)", async () => {
    const emulator = await startEmulator({ name: 'typo' });
    const dir = await mkdtemp(path.join(tmpdir(), 'llm-router-cli-typo-'));
    try {
      const file = path.join(dir, 'cfg.json');
      await writeFile(
        file,
        JSON.stringify({
          providers: [
            { id: 'groq', kind: 'openai', model: 'm', baseURL: emulator.baseUrl('openai'), apiKeyEnv: 'TEST_PROVIDER_KEY' },
            { id: 'backup', kind: 'openai', model: 'm', baseUrl: emulator.baseUrl('openai'), apiKeyEnv: 'TEST_PROVIDER_KEY' },
          ],
        }),
      );
      const r = await runCli(['ask', '--config', file, '--state-dir', path.join(dir, 'state'), 'hello']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /providers\['groq'\]\.baseURL: unknown field 'baseURL' in provider 'groq' — did you mean 'baseUrl'\?/);
      assert.equal(r.stdout, '');
      assert.equal(emulator.requests.length, 0, 'not even the valid provider was called');
      assert.ok(!r.stderr.includes(KEY));
    } finally {
      await emulator.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
