import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the server sends for one request. */
export type RawReply =
  | { kind: 'body'; status: number; contentType: string; pieces: Uint8Array[]; contentLength?: number }
  /** Writes `frame` again and again until the client goes away. */
  | { kind: 'endless'; contentType: string; frame: Uint8Array; contentLength?: number };

export interface RawServer {
  origin: string;
  /** Replies served in order; the last one repeats. */
  replies: RawReply[];
  /** Bytes written per request (endless replies stop when the client disconnects). */
  written: number[];
  close(): Promise<void>;
}

/** A tiny HTTP server that sends exactly the bytes it is given: mutated bodies, odd headers, endless streams. */
export async function startRawServer(): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const state: RawServer = { origin: '', replies: [], written: [], close: async () => undefined };
  let served = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const reply = state.replies[Math.min(served, state.replies.length - 1)];
      const slot = state.written.push(0) - 1;
      served++;
      res.on('error', () => undefined);
      if (reply.kind === 'endless') {
        res.writeHead(200, { 'content-type': reply.contentType, ...(reply.contentLength !== undefined ? { 'content-length': String(reply.contentLength) } : {}) });
        const pump = () => {
          while (!res.destroyed && res.write(reply.frame)) state.written[slot] += reply.frame.length;
          if (!res.destroyed) {
            state.written[slot] += reply.frame.length;
            res.once('drain', pump);
          }
        };
        pump();
        return;
      }
      const headers: Record<string, string> = { 'content-type': reply.contentType };
      if (reply.contentLength !== undefined) headers['content-length'] = String(reply.contentLength);
      res.writeHead(reply.status, headers);
      for (const p of reply.pieces) {
        res.write(p);
        state.written[slot] += p.length;
      }
      if (reply.contentLength === undefined || reply.contentLength === state.written[slot]) res.end();
      else res.socket?.end();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}
