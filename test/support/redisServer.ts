import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';

export const REDIS_SERVER = '/usr/bin/redis-server';

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Kills the server (SIGKILL, by pid) and waits until it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty (no persistence). */
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT: a server that holds connections open but answers nothing (a slow or hung Redis). */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/** A throwaway redis-server on a free loopback port, with no persistence; `password` turns on requirepass. */
export async function startRedisServer(opts: { password?: string } = {}): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    if (opts.password) args.push('--requirepass', opts.password);
    child = spawn(REDIS_SERVER, args, { stdio: 'ignore' });
    await waitForPing(port, opts.password, child);
  };
  const kill = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.pid === undefined) return;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    process.kill(c.pid, 'SIGKILL');
    await exited;
  };
  const signal = (sig: NodeJS.Signals) => child?.pid !== undefined && process.kill(child.pid, sig);
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    restart: start,
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    stop: async () => {
      signal('SIGCONT');
      await kill();
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Sends PING in the inline protocol until the server answers PONG (or, with requirepass, after AUTH). */
async function waitForPing(port: number, password: string | undefined, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode} before answering on port ${port}`);
    if (await pings(port, password)) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not answer PING on port ${port} within 10 s`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function pings(port: number, password: string | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    socket.setTimeout(500, () => socket.destroy());
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(got.includes('+PONG')));
    socket.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.includes('+PONG')) socket.end();
    });
    socket.on('connect', () => socket.write(`${password ? `AUTH ${password}\r\n` : ''}PING\r\n`));
  });
}
