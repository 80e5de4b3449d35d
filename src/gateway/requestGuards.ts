import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { GatewayError } from './gatewayError';

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function hostLiteral(address: string): string {
  return isIP(address) === 6 ? `[${address}]` : address;
}

/**
 * The Host values that name this server; anything else is a rebound DNS name or a confused client. `extra` are the
 * names the user chose (`gateway.allowedHosts`, e.g. a load balancer's): one with a port is taken as written, one
 * without also with this server's port.
 */
export function allowedHostHeaders(bindHost: string, port: number, extra: readonly string[] = []): Set<string> {
  const names = new Set<string>();
  if (isLoopbackHost(bindHost)) LOOPBACK_NAMES.forEach((n) => names.add(n));
  if (bindHost === '0.0.0.0' || bindHost === '::') {
    LOOPBACK_NAMES.forEach((n) => names.add(n));
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(hostLiteral(a.address));
  }
  names.add(hostLiteral(bindHost));
  const allowed = new Set([...names].map((n) => `${n.toLowerCase()}:${port}`));
  for (const name of extra.map((n) => n.toLowerCase())) {
    allowed.add(name);
    if (!/:\d+$/.test(name)) allowed.add(`${name}:${port}`);
  }
  return allowed;
}

/** Refuses requests from web pages (an Origin not listed) and requests whose Host is not this server. */
export function createRequestGuard(opts: { allowedHosts: Set<string>; allowedOrigins: readonly string[] }): (headers: IncomingHttpHeaders) => void {
  const origins = new Set(opts.allowedOrigins);
  return (headers) => {
    const host = headers.host?.toLowerCase();
    if (host === undefined || !opts.allowedHosts.has(host)) {
      throw new GatewayError('forbidden', `Host '${headers.host ?? ''}' is not this gateway's address; use ${[...opts.allowedHosts][0]}, or list the name in gateway.allowedHosts (a load balancer's, say).`);
    }
    const origin = headers.origin;
    if (origin !== undefined && !origins.has(origin)) {
      throw new GatewayError('forbidden', `Requests from web pages are refused (Origin '${origin}'); list the origin in gateway.allowedOrigins to allow it.`);
    }
  };
}
