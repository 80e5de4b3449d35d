import { rootCertificates } from 'node:tls';
import { Agent, Dispatcher, ProxyAgent } from 'undici';

export interface ProxyResolvingOptions {
  connectTimeoutMs: number;
  /** The proxy URL for one request URL, or undefined to connect directly. */
  resolveProxy: (url: string) => Promise<string | undefined>;
  /** Sent as `Proxy-Authorization` to every proxy (VS Code's http.proxyAuthorization); wins over credentials in the proxy URL. */
  proxyAuthorization?: string;
  /** Certificate authorities trusted in addition to Node's own (the OS store); resolved before the first request. */
  extraCA?: Promise<readonly string[]>;
  /** false accepts self-signed proxy/server certificates. */
  strictSSL?: boolean;
  /** Appended to the error when a proxy answers 407: what the user can set to authenticate. */
  proxyAuthHint?: string;
}

/**
 * Picks the proxy for each request just before it is sent, then hands the request to a pooled client for
 * that proxy (or the direct one), so connections stay keep-alive per proxy while the choice follows the
 * resolver (settings, no-proxy lists, PAC) request by request.
 */
export class ProxyResolvingDispatcher extends Dispatcher {
  private readonly clients = new Map<string, Dispatcher>();
  private tls: Promise<{ timeout: number; rejectUnauthorized: boolean; ca?: string[] }> | undefined;

  constructor(private readonly opts: ProxyResolvingOptions) {
    super();
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const url = new URL(options.path, options.origin).href;
    Promise.all([this.opts.resolveProxy(url), this.connectOptions()])
      .then(([proxy, connect]) => {
        if (proxy) explainProxyRefusal(handler, proxy, this.opts.proxyAuthHint);
        this.client(proxy, connect).dispatch(options, handler);
      })
      .catch((err: unknown) => handler.onError?.(err instanceof Error ? err : new Error(String(err))));
    return true;
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    const done = Promise.all([...this.clients.values()].map((c) => c.close())).then(() => undefined);
    if (!callback) return done;
    void done.then(callback);
  }

  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(errOrCallback?: Error | null | (() => void), callback?: () => void): Promise<void> | void {
    const err = typeof errOrCallback === 'function' ? null : (errOrCallback ?? null);
    const cb = typeof errOrCallback === 'function' ? errOrCallback : callback;
    const done = Promise.all([...this.clients.values()].map((c) => c.destroy(err))).then(() => undefined);
    if (!cb) return done;
    void done.then(cb);
  }

  private connectOptions() {
    this.tls ??= (async () => {
      const extra = this.opts.extraCA ? await this.opts.extraCA : [];
      // Giving undici a `ca` replaces Node's bundled roots, so keep them alongside the OS ones.
      const ca = extra.length > 0 ? [...rootCertificates, ...extra] : undefined;
      return { timeout: this.opts.connectTimeoutMs, rejectUnauthorized: this.opts.strictSSL !== false, ...(ca ? { ca } : {}) };
    })();
    return this.tls;
  }

  private client(proxy: string | undefined, connect: Awaited<ReturnType<ProxyResolvingDispatcher['connectOptions']>>): Dispatcher {
    const key = proxy ?? 'DIRECT';
    let client = this.clients.get(key);
    if (!client) {
      client = proxy
        ? new ProxyAgent({ uri: proxy, token: this.opts.proxyAuthorization || undefined, connect, requestTls: connect, proxyTls: connect })
        : new Agent({ connect, keepAliveTimeout: 30_000 });
      this.clients.set(key, client);
    }
    return client;
  }
}

/** undici reports a refused CONNECT as "Proxy response (407) !== 200"; say which proxy and what to set instead. */
function explainProxyRefusal(handler: Dispatcher.DispatchHandler, proxy: string, hint: string | undefined): void {
  const onError = handler.onError;
  if (!onError) return;
  handler.onError = (err: Error) => {
    const status = /Proxy response \((\d+)\)/.exec(err.message)?.[1];
    if (status === undefined) return onError.call(handler, err);
    const what = status === '407' ? `407 (proxy authentication required)${hint ? `; ${hint}` : ''}` : `HTTP ${status} instead of connecting`;
    onError.call(handler, Object.assign(new Error(`the proxy ${proxyHost(proxy)} answered ${what}`), { cause: err }));
  };
}

/** The proxy's host:port only: a proxy URL may carry credentials. */
function proxyHost(proxy: string): string {
  try {
    return new URL(proxy).host;
  } catch {
    return 'configured proxy';
  }
}
