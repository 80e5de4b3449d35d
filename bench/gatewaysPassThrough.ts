import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';

/**
 * The floor for any gateway in `bench:gateways`: a bare Node pass-through (node:http in, undici out, JSON parsed
 * and re-serialised, nothing else), so the table shows what one more Node process on the path costs by itself.
 */
const upstream = process.argv[2];
const agent = new Agent({ keepAliveTimeout: 60_000 });

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messages: unknown };
    request(`${upstream}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: req.headers.authorization ?? '' }, body: JSON.stringify({ model: 'bench-model', messages: body.messages }), dispatcher: agent })
      .then((r) => r.body.text())
      .then((text) => {
        const out = JSON.stringify(JSON.parse(text));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
        res.end(out);
      })
      .catch(() => res.writeHead(502).end());
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => process.exit(0));
