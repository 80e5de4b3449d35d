import * as assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import * as vscode from 'vscode';
import { runCli } from '../support/runCli';
import { startRedisServer, type RedisServer } from '../support/redisServer';
import { hasBridge, keyboard, read } from './support/bridge';
import { emulatorsFor } from './support/emulators';
import { findNotification } from './support/notifications';
import { extensionFiles, filesContaining } from './support/secretScan';
import { configure, FAST_SETTINGS, freshState, routerHost } from './support/router';
import { settlesWithin } from './support/waitFor';

const QUICK_INPUT = '.quick-input-widget';
const PASSWORD = 'team-redis-password-5e6f7a8b';
const KEY = 'sk-shared-editor-test-0123456789';
// $1 per output token: the emulator's "Hello from team." costs $3; at most 5 output tokens are estimated at $5.
const PRICING = { inputPerMillion: 0, outputPerMillion: 1_000_000 };

/** Types the password into 'LLM Router: Set Shared State Password' as a person would ('' removes it). */
async function setPassword(password: string): Promise<void> {
  const done = vscode.commands.executeCommand('llmRouter.setSharedStatePassword');
  await read({ selector: QUICK_INPUT, hasText: 'Set Shared State Password', timeoutMs: 10_000 });
  await keyboard({ type: password || undefined, press: 'Enter' });
  assert.equal(await settlesWithin(Promise.resolve(done), 10_000, 'Set Shared State Password'), true);
}

describe('Shared state from the editor (llmRouter.sharedState)', function () {
  this.timeout(90_000);
  const emu = emulatorsFor('team');
  const namespace = `editor-${process.pid}`;
  let redis: RedisServer;
  let dir: string;

  before(async function () {
    // The password goes in through the command's password box, which only the code-server runner can type into.
    if (!hasBridge()) this.skip();
    redis = await startRedisServer({ password: PASSWORD });
    dir = await mkdtemp(path.join(tmpdir(), 'llm-router-editor-shared-'));
  });
  after(async () => {
    if (!redis) return;
    await configure({ 'sharedState.url': undefined, 'sharedState.namespace': undefined, 'sharedState.timeoutMs': undefined, 'budget.dailyUsd': undefined, 'cache.enabled': undefined });
    await (await routerHost()).ready();
    await setPassword('');
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const provider = () => ({ id: 'team', kind: 'openai', baseUrl: emu.team.baseUrl('openai'), model: 'gpt-4o-mini', apiKeyEnv: 'TEST_PROVIDER_KEY', pricing: PRICING });

  /** A CLI member with its own state folder and the same Redis, namespace and budget. */
  async function cliMember(member: string) {
    const config = path.join(dir, 'cli.json');
    await writeFile(config, JSON.stringify({
      providers: [provider()],
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 10 },
      budget: { dailyUsd: 6 },
      sharedState: { url: redis.url, namespace, passwordEnv: 'TEAM_REDIS_PASSWORD', timeoutMs: 2000 },
    }));
    return runCli(['ask', '--config', config, '--state-dir', path.join(dir, member), '--json', '--no-cache', '--max-tokens', '5', 'hello'], { env: { TEST_PROVIDER_KEY: KEY, TEAM_REDIS_PASSWORD: PASSWORD } });
  }

  async function teamSpendToday(): Promise<number> {
    const client = new Redis(redis.url, { password: PASSWORD });
    try {
      const keys = await client.keys(`llmr:${namespace}:spend:day:*`);
      return keys.length === 0 ? 0 : Number(await client.get(keys[0]));
    } finally {
      client.disconnect();
    }
  }

  /** True when no notification contains `text` (findNotification waits for one, then gives up). */
  const noNotification = (text: string) => findNotification(text).then((found) => found === '', () => true);

  it('connects with the password from secret storage, and is refused once a CLI process with its own state spent the team budget', async () => {
    process.env.TEST_PROVIDER_KEY = KEY;
    await configure({ ...FAST_SETTINGS, 'cache.enabled': false, 'budget.dailyUsd': 6, providers: [provider()] });
    await freshState();
    await setPassword(PASSWORD);
    await configure({ 'sharedState.namespace': namespace, 'sharedState.timeoutMs': 2000, 'sharedState.url': redis.url });
    const host = await routerHost();
    await host.ready();

    const alice = await cliMember('cli-alice');
    assert.equal(alice.code, 0, alice.stderr);
    assert.equal(JSON.parse(alice.stdout).costUsd, 3);
    await assert.rejects(
      host.run({ messages: [{ role: 'user', content: 'one more' }], maxTokens: 5, purpose: 'integration-test' }, { noCache: true }),
      // The error comes from the extension's own bundle, so it is recognised by name.
      (err: Error) => err.name === 'BudgetExceededError' && /^Team budget \(sharedState namespace\): The daily budget of \$6\.00/.test(err.message),
    );
    assert.equal(emu.team.requests.length, 1, 'the refused editor sent nothing');
    assert.ok(await noNotification('Shared state:'), 'Redis took the password: no warning');
  });

  it("spends into the team's budget, so a CLI process is refused once the editor spent it", async () => {
    const host = await routerHost();
    await host.ready();
    const client = new Redis(redis.url, { password: PASSWORD });
    await client.flushdb().finally(() => client.disconnect());

    const answer = await host.run({ messages: [{ role: 'user', content: 'hello from the editor' }], maxTokens: 5, purpose: 'integration-test' }, { noCache: true });
    assert.equal(answer.provider, 'team');
    assert.equal(answer.costUsd, 3);
    assert.equal(await teamSpendToday(), 3, "the editor's spend is the team's");
    const bob = await cliMember('cli-bob');
    assert.equal(bob.code, 4, bob.stdout + bob.stderr);
    assert.match(bob.stderr, /Team budget.*daily budget of \$6\.00/);
    assert.equal(emu.team.requests.length, 1, 'the refused CLI member sent nothing');
    await host.flush();
    assert.deepEqual(filesContaining(extensionFiles(), PASSWORD), [], 'no log or state file holds the Redis password');
    assert.ok(!JSON.stringify(vscode.workspace.getConfiguration('llmRouter').inspect('sharedState')).includes(PASSWORD), 'nor any setting');
  });

  it('goes back to this machine\'s state when the setting is cleared', async () => {
    const host = await routerHost();
    await configure({ 'sharedState.url': undefined, 'sharedState.namespace': undefined });
    await host.ready();
    assert.equal(host.config.sharedState, undefined);
  });
});
