import assert from 'node:assert/strict';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { parseConfig } from '../../src/engine/config/loadConfig';
import { RouterEngine } from '../../src/engine/engine';
import { AllProvidersFailedError, ProviderError } from '../../src/engine/errors';
import { sendChat } from '../../src/engine/http/transport';
import type { ProviderEndpoint } from '../../src/engine/providers/adapter';
import { adapterFor } from '../../src/engine/providers/registry';
import type { ChatRequest } from '../../src/engine/types';
import { assertClassified, mutateBytes, randomPieces, seeded, unicodeText } from '../fuzz/fuzzKit';
import { startRawServer, type RawServer } from '../fuzz/rawServer';
import { FORMATS, replyOf } from '../fuzz/streamSamples';

const KEY = 'sk-transport-fuzz';

function endpoint(kind: string, origin: string): ProviderEndpoint {
  const k = kind as ProviderEndpoint['kind'];
  return { id: `raw-${kind}`, kind: k, baseUrl: kind === 'openai' ? `${origin}/v1` : origin, model: 'm', apiKey: KEY };
}

const ask = (stream: boolean): ChatRequest => ({ messages: [{ role: 'user', content: 'hi' }], stream });

function gcFn(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

function heapMB(gc: () => void): number {
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

async function settled<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

describe('fuzz: the real transport over HTTP', function () {
  this.timeout(30_000);
  let server: RawServer;

  beforeEach(async () => {
    server = await startRawServer();
  });
  afterEach(async () => {
    await server.close();
  });

  for (const fmt of FORMATS) {
    const kind = fmt.format.kind;

    it(`${kind}: mutated streamed and whole bodies (truncated, invalid UTF-8, odd statuses and types) each end as an answer or a classified ProviderError`, async () => {
      const rng = seeded(404);
      const reply = replyOf(unicodeText(rng, 8), 3);
      const streamBytes = Buffer.from(fmt.format.streamFrames(reply).join(''), 'utf8');
      const wholeBytes = Buffer.from(JSON.stringify(fmt.format.completionBody(reply)), 'utf8');
      const streamType = fmt.format.framing === 'sse' ? 'text/event-stream' : 'application/x-ndjson';

      server.replies = [{ kind: 'body', status: 200, contentType: streamType, pieces: randomPieces(rng, streamBytes, 12) }];
      const clean = await sendChat(fmt.adapter, endpoint(kind, server.origin), ask(true), { totalTimeoutMs: 3_000 });
      assert.equal(clean.text, reply.text, 'an unmutated stream split at random points reads back whole');

      let answers = 0;
      let errors = 0;
      for (let i = 0; i < 14; i++) {
        const stream = i % 2 === 0;
        let bytes: Uint8Array = stream ? streamBytes : wholeBytes;
        for (let r = 1 + rng.int(2); r > 0; r--) bytes = mutateBytes(rng, bytes);
        const status = rng.chance(0.8) ? 200 : rng.pick([201, 400, 404, 429, 500, 503, 529]);
        const contentType = rng.chance(0.75) ? (stream ? streamType : 'application/json') : rng.pick(['text/html', 'text/plain', 'application/json', streamType, '']);
        // A declared length that does not match the bytes sent is one more way for a body to be cut.
        const contentLength = rng.chance(0.2) ? bytes.length + rng.pick([-1, 1, 100]) : undefined;
        server.replies = [{ kind: 'body', status, contentType, pieces: randomPieces(rng, bytes, 6), contentLength: contentLength !== undefined && contentLength >= 0 ? contentLength : undefined }];
        const r = await settled(sendChat(fmt.adapter, endpoint(kind, server.origin), ask(stream), { totalTimeoutMs: 3_000, firstTokenTimeoutMs: 2_000, maxResponseBytes: 1 << 20 }));
        if (r.ok) {
          assert.equal(typeof r.value.text, 'string');
          answers++;
        } else {
          assertClassified(r.error, `raw-${kind}`, `${kind} body #${i} (status ${status}, ${contentType || 'no type'})`);
          assert.ok(!(r.error as Error).message.includes(KEY), 'the key is in an error message');
          errors++;
        }
      }
      assert.ok(errors > 0, 'no mutated body was rejected');
      assert.equal(answers + errors, 14);
    });
  }

  it('cuts off a provider that streams forever with response_too_large at maxResponseBytes, stops reading it, and keeps memory bounded', async () => {
    const gc = gcFn();
    const frame = Buffer.from(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'more '.repeat(40) } }] })}\n\n`);
    server.replies = [{ kind: 'endless', contentType: 'text/event-stream', frame }];
    const before = heapMB(gc);
    const r = await settled(sendChat(adapterFor('openai'), endpoint('openai', server.origin), ask(true), { totalTimeoutMs: 20_000, maxResponseBytes: 256 * 1024 }));
    assert.ok(!r.ok && r.error instanceof ProviderError, 'the endless stream must fail');
    assert.equal((r.error as ProviderError).errorClass, 'response_too_large');
    assert.match((r.error as ProviderError).message, /262144 bytes/);
    const writtenAtCut = server.written[0];
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(server.written[0] - writtenAtCut < 4 << 20, 'the server kept writing: the connection was not closed');
    assert.ok(heapMB(gc) - before < 32, 'memory grew with the endless stream');
  });

  it('cuts off a huge non-streamed body (2 GB declared) with response_too_large at maxResponseBytes without buffering it', async () => {
    const gc = gcFn();
    server.replies = [{ kind: 'endless', contentType: 'application/json', frame: Buffer.alloc(64 * 1024, 0x20), contentLength: 2 ** 31 }];
    const before = heapMB(gc);
    const r = await settled(sendChat(adapterFor('anthropic'), endpoint('anthropic', server.origin), ask(false), { totalTimeoutMs: 20_000, maxResponseBytes: 1 << 20 }));
    assert.ok(!r.ok && r.error instanceof ProviderError);
    assert.equal((r.error as ProviderError).errorClass, 'response_too_large');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(server.written[0] < 64 << 20, `the server wrote ${server.written[0]} bytes: the client kept reading`);
    assert.ok(heapMB(gc) - before < 32, 'memory grew with the huge body');
  });

  it('applies limits.maxResponseBytes from the config to every attempt the engine makes', async () => {
    const frame = Buffer.from(`${JSON.stringify({ message: { content: 'x'.repeat(200) }, done: false })}\n`);
    server.replies = [{ kind: 'endless', contentType: 'application/x-ndjson', frame }];
    const config = parseConfig({
      providers: [{ id: 'endless', kind: 'ollama', model: 'm', baseUrl: server.origin }],
      limits: { maxResponseBytes: 65_536 },
      retry: { maxAttempts: 1 },
      cache: { enabled: false },
    }).config;
    const engine = new RouterEngine({ config });
    try {
      const r = await settled(engine.chat(ask(true)));
      assert.ok(!r.ok && r.error instanceof AllProvidersFailedError);
      const attempt = (r.error as AllProvidersFailedError).attempts.find((a) => a.outcome === 'error');
      assert.equal(attempt?.errorClass, 'response_too_large');
      assert.match(attempt?.message ?? '', /65536 bytes/);
    } finally {
      await engine.close();
    }
  });
});
