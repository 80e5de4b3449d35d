import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TlsFront {
  /** https://127.0.0.1:port */
  origin: string;
  /** The self-signed certificate it serves (PEM): trusted by nobody unless given as a CA. */
  certificate: string;
  close(): Promise<void>;
}

/** An HTTPS server with a fresh self-signed certificate for 127.0.0.1 that passes every request on to `upstream` (plain HTTP). */
export async function startTlsFront(upstream: string): Promise<TlsFront> {
  const dir = mkdtempSync(path.join(tmpdir(), 'llm-router-tls-'));
  try {
    const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const certificate = readFileSync(cert, 'utf8');
    const target = new URL(upstream);
    const server = https.createServer({ key: readFileSync(key), cert: certificate }, (req, res) => {
      const forward = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      forward.on('error', () => res.destroy());
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
      certificate,
      close: () => {
        server.closeAllConnections();
        return new Promise((resolve) => server.close(() => resolve()));
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
