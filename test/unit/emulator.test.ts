import assert from 'node:assert/strict';
import net from 'node:net';
import { Agent, request, type Dispatcher } from 'undici';
import { closedPortUrl, startEmulator, type Emulator, type EmulatorOptions, type Fault } from '../emulator/server';
import type { WireFormat } from '../emulator/wireFormat';

interface TestBody {
  prompt?: string;
  model?: string;
  stream?: boolean;
}

function asTestBody(body: unknown): TestBody {
  return typeof body === 'object' && body !== null ? (body as TestBody) : {};
}

/** A minimal SSE format: start frame, one delta frame per chunk, stop frame. */
const sseFormat: WireFormat = {
  kind: 'openai',
  framing: 'sse',
  match(method, path, _query, body) {
    if (method !== 'POST' || path !== '/t/chat') return null;
    const b = asTestBody(body);
    return { stream: b.stream === true, model: b.model };
  },
  promptText: (body) => asTestBody(body).prompt ?? '',
  completionBody: (reply) => ({ text: reply.text, model: reply.model, usage: reply.usage }),
  streamFrames: (reply) => [
    `event: start\ndata: ${JSON.stringify({ model: reply.model })}\n\n`,
    ...reply.chunks.map((text) => `event: delta\ndata: ${JSON.stringify({ text })}\n\n`),
    `event: stop\ndata: ${JSON.stringify({ usage: reply.usage })}\n\n`,
  ],
  errorBody: (status, message) => ({ body: { error: { status, message } }, headers: { 'x-test-error': 'yes' } }),
  streamErrorFrame: (message) => `event: error\ndata: ${JSON.stringify({ message })}\n\n`,
  emptyAnswer: (reply) => ({
    body: { model: reply.model, choices: [] },
    frames: [`event: start\ndata: ${JSON.stringify({ model: reply.model })}\n\n`, 'event: stop\ndata: {}\n\n'],
  }),
};

/** An NDJSON format with no in-stream error frame, so streamError must fall back to a 500. */
const ndjsonFormat: WireFormat = {
  kind: 'ollama',
  framing: 'ndjson',
  match: (method, path, _query, body) =>
    method === 'POST' && path === '/n/chat' ? { stream: asTestBody(body).stream !== false } : null,
  promptText: (body) => asTestBody(body).prompt ?? '',
  completionBody: (reply) => ({ text: reply.text, done: true }),
  streamFrames: (reply) => [
    ...reply.chunks.map((text) => `${JSON.stringify({ text, done: false })}\n`),
    `${JSON.stringify({ text: '', done: true })}\n`,
  ],
  errorBody: (_status, message) => ({ body: { error: message } }),
};

interface Frame {
  event?: string;
  data: string;
  at: number;
}

interface StreamRead {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  frames: Frame[];
  error?: NodeJS.ErrnoException;
}

function parseSseBlock(block: string, at: number): Frame {
  const frame: Frame = { data: '', at };
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) frame.event = line.slice(6).trim();
    else if (line.startsWith('data:')) frame.data += line.slice(5).trimStart();
  }
  return frame;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function errorCode(err: unknown): string | undefined {
  const e = err as { code?: string; cause?: { code?: string } };
  return e.code ?? e.cause?.code;
}

describe('provider emulator', () => {
  let agent: Agent;
  let emu: Emulator;

  async function start(opts: EmulatorOptions = {}): Promise<Emulator> {
    emu = await startEmulator({ name: 'unit', formats: [sseFormat, ndjsonFormat], ...opts });
    return emu;
  }

  function post(
    body: unknown,
    opts: { path?: string; signal?: AbortSignal; raw?: string; headers?: Record<string, string> } = {},
  ): Promise<Dispatcher.ResponseData> {
    return request(`${emu.origin}${opts.path ?? '/t/chat'}`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', ...opts.headers },
      body: opts.raw ?? JSON.stringify(body),
      signal: opts.signal,
    });
  }

  /** Reads a stream frame by frame with arrival times, keeping any socket error instead of throwing. */
  async function readStream(body: unknown, path = '/t/chat'): Promise<StreamRead> {
    const res = await post(body, { path });
    const out: StreamRead = { status: res.statusCode, headers: res.headers, frames: [] };
    let buffer = '';
    const ndjson = path === '/n/chat';
    try {
      for await (const part of res.body) {
        buffer += (part as Buffer).toString('utf8');
        const at = Date.now();
        const sep = ndjson ? '\n' : '\n\n';
        let i: number;
        while ((i = buffer.indexOf(sep)) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + sep.length);
          out.frames.push(ndjson ? { data: block, at } : parseSseBlock(block, at));
        }
      }
    } catch (err) {
      out.error = err as NodeJS.ErrnoException;
    }
    return out;
  }

  async function waitFor(cond: () => boolean, timeoutMs = 1000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > until) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  beforeEach(() => {
    agent = new Agent({ keepAliveTimeout: 100 });
  });

  afterEach(async () => {
    await emu?.close();
    await agent.close();
  });

  describe('normal answers', () => {
    it('answers a non-stream request with the format completion body, echoing the requested model', async () => {
      await start();
      const res = await post({ prompt: 'abcdefghij', model: 'm-1' });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /application\/json/);
      assert.deepEqual(await res.body.json(), {
        text: 'Hello from unit.',
        model: 'm-1',
        usage: { inputTokens: 3, outputTokens: 3, cachedInputTokens: 0 },
      });
    });

    it('uses the model option when the request names no model, and the cachedInputTokens option', async () => {
      await start({ model: 'default-model', cachedInputTokens: 2, reply: 'x' });
      const body = (await (await post({ prompt: 'a'.repeat(40) })).body.json()) as { model: string; usage: unknown };
      assert.equal(body.model, 'default-model');
      assert.deepEqual(body.usage, { inputTokens: 10, outputTokens: 1, cachedInputTokens: 2 });
    });

    it('streams SSE frames with text/event-stream and chunked encoding, the chunks joining to the reply', async () => {
      await start({ reply: 'one two three four five six', chunks: 4 });
      const read = await readStream({ prompt: 'p', stream: true });
      assert.equal(read.error, undefined);
      assert.equal(read.headers['content-type'], 'text/event-stream');
      assert.equal(read.headers['transfer-encoding'], 'chunked');
      const deltas = read.frames.filter((f) => f.event === 'delta').map((f) => (JSON.parse(f.data) as { text: string }).text);
      assert.equal(deltas.length, 4);
      assert.equal(deltas.join(''), 'one two three four five six');
      assert.deepEqual(
        read.frames.map((f) => f.event),
        ['start', 'delta', 'delta', 'delta', 'delta', 'stop'],
      );
    });

    it('streams NDJSON with application/x-ndjson', async () => {
      await start({ reply: 'a b' });
      const read = await readStream({ prompt: 'p' }, '/n/chat');
      assert.equal(read.headers['content-type'], 'application/x-ndjson');
      assert.deepEqual(
        read.frames.map((f) => JSON.parse(f.data) as unknown),
        [
          { text: 'a ', done: false },
          { text: 'b', done: false },
          { text: '', done: true },
        ],
      );
    });

    it('builds the reply with replyFn from the prompt when no reply is configured', async () => {
      await start({ replyFn: (prompt) => `echo: ${prompt}` });
      const body = (await (await post({ prompt: 'ping' })).body.json()) as { text: string };
      assert.equal(body.text, 'echo: ping');
    });

    it('records method, path, query, headers, parsed body, format kind and the applied fault', async () => {
      await start();
      emu.enqueue({ type: 'status', status: 500 });
      await (await post({ prompt: 'hi', model: 'm' }, { path: '/t/chat?alt=sse&x=1', headers: { 'x-probe': 'v' } })).body.dump();
      await (await post({ prompt: 'again' })).body.dump();
      assert.equal(emu.requests.length, 2);
      const [first, second] = emu.requests;
      assert.equal(first.method, 'POST');
      assert.equal(first.path, '/t/chat');
      assert.equal(first.query.get('alt'), 'sse');
      assert.equal(first.query.get('x'), '1');
      assert.equal(first.headers['x-probe'], 'v');
      assert.deepEqual(first.body, { prompt: 'hi', model: 'm' });
      assert.equal(first.format, 'openai');
      assert.deepEqual(first.fault, { type: 'status', status: 500 });
      assert.equal(second.fault, undefined);
      assert.deepEqual(emu.faultLog, [
        { seq: 0, path: '/t/chat', format: 'openai', fault: { type: 'status', status: 500 }, source: 'queue' },
      ]);
    });

    it('answers an unknown path with 404 {"error":"no such endpoint"} and consumes no fault', async () => {
      await start();
      emu.enqueue({ type: 'status', status: 503 });
      const res = await post({}, { path: '/nowhere' });
      assert.equal(res.statusCode, 404);
      assert.deepEqual(await res.body.json(), { error: 'no such endpoint' });
      assert.equal(emu.queuedFaults(), 1);
    });

    it('answers a non-JSON body with 400 in the matched format error body', async () => {
      await start();
      const res = await post(undefined, { raw: '{oops' });
      assert.equal(res.statusCode, 400);
      assert.equal(res.headers['x-test-error'], 'yes');
      const body = (await res.body.json()) as { error: { status: number } };
      assert.equal(body.error.status, 400);
      assert.equal(emu.requests[0].body, '{oops');
    });

    it('serves all five provider formats when no formats are given', async () => {
      emu = await startEmulator();
      const messages = [{ role: 'user', content: 'hi' }];
      const calls: Array<[string, unknown]> = [
        [`${emu.baseUrl('openai')}/chat/completions`, { model: 'm', messages }],
        [`${emu.baseUrl('anthropic')}/v1/messages`, { model: 'm', max_tokens: 5, messages }],
        [`${emu.baseUrl('gemini')}/v1beta/models/m:generateContent`, { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }],
        [`${emu.baseUrl('cohere')}/v2/chat`, { model: 'm', messages }],
        [`${emu.baseUrl('ollama')}/api/chat`, { model: 'm', messages, stream: false }],
      ];
      for (const [url, body] of calls) {
        const res = await request(url, { method: 'POST', dispatcher: agent, body: JSON.stringify(body) });
        assert.equal(res.statusCode, 200, url);
        await res.body.dump();
      }
      assert.deepEqual(
        emu.requests.map((r) => r.format),
        ['openai', 'anthropic', 'gemini', 'cohere', 'ollama'],
      );
    });

    it('gives the base URL with /v1 for openai kinds only', async () => {
      await start();
      assert.match(emu.origin, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(emu.baseUrl('openai'), `${emu.origin}/v1`);
      assert.equal(emu.baseUrl('openai-compatible'), `${emu.origin}/v1`);
      assert.equal(emu.baseUrl('anthropic'), emu.origin);
      assert.equal(emu.baseUrl('ollama'), emu.origin);
    });
  });

  describe('faults', () => {
    it('applies queued faults in FIFO order, one per request, then succeeds', async () => {
      await start();
      emu.enqueue({ type: 'status', status: 500 }, { type: 'status', status: 503 }, { type: 'ok', reply: 'override' });
      const statuses: number[] = [];
      const texts: string[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await post({ prompt: 'p' });
        statuses.push(res.statusCode);
        const body = (await res.body.json()) as { text?: string };
        if (body.text !== undefined) texts.push(body.text);
      }
      assert.deepEqual(statuses, [500, 503, 200, 200]);
      assert.deepEqual(texts, ['override', 'Hello from unit.']);
    });

    it('status: sends the format error body and headers plus retry-after and retry-after-ms', async () => {
      await start();
      emu.enqueue({
        type: 'status',
        status: 429,
        retryAfterSeconds: 2,
        retryAfterMs: 1500,
        headers: { 'x-custom': 'v' },
        message: 'slow down',
      });
      const res = await post({ prompt: 'p' });
      assert.equal(res.statusCode, 429);
      assert.equal(res.headers['retry-after'], '2');
      assert.equal(res.headers['retry-after-ms'], '1500');
      assert.equal(res.headers['x-custom'], 'v');
      assert.equal(res.headers['x-test-error'], 'yes');
      assert.deepEqual(await res.body.json(), { error: { status: 429, message: 'slow down' } });
    });

    it('hang: never answers, so the client gives up on its own timeout', async () => {
      await start();
      emu.enqueue({ type: 'hang' });
      // An abort timeout rather than undici's headersTimeout, whose coarse timer would cost ~1 s.
      await assert.rejects(post({ prompt: 'p' }, { signal: AbortSignal.timeout(50) }), (err) => {
        assert.equal((err as Error).name, 'TimeoutError');
        return true;
      });
      assert.equal(emu.requests[0].fault?.type, 'hang');
      // The client gave up and closed its socket; the emulator must let go of it too.
      await waitFor(() => emu.openConnections() === 0);
    });

    it('delay: answers normally only after the delay', async () => {
      await start();
      emu.enqueue({ type: 'delay', ms: 60 });
      const t0 = Date.now();
      const res = await post({ prompt: 'p' });
      assert.ok(Date.now() - t0 >= 55, `answered after ${Date.now() - t0} ms`);
      assert.equal(res.statusCode, 200);
      assert.equal(((await res.body.json()) as { text: string }).text, 'Hello from unit.');
    });

    it('slow: stream frames arrive spaced by chunkDelayMs', async () => {
      await start({ reply: 'a b c', chunks: 3 });
      emu.enqueue({ type: 'slow', chunkDelayMs: 30 });
      const read = await readStream({ prompt: 'p', stream: true });
      assert.equal(read.error, undefined);
      assert.equal(read.frames.length, 5);
      for (let i = 1; i < read.frames.length; i++) {
        const gap = read.frames[i].at - read.frames[i - 1].at;
        assert.ok(gap >= 25, `gap before frame ${i} was ${gap} ms`);
      }
    });

    it('slow: a non-stream body is delayed by chunkDelayMs times the chunk count', async () => {
      await start({ reply: 'a b c', chunks: 3 });
      emu.enqueue({ type: 'slow', chunkDelayMs: 20 });
      const t0 = Date.now();
      const res = await post({ prompt: 'p' });
      await res.body.dump();
      assert.ok(Date.now() - t0 >= 55, `answered after ${Date.now() - t0} ms`);
    });

    it('cut: streams exactly afterChunks content frames, then the socket errors', async () => {
      await start({ reply: 'one two three four', chunks: 4 });
      emu.enqueue({ type: 'cut', afterChunks: 2 });
      const read = await readStream({ prompt: 'p', stream: true });
      assert.equal(read.status, 200);
      assert.deepEqual(
        read.frames.map((f) => f.event),
        ['start', 'delta', 'delta'],
      );
      assert.ok(read.error, 'expected a socket error after the cut');
    });

    it('cut: a non-stream answer sends half the declared body, then the socket errors', async () => {
      await start();
      emu.enqueue({ type: 'cut', afterChunks: 1 });
      const res = await post({ prompt: 'p' });
      assert.equal(res.statusCode, 200);
      let received = 0;
      await assert.rejects(async () => {
        for await (const part of res.body) received += (part as Buffer).length;
      });
      assert.ok(received < Number(res.headers['content-length']));
    });

    it('malformed: a non-stream 200 body is not valid JSON', async () => {
      await start();
      emu.enqueue({ type: 'malformed' });
      const res = await post({ prompt: 'p' });
      assert.equal(res.statusCode, 200);
      assert.equal(isJson(await res.body.text()), false);
    });

    it('malformed: a stream carries a content frame whose data is not valid JSON', async () => {
      await start();
      emu.enqueue({ type: 'malformed' });
      const read = await readStream({ prompt: 'p', stream: true });
      assert.equal(read.status, 200);
      assert.equal(read.frames[0].event, 'start');
      const bad = read.frames.filter((f) => !isJson(f.data));
      assert.equal(bad.length, 1);
      assert.equal(bad[0].event, 'delta');
    });

    it('html: answers 200 with a text/html page', async () => {
      await start();
      emu.enqueue({ type: 'html' });
      const res = await post({ prompt: 'p', stream: true });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(await res.body.text(), /<html>/);
    });

    it('reset: destroys the connection without any response', async () => {
      await start();
      emu.enqueue({ type: 'reset' });
      await assert.rejects(post({ prompt: 'p' }), (err) => {
        assert.ok(['ECONNRESET', 'UND_ERR_SOCKET'].includes(errorCode(err) ?? ''), `code ${errorCode(err)}`);
        return true;
      });
    });

    it('truncated: declares a longer Content-Length than it sends, so reading the body fails', async () => {
      await start();
      emu.enqueue({ type: 'truncated' });
      const res = await post({ prompt: 'p' });
      assert.equal(res.statusCode, 200);
      let received = 0;
      await assert.rejects(async () => {
        for await (const part of res.body) received += (part as Buffer).length;
      });
      assert.ok(received < Number(res.headers['content-length']));
    });

    it('truncated: a stream stops after the content frames, before the stop frame', async () => {
      await start({ reply: 'a b', chunks: 2 });
      emu.enqueue({ type: 'truncated' });
      const read = await readStream({ prompt: 'p', stream: true });
      assert.deepEqual(
        read.frames.map((f) => f.event),
        ['start', 'delta', 'delta'],
      );
      assert.ok(read.error, 'expected the body to end with an error, not cleanly');
    });

    it('streamError: sends one content frame, then the format error frame, and ends cleanly', async () => {
      await start();
      emu.enqueue({ type: 'streamError', message: 'overloaded mid-stream' });
      const read = await readStream({ prompt: 'p', stream: true });
      assert.equal(read.error, undefined);
      assert.deepEqual(
        read.frames.map((f) => f.event),
        ['start', 'delta', 'error'],
      );
      assert.deepEqual(JSON.parse(read.frames[2].data), { message: 'overloaded mid-stream' });
    });

    it('streamError: falls back to a 500 error body when the format has no stream error frame', async () => {
      await start();
      emu.enqueue({ type: 'streamError', message: 'boom' });
      const res = await post({ prompt: 'p' }, { path: '/n/chat' });
      assert.equal(res.statusCode, 500);
      assert.deepEqual(await res.body.json(), { error: 'boom' });
    });

    it("empty: answers 200 with the format's emptyAnswer body, or streams exactly its frames", async () => {
      await start({ model: 'quiet' });
      emu.enqueue({ type: 'empty' }, { type: 'empty' });
      const res = await post({ prompt: 'p' });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(await res.body.json(), { model: 'quiet', choices: [] });
      const read = await readStream({ prompt: 'p', stream: true });
      assert.equal(read.error, undefined);
      assert.deepEqual(read.frames.map((f) => [f.event, f.data]), [['start', '{"model":"quiet"}'], ['stop', '{}']]);
      assert.deepEqual(emu.requests.map((r) => r.fault?.type), ['empty', 'empty']);
    });

    it('empty, promptBlocked: answer 501 naming the format when it has no such answer, consuming the fault', async () => {
      await start();
      emu.enqueue({ type: 'promptBlocked' }, { type: 'empty' });
      const blocked = await post({ prompt: 'p' });
      assert.equal(blocked.statusCode, 501);
      assert.deepEqual(await blocked.body.json(), { error: "the emulated openai format has no 'promptBlocked' answer" });
      const empty = await post({ prompt: 'p' }, { path: '/n/chat' });
      assert.equal(empty.statusCode, 501);
      assert.deepEqual(await empty.body.json(), { error: "the emulated ollama format has no 'empty' answer" });
      assert.equal(emu.queuedFaults(), 0);
    });
  });

  describe('random faults', () => {
    const kinds: Fault[] = [
      { type: 'status', status: 500 },
      { type: 'status', status: 503 },
      { type: 'status', status: 429 },
    ];

    async function statusSequence(seed: number): Promise<number[]> {
      emu.reset();
      emu.setRandomFaults({ rate: 0.5, kinds, seed });
      const out: number[] = [];
      for (let i = 0; i < 24; i++) {
        const res = await post({ prompt: 'p' });
        await res.body.dump();
        out.push(res.statusCode);
      }
      return out;
    }

    it('gives the same fault sequence for the same seed and a different one for another seed', async () => {
      await start();
      const a = await statusSequence(7);
      const b = await statusSequence(7);
      const c = await statusSequence(8);
      assert.deepEqual(a, b);
      assert.notDeepEqual(a, c);
      assert.ok(a.includes(200) && a.some((s) => s !== 200), `sequence ${a.join(',')}`);
      assert.ok(emu.faultLog.every((e) => e.source === 'random'));
    });

    it('stops injecting after setRandomFaults(null) and after reset()', async () => {
      await start();
      emu.setRandomFaults({ rate: 1, kinds, seed: 1 });
      emu.setRandomFaults(null);
      assert.equal((await post({ prompt: 'p' })).statusCode, 200);
      emu.setRandomFaults({ rate: 1, kinds, seed: 1 });
      emu.reset();
      assert.equal((await post({ prompt: 'p' })).statusCode, 200);
      assert.equal(emu.requests.length, 1);
    });

    it('serves 150 concurrent requests under random faults and leaves no sockets after close()', async () => {
      await start();
      emu.setRandomFaults({
        rate: 0.6,
        seed: 42,
        kinds: [
          { type: 'status', status: 503 },
          { type: 'delay', ms: 5 },
          { type: 'cut', afterChunks: 1 },
          { type: 'reset' },
          { type: 'malformed' },
          { type: 'truncated' },
          { type: 'streamError' },
        ],
      });
      const settled = await Promise.allSettled(
        Array.from({ length: 150 }, (_, i) => readStream({ prompt: `p${i}`, stream: i % 2 === 0 })),
      );
      assert.equal(emu.requests.length, 150);
      assert.ok(settled.some((s) => s.status === 'fulfilled' && s.value.status === 200 && !s.value.error));
      await emu.close();
      assert.equal(emu.openConnections(), 0);
    });
  });

  describe('shutdown', () => {
    function activeTimeouts(): number {
      return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    }

    it('close() resolves with a hung request open and leaves no open connections', async () => {
      await start();
      emu.enqueue({ type: 'hang' });
      const pending = post({ prompt: 'p' }).then(
        () => 'answered',
        () => 'failed',
      );
      await waitFor(() => emu.requests.length === 1);
      assert.equal(emu.openConnections(), 1);
      await emu.close();
      assert.equal(emu.openConnections(), 0);
      assert.equal(await pending, 'failed');
    });

    /** A bare socket client, so that no client-side timers blur the count of the emulator's own. */
    function rawPost(body: unknown): Promise<void> {
      const json = JSON.stringify(body);
      return new Promise((resolve) => {
        const socket = net.connect(Number(new URL(emu.origin).port), '127.0.0.1', () => {
          socket.write(
            `POST /t/chat HTTP/1.1\r\nHost: emulator\r\nContent-Type: application/json\r\n` +
              `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`,
          );
        });
        socket.on('error', () => undefined);
        socket.on('data', () => undefined);
        socket.on('close', () => resolve());
      });
    }

    it('close() clears pending delay and slow-stream timers', async () => {
      await start({ reply: 'a b c' });
      // Counted after the first await, once mocha's own timeout timer for this test exists.
      const before = activeTimeouts();
      emu.enqueue({ type: 'delay', ms: 60_000 }, { type: 'slow', chunkDelayMs: 60_000 });
      const clients = [rawPost({ prompt: 'p' }), rawPost({ prompt: 'p', stream: true })];
      await waitFor(() => emu.requests.length === 2);
      assert.ok(activeTimeouts() >= before + 2, 'both requests should be waiting on a timer');
      await emu.close();
      assert.equal(activeTimeouts(), before, process.getActiveResourcesInfo().join());
      await Promise.all(clients);
    });

    it('close() is idempotent', async () => {
      await start();
      await Promise.all([emu.close(), emu.close()]);
      await emu.close();
    });

    it('closedPortUrl() gives an origin that refuses connections', async () => {
      const url = await closedPortUrl();
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      await assert.rejects(request(url, { dispatcher: agent }), (err) => {
        assert.equal(errorCode(err), 'ECONNREFUSED');
        return true;
      });
    });
  });
});
