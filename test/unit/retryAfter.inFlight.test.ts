import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConfig } from '../../src/engine/config/loadConfig';
import { RouterEngine } from '../../src/engine/engine';

const COMPLETION = JSON.stringify({ model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] });

describe('Retry-After brought back by a request that was already in flight', () => {
  it('a request waiting out one Retry-After waits again when another response extended the wait meanwhile', async () => {
    // 'a' gets 429 "wait 100 ms" at once; 'b', sent at the same time, gets 429 "wait 300 ms" 60 ms later; then 200s.
    const received: { prompt: string; at: number }[] = [];
    let extendedAt = 0;
    let aAnswered!: () => void;
    let bReceived!: () => void;
    const aDone = new Promise<void>((resolve) => (aAnswered = resolve));
    const bIn = new Promise<void>((resolve) => (bReceived = resolve));
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const prompt = (JSON.parse(body) as { messages: { content: string }[] }).messages[0].content;
        const first = !received.some((r) => r.prompt === prompt);
        received.push({ prompt, at: performance.now() });
        if (prompt === 'a' && first) {
          res.writeHead(429, { 'content-type': 'application/json', 'retry-after-ms': '100' }).end('{"error":{"message":"slow down","type":"requests"}}');
          aAnswered();
        } else if (prompt === 'b' && first) {
          bReceived();
          setTimeout(() => {
            extendedAt = performance.now();
            res.writeHead(429, { 'content-type': 'application/json', 'retry-after-ms': '300' }).end('{"error":{"message":"slow down more","type":"requests"}}');
          }, 60);
        } else {
          res.writeHead(200, { 'content-type': 'application/json' }).end(COMPLETION);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const config = parseConfig({
      providers: [{ id: 'only', kind: 'openai', model: 'm', baseUrl: `${origin}/v1` }],
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1_000 },
      cache: { enabled: false },
    }).config;
    const engine = new RouterEngine({ config, resolveKey: () => 'sk-test' });
    try {
      const ask = (content: string) => engine.chat({ messages: [{ role: 'user', content }] });
      const b = ask('b');
      const a = ask('a');
      // 'c' starts inside the first wait (it will wake after 100 ms), while 'b' is still in flight.
      await Promise.all([aDone, bIn]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const c = ask('c');
      const results = await Promise.all([a, b, c]);
      assert.deepEqual(results.map((r) => r.text), ['ok', 'ok', 'ok']);
      assert.ok(extendedAt > 0);
      const early = received.filter((r) => r.at > extendedAt && r.at < extendedAt + 300 - 5);
      assert.deepEqual(early.map((r) => `${r.prompt} after ${Math.round(r.at - extendedAt)} ms`), [], 'requests arrived before the extended Retry-After elapsed');
    } finally {
      await engine.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
