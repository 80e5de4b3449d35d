import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { parseConfig } from '../../src/engine/config/loadConfig';
import { RouterEngine } from '../../src/engine/engine';
import { createDispatcher } from '../../src/engine/http/dispatcher';
import { startEmulator, type Emulator } from '../emulator/server';

/** A minimal forward proxy: tunnels CONNECT requests and remembers where they went. */
async function startConnectProxy(): Promise<{ url: string; tunnels: string[]; close(): Promise<void> }> {
  const tunnels: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req, client: net.Socket) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client).pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => sockets.delete(s));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('proxies', () => {
  let emu: Emulator;
  let proxy: Awaited<ReturnType<typeof startConnectProxy>>;
  const saved = { HTTPS_PROXY: process.env.HTTPS_PROXY, HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY };

  beforeEach(async () => {
    emu = await startEmulator({ name: 'behind-proxy' });
    proxy = await startConnectProxy();
  });
  afterEach(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await emu.close();
    await proxy.close();
  });

  const config = () => parseConfig({ providers: [{ id: 'p', kind: 'ollama', model: 'm', baseUrl: emu.baseUrl('ollama') }], cache: { enabled: false } }).config;

  it('sends requests through an explicit proxy URL (VS Code http.proxy)', async () => {
    const engine = new RouterEngine({ config: config(), dispatcher: createDispatcher({ connectTimeoutMs: 1_000, proxyUrl: proxy.url }) });
    try {
      const res = await engine.chat({ messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(res.text, 'Hello from behind-proxy.');
      assert.deepEqual(proxy.tunnels, [new URL(emu.origin).host]);
    } finally {
      await engine.close();
    }
  });

  it('honours HTTP_PROXY from the environment, and NO_PROXY exempts a host', async () => {
    process.env.HTTP_PROXY = proxy.url;
    delete process.env.NO_PROXY;
    const viaEnv = new RouterEngine({ config: config() });
    try {
      await viaEnv.chat({ messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(proxy.tunnels.length, 1, 'the request went through the proxy');
    } finally {
      await viaEnv.close();
    }
    process.env.NO_PROXY = '127.0.0.1';
    const exempt = new RouterEngine({ config: config() });
    try {
      await exempt.chat({ messages: [{ role: 'user', content: 'hi again' }] });
      assert.equal(proxy.tunnels.length, 1, 'NO_PROXY kept the second request direct');
      assert.equal(emu.requests.length, 2);
    } finally {
      await exempt.close();
    }
  });
});
