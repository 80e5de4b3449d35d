import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  /** 'CONNECT' for a tunnel, else the forwarded request's method. */
  method: string;
  /** host:port the client wanted to reach. */
  target: string;
  /** Whether the proxy let it through. */
  admitted: boolean;
}

export interface AuthProxy {
  /** http://127.0.0.1:port, without credentials. */
  url: string;
  /** Every request the proxy saw, admitted or refused, in order. */
  requests: ProxiedRequest[];
  /** Requests it let through to their target. */
  admitted(): number;
  close(): Promise<void>;
}

/**
 * A loopback forward proxy that tunnels CONNECT and forwards absolute-URI requests. With `credentials`
 * it admits only requests carrying `Proxy-Authorization: Basic base64(user:password)` and answers 407
 * with a Basic challenge otherwise, as an authenticating corporate proxy does.
 */
export async function startAuthProxy(opts: { credentials?: { user: string; password: string } } = {}): Promise<AuthProxy> {
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<net.Socket>();
  const expected = opts.credentials ? `Basic ${Buffer.from(`${opts.credentials.user}:${opts.credentials.password}`).toString('base64')}` : undefined;
  const admits = (req: http.IncomingMessage) => expected === undefined || req.headers['proxy-authorization'] === expected;
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('error', () => s.destroy());
    s.on('close', () => sockets.delete(s));
  };

  const server = http.createServer((req, res) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('absolute URI expected');
      return;
    }
    const admitted = admits(req);
    requests.push({ method: req.method ?? 'GET', target: target.host, admitted });
    if (!admitted) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test proxy"' }).end();
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = http.request({ host: target.hostname, port: target.port || 80, method: req.method, path: target.pathname + target.search, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', track);
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const target = req.url ?? '';
    const admitted = admits(req);
    requests.push({ method: 'CONNECT', target, admitted });
    if (!admitted) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test proxy"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const colon = target.lastIndexOf(':');
    const upstream = net.connect(Number(target.slice(colon + 1)), target.slice(0, colon).replace(/^\[|\]$/g, ''), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    track(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    admitted: () => requests.filter((r) => r.admitted).length,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
