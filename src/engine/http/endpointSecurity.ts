const LOOPBACK_HOSTS = new Set(['localhost', '::1', '[::1]']);

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return LOOPBACK_HOSTS.has(h) || h.endsWith('.localhost') || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * A key may travel over plain http only to this machine; anything else must be https,
 * so a mistyped or hostile baseUrl cannot leak the key in clear text.
 * Returns a reason when the combination is unsafe, else undefined.
 */
export function insecureKeyTransport(url: string, hasKey: boolean): string | undefined {
  if (!hasKey) return undefined;
  if (!transportVerdicts.has(url)) {
    // Asked before every request with a key, for the few URLs the providers are configured with.
    if (transportVerdicts.size >= 1_000) transportVerdicts.clear();
    transportVerdicts.set(url, keyTransportVerdict(url));
  }
  return transportVerdicts.get(url);
}

const transportVerdicts = new Map<string, string | undefined>();

function keyTransportVerdict(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `'${url}' is not a valid URL`;
  }
  if (parsed.protocol === 'https:') return undefined;
  if (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname)) return undefined;
  return `refusing to send an API key over ${parsed.protocol.replace(':', '')} to ${parsed.host}; use https`;
}
