import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../emulator/server';
import { startRedisServer, type RedisServer } from '../support/redisServer';
import { CLI_PATH } from '../support/runCli';
import { serve, type Served } from '../support/serveCli';

const TOKEN = 'team-gateway-token-0123456789';
// $1 per output token: the emulator's "Hello from primary." costs $3.
const PRICING = { inputPerMillion: 0, outputPerMillion: 1_000_000 };

interface Balancer {
  url: string;
  port: number;
  /** How many requests each instance was handed, in the order of `targets`. */
  served: number[];
  setTargets(urls: string[]): void;
  close(): Promise<void>;
}

/**
 * A round-robin HTTP load balancer, one request at a time, that passes the client's Host header on unchanged
 * (as HAProxy does): the instances see a Host that is the balancer's, not theirs.
 */
async function startBalancer(): Promise<Balancer> {
  let targets: URL[] = [];
  let next = 0;
  const served: number[] = [];
  const server = http.createServer((req, res) => {
    const i = next++ % targets.length;
    served[i] = (served[i] ?? 0) + 1;
    const upstream = http.request({ host: targets[i].hostname, port: targets[i].port, method: req.method, path: req.url, headers: req.headers }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    served,
    setTargets(urls) {
      targets = urls.map((u) => new URL(u));
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('a team gateway: two `llm-router serve` instances with one sharedState behind a load balancer', function () {
  this.timeout(30_000);
  let redis: RedisServer;
  let primary: Emulator;
  let backup: Emulator;
  let balancer: Balancer;
  let dir: string;
  let instances: Served[] = [];

  before(function () {
    if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run 'npm run build' first (npm test does).`);
  });

  beforeEach(async () => {
    redis = await startRedisServer();
    primary = await startEmulator({ name: 'primary' });
    backup = await startEmulator({ name: 'backup' });
    balancer = await startBalancer();
    dir = await mkdtemp(path.join(tmpdir(), 'llm-router-team-gateway-'));
  });

  afterEach(async () => {
    for (const s of instances) if (s.child.exitCode === null) s.child.kill('SIGKILL');
    instances = [];
    await balancer.close();
    await primary.close();
    await backup.close();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Two instances, each with its own state dir, behind the balancer, which clients reach by its own address. */
  async function startTeam(extra: Record<string, unknown> = {}, gateway: Record<string, unknown> = { allowedHosts: [`127.0.0.1:${balancer.port}`] }): Promise<OpenAI> {
    const config = path.join(dir, 'cfg.json');
    await writeFile(
      config,
      JSON.stringify({
        providers: [
          { id: 'primary', kind: 'openai', baseUrl: primary.baseUrl('openai'), model: 'gpt-4o-mini', apiKeyEnv: 'TEST_PROVIDER_KEY', pricing: PRICING, priority: 1 },
          { id: 'backup', kind: 'anthropic', baseUrl: backup.baseUrl('anthropic'), model: 'claude-3-5-haiku-latest', apiKeyEnv: 'TEST_PROVIDER_KEY', pricing: PRICING, priority: 2 },
        ],
        retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 10 },
        cache: { enabled: false },
        sharedState: { url: redis.url, namespace: 'gateway-team', timeoutMs: 2000 },
        gateway,
        ...extra,
      }),
    );
    instances = await Promise.all(['one', 'two'].map((name) => serve(['--config', config, '--state-dir', path.join(dir, name), '--token', TOKEN])));
    balancer.setTargets(instances.map((s) => s.url));
    return new OpenAI({ baseURL: `${balancer.url}/v1`, apiKey: TOKEN, maxRetries: 0 });
  }

  const hello = (client: OpenAI) => client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }], max_tokens: 5 }).withResponse();

  it("serves the second instance's request from the first one's answer in the shared cache", async () => {
    const client = await startTeam({ cache: { enabled: true } });
    const first = await hello(client);
    const second = await hello(client);
    assert.deepEqual(balancer.served, [1, 1], 'each instance got one request');
    assert.equal(first.data.choices[0].message.content, 'Hello from primary.');
    assert.equal(second.data.choices[0].message.content, 'Hello from primary.');
    assert.equal(primary.requests.length, 1, 'the provider was asked once for both instances');
  });

  it('skips a provider whose breaker the other instance opened, without sending to it', async () => {
    const client = await startTeam({ breaker: { consecutiveFailures: 1, halfOpenAfterMs: 60_000, maxHalfOpenAfterMs: 60_000 } });
    primary.enqueue({ type: 'status', status: 503 });
    const first = await hello(client);
    assert.deepEqual([first.response.headers.get('x-llm-router-provider'), first.response.headers.get('x-llm-router-attempts')], ['backup', '2']);
    const second = await hello(client);
    assert.deepEqual(balancer.served, [1, 1]);
    assert.equal(second.response.headers.get('x-llm-router-provider'), 'backup');
    assert.equal(primary.requests.length, 1, 'the second instance sent nothing to the open provider');
  });

  it('keeps one team budget: once the first instance spent it, the second answers 402 insufficient_quota and sends nothing', async () => {
    // An answer costs $3 and is estimated at $5 (max_tokens 5): the first fits in $6, the second no longer does.
    const client = await startTeam({ budget: { dailyUsd: 6 } });
    assert.equal((await hello(client)).data.choices[0].message.content, 'Hello from primary.');
    const refused = await hello(client).then(
      () => assert.fail('the second request should be refused'),
      (err: unknown) => err,
    );
    assert.ok(refused instanceof OpenAI.APIError, String(refused));
    assert.equal(refused.status, 402);
    assert.equal(refused.code, 'insufficient_quota');
    assert.deepEqual(balancer.served, [1, 1]);
    assert.equal(primary.requests.length + backup.requests.length, 1, 'the refused instance sent nothing upstream');
  });

  it("refuses the balancer's Host with a 403 that names gateway.allowedHosts until it is listed", async () => {
    const client = await startTeam({}, {});
    const refused = await hello(client).then(
      () => assert.fail('the request should be refused'),
      (err: unknown) => err,
    );
    assert.ok(refused instanceof OpenAI.APIError, String(refused));
    assert.equal(refused.status, 403);
    assert.match(refused.message, /gateway\.allowedHosts/);
    assert.equal(primary.requests.length, 0);
  });
});
