import assert from 'node:assert/strict';
import { parseConfig } from '../../src/engine/config/loadConfig';
import { RouterEngine } from '../../src/engine/engine';
import { CancelledError } from '../../src/engine/errors';
import { createDispatcher } from '../../src/engine/http/dispatcher';
import { fallbackProxyResolver } from '../../src/extension/proxyFallback';
import { startEmulator, type Emulator } from '../emulator/server';
import { startAuthProxy, type AuthProxy } from '../support/authProxy';
import { startTlsFront, type TlsFront } from '../support/tlsFront';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const ask = (engine: RouterEngine, content = 'hi', stream = false) => engine.chat({ messages: [{ role: 'user', content }], stream });

describe('proxies', () => {
  let emu: Emulator;
  let proxy: AuthProxy;
  const engines: RouterEngine[] = [];
  const saved = { HTTPS_PROXY: process.env.HTTPS_PROXY, HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY };

  beforeEach(async () => {
    emu = await startEmulator({ name: 'behind-proxy' });
    proxy = await startAuthProxy({ credentials: { user: 'ada', password: 's3cret' } });
  });
  afterEach(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await Promise.all(engines.splice(0).map((e) => e.close()));
    await emu.close();
    await proxy.close();
  });

  const config = () =>
    parseConfig({
      providers: [{ id: 'p', kind: 'ollama', model: 'm', baseUrl: emu.baseUrl('ollama') }],
      retry: { maxAttempts: 1 },
      cache: { enabled: false },
    }).config;
  const engineVia = (opts: Omit<Parameters<typeof createDispatcher>[0], 'connectTimeoutMs'>) => {
    const engine = new RouterEngine({ config: config(), dispatcher: createDispatcher({ connectTimeoutMs: 1_000, ...opts }) });
    engines.push(engine);
    return engine;
  };

  describe('resolved per request (the editor extension host)', () => {
    it('tunnels through the resolved proxy with http.proxyAuthorization as Proxy-Authorization, streamed and not', async () => {
      const engine = engineVia({ resolveProxy: async () => proxy.url, proxyAuthorization: basic('ada', 's3cret') });

      assert.equal((await ask(engine)).text, 'Hello from behind-proxy.');
      assert.equal((await ask(engine, 'stream it', true)).text, 'Hello from behind-proxy.');

      assert.ok(proxy.requests.length > 0);
      assert.ok(proxy.requests.every((r) => r.method === 'CONNECT' && r.target === new URL(emu.origin).host && r.admitted));
      assert.equal(emu.requests.length, 2);
    });

    it('uses credentials written in the proxy URL when no Proxy-Authorization is set', async () => {
      const withCreds = new URL(proxy.url);
      withCreds.username = 'ada';
      withCreds.password = 's3cret';
      const engine = engineVia({ resolveProxy: async () => withCreds.href });

      await ask(engine);

      assert.equal(proxy.admitted(), 1);
    });

    it('fails with the proxy, its 407 and what to set when the credentials are wrong, and never reaches the provider', async () => {
      const engine = engineVia({ resolveProxy: async () => proxy.url, proxyAuthorization: basic('ada', 'wrong'), proxyAuthHint: 'check http.proxyAuthorization' });

      await assert.rejects(ask(engine), (err: Error) => {
        assert.match(err.message, new RegExp(`the proxy ${new URL(proxy.url).host} answered 407 \\(proxy authentication required\\); check http\\.proxyAuthorization`));
        assert.doesNotMatch(err.message, /s3cret|wrong|YWRh/, 'no credential in the message');
        return true;
      });
      assert.equal(proxy.requests.length, 1);
      assert.equal(proxy.admitted(), 0);
      assert.equal(emu.requests.length, 0);
    });

    it('goes direct for a URL the resolver answers with no proxy', async () => {
      const asked: string[] = [];
      const engine = engineVia({
        resolveProxy: async (url) => {
          asked.push(url);
          return undefined;
        },
        proxyAuthorization: basic('ada', 's3cret'),
      });

      await ask(engine);

      assert.deepEqual(asked, [`${emu.baseUrl('ollama')}/api/chat`], 'the resolver sees the full request URL');
      assert.equal(proxy.requests.length, 0);
      assert.equal(emu.requests.length, 1);
    });

    it('cancels a streaming request promptly while it is tunnelled, closing the tunnel', async () => {
      emu.enqueue({ type: 'hang' });
      const engine = engineVia({ resolveProxy: async () => proxy.url, proxyAuthorization: basic('ada', 's3cret') });
      const controller = new AbortController();

      const running = engine.chat({ messages: [{ role: 'user', content: 'hang' }], stream: true }, { signal: controller.signal });
      while (emu.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
      const started = Date.now();
      controller.abort();

      await assert.rejects(running, CancelledError);
      assert.ok(Date.now() - started < 1_000, 'cancelled at once');
      while (emu.openConnections() > 0 && Date.now() - started < 2_000) await new Promise((r) => setTimeout(r, 5));
      assert.equal(emu.openConnections(), 0);
    });

    it('cancels a request whose proxy is still being resolved, without sending it', async () => {
      const pending: ((proxy: string) => void)[] = [];
      const release = (url: string) => pending.splice(0).forEach((resolve) => resolve(url));
      const engine = engineVia({ resolveProxy: () => new Promise<string>((resolve) => pending.push(resolve)), proxyAuthorization: basic('ada', 's3cret') });
      const controller = new AbortController();

      const running = ask(engine);
      const outcome = engine.chat({ messages: [{ role: 'user', content: 'never' }] }, { signal: controller.signal });
      while (pending.length < 2) await new Promise((r) => setTimeout(r, 5));
      controller.abort();
      release(proxy.url);

      await assert.rejects(outcome, CancelledError);
      await running;
      assert.equal(emu.requests.length, 1, 'only the request that was not cancelled arrived');
    });
  });

  describe('certificates (http.systemCertificates, http.proxyStrictSSL)', () => {
    let front: TlsFront;
    beforeEach(async () => {
      front = await startTlsFront(emu.origin);
    });
    afterEach(() => front.close());

    const engineFor = (opts: Omit<Parameters<typeof createDispatcher>[0], 'connectTimeoutMs'>) => {
      const engine = new RouterEngine({
        config: parseConfig({ providers: [{ id: 'tls', kind: 'ollama', model: 'm', baseUrl: front.origin }], retry: { maxAttempts: 1 }, cache: { enabled: false } }).config,
        dispatcher: createDispatcher({ connectTimeoutMs: 1_000, ...opts }),
      });
      engines.push(engine);
      return engine;
    };

    it('refuses a server whose certificate authority is not trusted', async () => {
      await assert.rejects(ask(engineFor({ resolveProxy: async () => undefined })), /self-signed certificate/);
      assert.equal(emu.requests.length, 0);
    });

    it('trusts an extra certificate authority (the OS store), directly and inside a proxy tunnel', async () => {
      const extraCA = Promise.resolve([front.certificate]);

      assert.equal((await ask(engineFor({ resolveProxy: async () => undefined, extraCA }))).text, 'Hello from behind-proxy.');
      assert.equal((await ask(engineFor({ resolveProxy: async () => proxy.url, proxyAuthorization: basic('ada', 's3cret'), extraCA }))).text, 'Hello from behind-proxy.');

      assert.deepEqual(proxy.requests, [{ method: 'CONNECT', target: new URL(front.origin).host, admitted: true }]);
      assert.equal(emu.requests.length, 2);
    });

    it('accepts any certificate when strictSSL is false', async () => {
      assert.equal((await ask(engineFor({ resolveProxy: async () => undefined, strictSSL: false }))).text, 'Hello from behind-proxy.');
    });
  });

  describe('from the environment (the CLI)', () => {
    it('honours HTTP_PROXY, and NO_PROXY exempts a host', async () => {
      const open = await startAuthProxy();
      try {
        process.env.HTTP_PROXY = open.url;
        delete process.env.NO_PROXY;
        const viaEnv = new RouterEngine({ config: config() });
        engines.push(viaEnv);
        await ask(viaEnv);
        assert.equal(open.admitted(), 1, 'the request went through the proxy');

        process.env.NO_PROXY = '127.0.0.1';
        const exempt = new RouterEngine({ config: config() });
        engines.push(exempt);
        await ask(exempt, 'hi again');
        assert.equal(open.requests.length, 1, 'NO_PROXY kept the second request direct');
        assert.equal(emu.requests.length, 2);
      } finally {
        await open.close();
      }
    });
  });
});

describe('proxy resolution from settings (without VS Code\'s resolver)', () => {
  const settingsProxy = 'http://proxy.corp:3128';

  it('sends everything but loopback to http.proxy', async () => {
    const resolve = fallbackProxyResolver(settingsProxy, [], {});
    assert.equal(await resolve('https://api.openai.com/v1/chat/completions'), settingsProxy);
    assert.equal(await resolve('http://127.0.0.1:11434/api/chat'), undefined);
    assert.equal(await resolve('http://localhost:11434/api/chat'), undefined);
    assert.equal(await resolve('http://[::1]:11434/api/chat'), undefined);
  });

  it('goes direct for an http.noProxy domain, its subdomains, and a port-qualified entry on that port only', async () => {
    const resolve = fallbackProxyResolver(settingsProxy, ['example.com', 'models.internal:8443'], {});
    assert.equal(await resolve('https://example.com/x'), undefined);
    assert.equal(await resolve('https://api.example.com/x'), undefined);
    assert.equal(await resolve('https://notexample.com/x'), settingsProxy);
    assert.equal(await resolve('https://models.internal:8443/x'), undefined);
    assert.equal(await resolve('https://models.internal/x'), settingsProxy);
  });

  it('falls back to the *_proxy variables, where http.noProxy replaces NO_PROXY when set', async () => {
    const env = { HTTPS_PROXY: 'http://env-proxy:8080', NO_PROXY: 'direct.example' };
    assert.equal(await fallbackProxyResolver(undefined, [], env)('https://api.example/x'), 'http://env-proxy:8080');
    assert.equal(await fallbackProxyResolver(undefined, [], env)('https://direct.example/x'), undefined);
    assert.equal(await fallbackProxyResolver(undefined, ['other.example'], env)('https://direct.example/x'), 'http://env-proxy:8080');
    assert.equal(await fallbackProxyResolver(undefined, ['*'], env)('https://api.example/x'), undefined);
  });
});
