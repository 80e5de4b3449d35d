/**
 * Proxy resolution from settings alone, in VS Code's order, for hosts without VS Code's resolver:
 * loopback direct, then http.noProxy, then http.proxy, then the *_proxy variables (with NO_PROXY).
 * OS and PAC proxies need VS Code's resolver and are not consulted here.
 */
export function fallbackProxyResolver(settingsProxy: string | undefined, noProxy: readonly string[], env: NodeJS.ProcessEnv = process.env): (url: string) => Promise<string | undefined> {
  const envProxy = env.https_proxy || env.HTTPS_PROXY || env.http_proxy || env.HTTP_PROXY || undefined;
  const bypass = noProxy.length > 0 ? noProxy : (env.no_proxy || env.NO_PROXY || '').split(',');
  return async (url) => {
    const { hostname, port, protocol } = new URL(url);
    const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (host === 'localhost' || host === '127.0.0.1' || host === '::1') return undefined;
    if (matchesNoProxy(bypass, host, port || (protocol === 'https:' ? '443' : '80'))) return undefined;
    return settingsProxy || envProxy;
  };
}

/** An entry matches the host or any subdomain ("example.com", ".example.com"), optionally only on one port; "*" matches all. */
function matchesNoProxy(entries: readonly string[], host: string, port: string): boolean {
  return entries.some((raw) => {
    const entry = raw.trim().toLowerCase();
    if (entry === '*') return true;
    const [name, entryPort] = entry.split(':', 2);
    if (!name) return false;
    const domain = name.startsWith('.') ? name : `.${name}`;
    return `.${host}`.endsWith(domain) && (!entryPort || entryPort === port);
  });
}
