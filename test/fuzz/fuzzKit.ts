import assert from 'node:assert/strict';
import { ERROR_CLASSES, ProviderError } from '../../src/engine/errors';
import type { StreamEvent } from '../../src/engine/types';
import { seededRandom } from '../support/seededRandom';

/** Seeded PRNG (mulberry32): the same seed gives the same inputs on every run. */
export function seeded(seed: number) {
  const next = seededRandom(seed);
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(xs: readonly T[]): T => xs[int(xs.length)],
    chance: (p: number) => next() < p,
  };
}
export type Rng = ReturnType<typeof seeded>;

/** Text with multi-byte characters (2-, 3- and 4-byte UTF-8), so byte splits land inside characters. */
export function unicodeText(rng: Rng, words: number): string {
  const pieces = ['héllo', 'wörld', '日本語', 'テキスト', '🙂', '👩‍💻', 'naïve', 'Ωmega', 'x', 'tab\there', 'quote"d', 'back\\slash', 'line\nbreak', 'ok'];
  return Array.from({ length: words }, () => rng.pick(pieces)).join(' ');
}

/** Values of every JSON type, including the wrong ones for any field. */
export function wrongValue(rng: Rng, depth = 0): unknown {
  const kinds = depth > 2 ? 6 : 8;
  switch (rng.int(kinds)) {
    case 0:
      return null;
    case 1:
      return rng.pick([0, -1, 1.5, 1e308, -0, 42]);
    case 2:
      return rng.pick(['', 'x', '[DONE]', '{"a":1}', '\u0000', 'é'.repeat(50)]);
    case 3:
      return rng.chance(0.5);
    case 4:
      return [];
    case 5:
      return {};
    case 6:
      return Array.from({ length: rng.int(3) }, () => wrongValue(rng, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: rng.int(3) }, (_, i) => [`k${i}`, wrongValue(rng, depth + 1)]));
  }
}

/** Replaces the value at one random path of a JSON value with a value of another type. */
export function mutateJson(rng: Rng, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || rng.chance(0.2)) return wrongValue(rng);
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0) return wrongValue(rng);
  const key = rng.pick(keys);
  const target = copy as Record<string, unknown>;
  if (rng.chance(0.15)) delete target[key];
  else target[key] = mutateJson(rng, target[key]);
  return copy;
}

/** JSON nested `depth` levels deep, as an array or under a field the adapters read. */
export function deeplyNested(depth: number, field?: string): string {
  const inner = `${'['.repeat(depth)}${']'.repeat(depth)}`;
  return field ? `{"${field}":${inner}}` : inner;
}

/** Byte-level mutations of an encoded input: truncation, flips, invalid UTF-8, duplication. */
export function mutateBytes(rng: Rng, bytes: Uint8Array): Uint8Array {
  const b = Buffer.from(bytes);
  switch (rng.int(6)) {
    case 0:
      return b.subarray(0, rng.int(b.length + 1));
    case 1: {
      const i = rng.int(Math.max(1, b.length));
      if (b.length > 0) b[i] = rng.int(256);
      return b;
    }
    case 2: {
      // Lone continuation bytes, an overlong encoding, a surrogate, and a truncated 4-byte sequence.
      const bad = rng.pick([[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf0, 0x9f, 0x99], [0xff, 0xfe]]);
      const at = rng.int(b.length + 1);
      return Buffer.concat([b.subarray(0, at), Buffer.from(bad), b.subarray(at)]);
    }
    case 3: {
      const at = rng.int(b.length + 1);
      return Buffer.concat([b.subarray(0, at), b.subarray(at), b.subarray(rng.int(b.length + 1))]);
    }
    case 4: {
      const at = rng.int(b.length + 1);
      return Buffer.concat([b.subarray(0, at), Buffer.from(rng.pick(['\n', '\r', '\r\n', '\n\n', ':', 'data:', 'event: x\n'])), b.subarray(at)]);
    }
    default:
      return Buffer.from(Array.from({ length: rng.int(64) }, () => rng.int(256)));
  }
}

/** Splits bytes into pieces at random points (possibly inside a UTF-8 character). */
export function randomPieces(rng: Rng, bytes: Uint8Array, maxPieces: number): Uint8Array[] {
  const cuts = new Set<number>();
  const n = rng.int(maxPieces);
  for (let i = 0; i < n; i++) cuts.add(rng.int(bytes.length + 1));
  const sorted = [...cuts].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const c of sorted) {
    out.push(bytes.subarray(from, c));
    from = c;
  }
  out.push(bytes.subarray(from));
  return out;
}

const EVENT_TYPES = new Set(['text', 'usage', 'finish', 'end', 'model', 'tool_call', 'tool_call_delta', 'tool_call_end', 'reasoning']);
const FINISH = new Set(['stop', 'length', 'content_filter', 'tool_calls', 'other']);

/** Asserts a thrown value is a classified ProviderError naming the provider. */
export function assertClassified(err: unknown, provider: string, what: string): void {
  if (!(err instanceof ProviderError)) {
    assert.fail(`${what}: threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)} instead of a ProviderError`);
  }
  assert.ok(err.errorClass in ERROR_CLASSES, `${what}: unknown error class ${err.errorClass}`);
  assert.equal(err.provider, provider, `${what}: error names provider '${err.provider}'`);
}

/** Asserts an adapter's stream events are well-formed. */
export function assertEvents(events: unknown, what: string): asserts events is StreamEvent[] {
  assert.ok(Array.isArray(events), `${what}: parseStreamEvent returned ${typeof events}`);
  for (const e of events as StreamEvent[]) {
    assert.ok(EVENT_TYPES.has(e.type), `${what}: event type ${String(e.type)}`);
    if (e.type === 'text') assert.equal(typeof e.text, 'string', `${what}: text event without a string`);
    if (e.type === 'finish') assert.ok(FINISH.has(e.reason), `${what}: finish reason ${String(e.reason)}`);
    if (e.type === 'model') assert.equal(typeof e.model, 'string', `${what}: model event without a string`);
    if (e.type === 'tool_call_delta' || e.type === 'tool_call_end') assert.ok(Number.isInteger(e.index) && e.index >= 0, `${what}: tool call index ${String(e.index)}`);
    if (e.type === 'tool_call_delta') for (const v of [e.id, e.name, e.arguments]) assert.ok(v === undefined || typeof v === 'string', `${what}: tool call piece ${String(v)}`);
    if (e.type === 'tool_call') assert.ok(typeof e.call.name === 'string' && typeof e.call.arguments === 'object' && e.call.arguments !== null, `${what}: tool call without name or arguments object`);
    if (e.type === 'usage') {
      for (const v of Object.values(e.usage)) assert.ok(typeof v === 'number' && Number.isFinite(v), `${what}: usage value ${String(v)}`);
    }
  }
}

/** Runs `body` at least `min` times, then on up to `max` times while under `budgetMs`; returns how many ran. */
export function forBudget(min: number, max: number, budgetMs: number, body: (i: number) => void): number {
  const end = performance.now() + budgetMs;
  let i = 0;
  for (; i < max && (i < min || performance.now() < end); i++) body(i);
  return i;
}
