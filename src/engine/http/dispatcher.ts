import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici';
import { ProxyResolvingDispatcher, type ProxyResolvingOptions } from './proxyResolvingDispatcher';

export interface DispatcherOptions extends Partial<Omit<ProxyResolvingOptions, 'connectTimeoutMs'>> {
  connectTimeoutMs: number;
}

/**
 * One pooled keep-alive client for all providers; its connect timeout is the engine's connect timeout.
 * With `resolveProxy` (the editor's proxy resolution) each request goes where it says; otherwise the
 * usual *_proxy environment variables apply.
 */
export function createDispatcher(opts: DispatcherOptions): Dispatcher {
  if (opts.resolveProxy) return new ProxyResolvingDispatcher({ ...opts, resolveProxy: opts.resolveProxy });
  const connect = { timeout: opts.connectTimeoutMs, rejectUnauthorized: opts.strictSSL !== false };
  const env = process.env;
  if (env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy) {
    return new EnvHttpProxyAgent({ connect });
  }
  return new Agent({ connect, keepAliveTimeout: 30_000 });
}
