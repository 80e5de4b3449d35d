import assert from 'node:assert/strict';
import { ERROR_CLASSES, ProviderError } from '../../src/engine/errors';
import type { FramedEvent, ProviderAdapter, ProviderEndpoint, ResponseHeaders } from '../../src/engine/providers/adapter';
import { adapterFor } from '../../src/engine/providers/registry';
import type { ParsedCompletion, ProviderKind } from '../../src/engine/types';
import { wireFormats } from '../emulator/formats';
import type { WireFormat } from '../emulator/wireFormat';
import { assertClassified, assertEvents, forBudget, mutateJson, seeded, unicodeText, wrongValue, type Rng } from '../fuzz/fuzzKit';
import { replyOf } from '../fuzz/streamSamples';

const KEY = 'sk-fuzz-SECRET-0000';
const KINDS: ProviderKind[] = ['openai', 'openai-compatible', 'anthropic', 'gemini', 'cohere', 'ollama'];
function formatFor(kind: ProviderKind): WireFormat {
  const wanted = kind === 'openai-compatible' ? 'openai' : kind;
  return wireFormats.find((f) => f.kind === wanted) as WireFormat;
}

function ep(kind: ProviderKind): ProviderEndpoint {
  return { id: `fuzz-${kind}`, kind, baseUrl: 'https://fuzz.invalid', model: 'm', apiKey: KEY };
}

function assertCompletion(r: ParsedCompletion, what: string): void {
  assert.equal(typeof r.text, 'string', `${what}: text`);
  if (r.model !== undefined) assert.equal(typeof r.model, 'string', `${what}: model`);
  for (const v of Object.values(r.usage ?? {})) assert.ok(typeof v === 'number' && Number.isFinite(v), `${what}: usage ${String(v)}`);
}

/** Calls fn; a return value is checked by `check`, a throw must be a classified ProviderError. Returns whether it threw. */
function classifiedOrOk<T>(fn: () => T, check: (v: T) => void, provider: string, what: string): boolean {
  let value: T;
  try {
    value = fn();
  } catch (err) {
    assertClassified(err, provider, what);
    return true;
  }
  check(value);
  return false;
}

function streamFrameObjects(format: WireFormat, rng: Rng): { event?: string; json: unknown }[] {
  const frames = format.streamFrames(replyOf(unicodeText(rng, 6), 3));
  return frames.map((raw) => {
    const event = /^event: ?(.*)$/m.exec(raw)?.[1]?.trim();
    const data = raw.replace(/^event:.*$/m, '').replace(/^data: ?/m, '').trim();
    let json: unknown = data;
    try {
      json = JSON.parse(data);
    } catch {
      // [DONE] and other non-JSON data stay text.
    }
    return { event, json };
  });
}

function randomHeaders(rng: Rng): ResponseHeaders {
  const values = ['1', '0', '-5', 'abc', '', '1e309', 'NaN', '3.5', 'Wed, 21 Oct 2015 07:28:00 GMT', 'Fri, 31 Dec 9999 23:59:59 GMT', ' 2 ', '99999999999999999999'];
  const h: ResponseHeaders = {};
  if (rng.chance(0.6)) h['retry-after'] = rng.pick(values);
  if (rng.chance(0.4)) h['retry-after-ms'] = rng.pick(values);
  if (rng.chance(0.2)) h['retry-after'] = [rng.pick(values), rng.pick(values)];
  if (rng.chance(0.3)) h['content-type'] = rng.pick(['application/json', 'text/html', 'text/plain']);
  return h;
}

function randomErrorBody(rng: Rng, format: WireFormat, status: number): string {
  switch (rng.int(6)) {
    case 0:
      return JSON.stringify(format.errorBody(status, `bad key ${KEY} was sent`).body);
    case 1:
      return JSON.stringify(mutateJson(rng, format.errorBody(status, unicodeText(rng, 4)).body));
    case 2:
      return JSON.stringify(wrongValue(rng));
    case 3:
      return `<html><head><title>${rng.pick(['502 Bad Gateway', KEY, ''])}</title></head><body>${'x'.repeat(rng.int(5000))}</body></html>`;
    case 4:
      return rng.pick(['', ' ', 'null', '[]', '{', '{"error":', KEY, '\u0000\uffff', 'é'.repeat(100_000)]);
    default:
      return JSON.stringify(format.errorBody(status, 'x').body).slice(0, rng.int(200));
  }
}

describe('fuzz: every adapter’s providerOptions', function () {
  this.timeout(20_000);
  const request = { system: 'sys', messages: [{ role: 'user' as const, content: 'hi' }], temperature: 0.5, maxTokens: 9 };
  const FIELDS = ['seed', 'options', 'generationConfig', 'stream_options', 'metadata', '__proto__', 'constructor', 'toString', 'max_tokens', 'temperature'];

  for (const kind of KINDS) {
    it(`${kind}: random options either name an owned field in a bad_request or leave every owned field as the request built it`, () => {
      const rng = seeded(404);
      const adapter = adapterFor(kind);
      const owned = Object.keys(adapter.ownedFields);
      let refused = 0;
      forBudget(400, 3_000, 100, (i) => {
        const stream = rng.chance(0.5);
        const plain = adapter.buildRequest(request, ep(kind), stream).body as Record<string, unknown>;
        const keys = Array.from({ length: 1 + rng.int(3) }, () => (rng.chance(0.15) ? rng.pick(owned) : rng.pick(FIELDS)));
        const options = Object.fromEntries(keys.map((k) => [k, wrongValue(rng)]));
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(JSON.stringify(adapter.buildRequest({ ...request, providerOptions: options }, ep(kind), stream).body));
        } catch (err) {
          assertClassified(err, ep(kind).id, `${kind} options #${i}`);
          assert.equal((err as ProviderError).errorClass, 'bad_request');
          assert.ok(keys.some((k) => owned.includes(k) && (err as Error).message.includes(`providerOptions.${k} `)), `${kind} #${i}: ${(err as Error).message}`);
          refused++;
          return;
        }
        for (const field of owned) assert.deepEqual(body[field], plain[field], `${kind} #${i}: ${field}`);
        assert.equal(({} as Record<string, unknown>).k0, undefined, 'an option reached Object.prototype');
      });
      assert.ok(refused > 0, 'no owned field was ever tried');
    });
  }
});

describe('fuzz: every adapter’s response parsers', function () {
  this.timeout(20_000);

  for (const kind of KINDS) {
    const adapter: ProviderAdapter = adapterFor(kind);
    const format = formatFor(kind);
    const id = ep(kind).id;

    it(`${kind}: parseCompletion returns a well-formed completion or throws a classified ProviderError for thousands of mutated bodies`, () => {
      const rng = seeded(101);
      const valid = format.completionBody(replyOf('a fine answer', 2));
      assert.equal(adapter.parseCompletion(valid, ep(kind)).text, 'a fine answer');
      let threw = 0;
      forBudget(800, 5_000, 100, (i) => {
        let body = valid;
        for (let r = 1 + rng.int(3); r > 0; r--) body = mutateJson(rng, body);
        if (classifiedOrOk(() => adapter.parseCompletion(body, ep(kind)), (v) => assertCompletion(v, `${kind} #${i}`), id, `${kind} completion #${i}`)) threw++;
      });
      assert.ok(threw > 0, 'no mutated completion was ever rejected');
    });

    it(`${kind}: parseStreamEvent returns well-formed events or throws a classified ProviderError for thousands of mutated frames`, () => {
      const rng = seeded(202);
      const frames = streamFrameObjects(format, rng);
      let threw = 0;
      forBudget(800, 6_000, 100, (i) => {
        const f = rng.pick(frames);
        const json = rng.chance(0.1) ? f.json : mutateJson(rng, f.json);
        const event = rng.chance(0.15) ? rng.pick(['error', 'message_stop', 'content-delta', 'unknown', '', 'ping']) : f.event;
        const frame: FramedEvent = { ...(event !== undefined ? { event } : {}), data: typeof json === 'string' && rng.chance(0.5) ? json : JSON.stringify(json) ?? 'undefined' };
        if (classifiedOrOk(() => adapter.parseStreamEvent(frame, ep(kind)), (v) => assertEvents(v, `${kind} #${i}`), id, `${kind} frame #${i}`)) threw++;
      });
      assert.ok(threw > 0, 'no mutated frame was ever rejected');
    });

    it(`${kind}: parseError always returns a classified ProviderError with a sane Retry-After and no key in its message`, () => {
      const rng = seeded(303);
      const statuses = [400, 401, 402, 403, 404, 408, 409, 413, 422, 429, 451, 498, 499, 500, 501, 502, 503, 504, 529, 599, 418, 300, 200];
      const check = (status: number, body: string, headers: ResponseHeaders, what: string) => {
        let err: unknown;
        try {
          err = adapter.parseError(status, body, headers, ep(kind));
        } catch (thrown) {
          assert.fail(`${what}: parseError threw ${thrown instanceof Error ? thrown.message : String(thrown)}`);
        }
        assert.ok(err instanceof ProviderError, `${what}: returned ${String(err)}`);
        assert.ok(err.errorClass in ERROR_CLASSES, `${what}: class ${err.errorClass}`);
        assert.equal(err.provider, id);
        if (err.retryAfterMs !== undefined) assert.ok(Number.isFinite(err.retryAfterMs) && err.retryAfterMs >= 0, `${what}: retryAfterMs ${err.retryAfterMs}`);
        assert.ok(!err.message.includes(KEY), `${what}: the key is in the message`);
        assert.ok(err.message.length < 2_000, `${what}: a ${err.message.length}-character message`);
      };
      forBudget(800, 5_000, 100, (i) => {
        const status = rng.pick(statuses);
        check(status, randomErrorBody(rng, format, status), randomHeaders(rng), `${kind} error #${i}`);
      });
    });
  }
});
