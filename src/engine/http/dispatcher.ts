import { Agent, EnvHttpProxyAgent, ProxyAgent, type Dispatcher } from 'undici';

export interface DispatcherOptions {
  connectTimeoutMs: number;
  /** An explicit proxy URL (VS Code's http.proxy); otherwise the usual *_proxy environment variables apply. */
  proxyUrl?: string;
  /** false accepts self-signed proxy/server certificates (VS Code's http.proxyStrictSSL). */
  strictSSL?: boolean;
}

/** One pooled keep-alive client for all providers; its connect timeout is the engine's connect timeout. */
export function createDispatcher(opts: DispatcherOptions): Dispatcher {
  const connect = { timeout: opts.connectTimeoutMs, rejectUnauthorized: opts.strictSSL !== false };
  if (opts.proxyUrl) {
    return new ProxyAgent({ uri: opts.proxyUrl, connect, requestTls: connect, proxyTls: connect });
  }
  const env = process.env;
  if (env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy) {
    return new EnvHttpProxyAgent({ connect });
  }
  return new Agent({ connect, keepAliveTimeout: 30_000 });
}
