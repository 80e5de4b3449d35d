import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

export const PORTKEY_VERSION = '1.15.2';
const UPSTREAM_KEY = 'sk-bench-upstream';
const GATEWAY_TOKEN = 'bench-gateway-token';

/** One way to reach the upstream: where to send the request and with which headers. */
export interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  model: string;
  /** The gateway's process, whose CPU time per request the table shows. */
  pid?: number;
  stop(): Promise<void>;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Resolves with the first stdout line of a child; rejects if it exits first. */
function firstLine(child: ChildProcess, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${what} exited ${code}: ${stderr.slice(-2000)}`)));
  });
}

export async function startUpstream(): Promise<{ origin: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'gatewaysUpstream.ts')], { stdio: ['pipe', 'pipe', 'pipe'] });
  const { origin } = JSON.parse(await firstLine(child, 'the benchmark upstream')) as { origin: string };
  return { origin, stop: () => stopChild(child) };
}

export function direct(origin: string): Target {
  return { name: 'direct', url: `${origin}/v1/chat/completions`, headers: { authorization: `Bearer ${UPSTREAM_KEY}` }, model: 'bench-model', stop: async () => undefined };
}

/** The bare pass-through proxy (gatewaysPassThrough.ts): what any extra Node hop costs. */
export async function passThrough(origin: string): Promise<Target> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'gatewaysPassThrough.ts'), origin], { stdio: ['ignore', 'pipe', 'pipe'] });
  const base = (await firstLine(child, 'the pass-through proxy')).replace(/^listening on /, '');
  return { name: 'bare Node pass-through', url: `${base}/v1/chat/completions`, headers: { authorization: `Bearer ${UPSTREAM_KEY}` }, model: 'bench-model', pid: child.pid, stop: () => stopChild(child) };
}

/** `node dist/cli.js serve --port 0` with one openai provider on the upstream, cache off (every request goes upstream). */
export async function llmRouterServe(origin: string): Promise<Target> {
  const cli = path.resolve(__dirname, '../dist/cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run 'npm run build' first (npm run bench:gateways does).`);
  const dir = await mkdtemp(path.join(tmpdir(), 'llm-router-bench-gw-'));
  const config = path.join(dir, 'cfg.json');
  await writeFile(config, JSON.stringify({ providers: [{ id: 'upstream', kind: 'openai', baseUrl: `${origin}/v1`, model: 'bench-model', apiKeyEnv: 'BENCH_UPSTREAM_KEY' }], cache: { enabled: false } }));
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--config', config, '--state-dir', path.join(dir, 'state'), '--token', GATEWAY_TOKEN], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', BENCH_UPSTREAM_KEY: UPSTREAM_KEY },
  });
  const line = await firstLine(child, 'llm-router serve');
  const base = line.replace(/^listening on /, '');
  return {
    name: 'llm-router serve',
    url: `${base}/v1/chat/completions`,
    headers: { authorization: `Bearer ${GATEWAY_TOKEN}` },
    model: 'auto',
    pid: child.pid,
    async stop() {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Portkey's gateway from npm, installed once into the user's cache (never into the repo). */
async function portkeyEntry(log: (m: string) => void): Promise<string> {
  const prefix = path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'llm-router-bench', 'portkey');
  const entry = path.join(prefix, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js');
  if (existsSync(entry)) return entry;
  log(`installing @portkey-ai/gateway@${PORTKEY_VERSION} into ${prefix} (first run only)`);
  await mkdir(prefix, { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const npm = spawn(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save', `@portkey-ai/gateway@${PORTKEY_VERSION}`], { stdio: 'inherit' });
    npm.once('error', reject);
    npm.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`npm install exited ${code}`))));
  });
  return entry;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Portkey 1.15.2 (`start-server.js --port=N --headless`) told per request to use the upstream as an OpenAI custom host. */
export async function portkey(origin: string, log: (m: string) => void): Promise<Target> {
  const entry = await portkeyEntry(log);
  const port = await freePort();
  const child = spawn(process.execPath, [entry, `--port=${port}`, '--headless'], { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('Portkey did not start within 20 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name: `portkey ${PORTKEY_VERSION}`,
    url: `${url}/v1/chat/completions`,
    headers: { authorization: `Bearer ${UPSTREAM_KEY}`, 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${origin}/v1` },
    model: 'bench-model',
    pid: child.pid,
    stop: () => stopChild(child),
  };
}
