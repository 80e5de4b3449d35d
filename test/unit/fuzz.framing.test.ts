import assert from 'node:assert/strict';
import type { FramedEvent } from '../../src/engine/providers/adapter';
import { assertClassified, assertEvents, forBudget, mutateBytes, randomPieces, seeded, unicodeText } from '../fuzz/fuzzKit';
import { FORMATS, frameBytes, replyOf } from '../fuzz/streamSamples';

const ep = (kind: string) => ({ id: `fuzz-${kind}`, kind: kind as 'openai', baseUrl: 'https://fuzz.invalid', model: 'm', apiKey: 'sk-fuzz-key' });

function textOf(fmt: (typeof FORMATS)[number], frames: FramedEvent[]): string {
  let text = '';
  for (const f of frames) for (const e of fmt.adapter.parseStreamEvent(f, ep(fmt.format.kind))) if (e.type === 'text') text += e.text;
  return text;
}

describe('fuzz: SSE and NDJSON stream splitters', function () {
  this.timeout(20_000);

  for (const fmt of FORMATS) {
    const kind = fmt.format.kind;

    it(`${kind}: splitting a recorded-shape stream at every byte boundary gives the same frames and the same text`, () => {
      const rng = seeded(11);
      const reply = replyOf(unicodeText(rng, 9), 4);
      const bytes = Buffer.from(fmt.format.streamFrames(reply).join(''), 'utf8');
      const whole = frameBytes(fmt.format.framing, [bytes]);
      assert.equal(textOf(fmt, whole), reply.text, 'the unsplit stream reads back as the reply');
      for (let at = 0; at <= bytes.length; at++) {
        const split = frameBytes(fmt.format.framing, [bytes.subarray(0, at), bytes.subarray(at)]);
        assert.deepEqual(split, whole, `split at byte ${at} of ${bytes.length}`);
      }
      // Many-way splits, several inside one multi-byte character, with the adapter reading every frame.
      forBudget(50, 150, 250, () => {
        const pieces = randomPieces(rng, bytes, 40);
        assert.equal(textOf(fmt, frameBytes(fmt.format.framing, pieces)), reply.text);
      });
    });

    it(`${kind}: thousands of mutated streams never make the splitter throw, and every frame parses to events or a ProviderError`, () => {
      const rng = seeded(23);
      const reply = replyOf(unicodeText(rng, 7), 3);
      const valid = Buffer.from(fmt.format.streamFrames(reply).join(''), 'utf8');
      let providerErrors = 0;
      const ran = forBudget(1_000, 3_000, 400, (i) => {
        let bytes: Uint8Array = valid;
        const rounds = 1 + rng.int(3);
        for (let r = 0; r < rounds; r++) bytes = mutateBytes(rng, bytes);
        let frames: FramedEvent[] = [];
        assert.doesNotThrow(() => {
          frames = frameBytes(fmt.format.framing, randomPieces(rng, bytes, 8));
        }, `mutation #${i}`);
        for (const f of frames) {
          assert.equal(typeof f.data, 'string');
          try {
            assertEvents(fmt.adapter.parseStreamEvent(f, ep(kind)), `${kind} mutation #${i}`);
          } catch (err) {
            if (err instanceof assert.AssertionError) throw err;
            assertClassified(err, ep(kind).id, `${kind} mutation #${i}`);
            providerErrors++;
          }
        }
      });
      assert.ok(ran >= 1_000);
      assert.ok(providerErrors > 0, 'no mutation was ever rejected: the fuzzer is not reaching the parser');
    });
  }

  for (const framing of ['sse', 'ndjson'] as const) {
    it(`${framing}: a 4 MB line, empty lines, lone CRs and invalid UTF-8 neither throw nor hang the splitter`, () => {
      const huge = Buffer.alloc(4 * 1024 * 1024, 'a');
      const inputs: Uint8Array[][] = [
        [Buffer.from('data: '), huge, Buffer.from('\n\n')],
        [huge],
        [Buffer.from('\n'.repeat(100_000))],
        [Buffer.from('\r'.repeat(10_000) + 'data: x\r\r')],
        [Buffer.from([0xff, 0xfe, 0x80, 0xc0, 0xaf, 0xed, 0xa0, 0x80]), Buffer.from('\n\n')],
        [Buffer.from('data: {"a":1}'), Buffer.from([0xf0, 0x9f]), Buffer.from([0x99, 0x82]), Buffer.from('\n\n')],
      ];
      for (const [i, pieces] of inputs.entries()) {
        const started = performance.now();
        const frames = frameBytes(framing, pieces);
        assert.ok(performance.now() - started < 2_000, `input ${i} took too long`);
        for (const f of frames) assert.equal(typeof f.data, 'string');
      }
      // Invalid UTF-8 becomes U+FFFD, never a thrown decoding error.
      const bad = frameBytes(framing, [Buffer.from(framing === 'sse' ? 'data: ' : ''), Buffer.from([0xff]), Buffer.from('\n\n')]);
      assert.deepEqual(bad.map((f) => f.data), ['\ufffd']);
    });
  }
});
