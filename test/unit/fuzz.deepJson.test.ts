import assert from 'node:assert/strict';
import { ERROR_CLASSES, ProviderError } from '../../src/engine/errors';
import type { FramedEvent, ProviderEndpoint } from '../../src/engine/providers/adapter';
import { adapterFor } from '../../src/engine/providers/registry';
import type { ProviderKind } from '../../src/engine/types';
import { assertClassified, assertEvents } from '../fuzz/fuzzKit';

const KINDS: ProviderKind[] = ['openai', 'openai-compatible', 'anthropic', 'gemini', 'cohere', 'ollama'];
// Deeper than JSON.stringify can recurse (about 10,000 levels here), which JSON.parse still accepts.
const DEEP = 12_000;
const deepArray = `${'['.repeat(DEEP)}${']'.repeat(DEEP)}`;
const deepObject = `${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}`;
/** Fields some adapter reads or prints. */
const FIELDS = ['error', 'message', 'choices', 'candidates', 'content', 'delta', 'usage', 'details', 'type'];

/** The deep value at the top level and under each field, bare and inside the envelopes the adapters unwrap. */
function deepBodies(): string[] {
  const out = [deepArray, deepObject];
  for (const f of FIELDS) {
    out.push(`{"${f}":${deepObject}}`);
    out.push(`{"error":{"${f}":${deepArray}}}`);
    out.push(`{"type":"error","error":{"type":"api_error","${f}":${deepArray}}}`);
    out.push(`{"choices":[{"delta":{"${f}":${deepArray}},"message":{"${f}":${deepArray}}}],"candidates":[{"content":{"parts":[{"${f}":${deepArray}}]}}]}`);
  }
  return out;
}

const ep = (kind: ProviderKind): ProviderEndpoint => ({ id: `deep-${kind}`, kind, baseUrl: 'https://deep.invalid', model: 'm', apiKey: 'sk-deep-key' });

describe('fuzz: JSON nested 12,000 levels deep in every field the adapters read', function () {
  this.timeout(20_000);
  const bodies = deepBodies();

  for (const kind of KINDS) {
    const adapter = adapterFor(kind);

    it(`${kind}: parseCompletion, parseStreamEvent and parseError answer with a result or a classified ProviderError, never a RangeError`, () => {
      for (const [i, text] of bodies.entries()) {
        try {
          const r = adapter.parseCompletion(JSON.parse(text), ep(kind));
          assert.equal(typeof r.text, 'string');
        } catch (err) {
          if (err instanceof assert.AssertionError) throw err;
          assertClassified(err, ep(kind).id, `${kind} completion #${i}`);
        }
        const frames: FramedEvent[] = kind === 'anthropic' ? [{ data: text }, { event: 'error', data: text }] : [{ data: text }];
        for (const frame of frames) {
          try {
            assertEvents(adapter.parseStreamEvent(frame, ep(kind)), `${kind} frame #${i}`);
          } catch (err) {
            if (err instanceof assert.AssertionError) throw err;
            assertClassified(err, ep(kind).id, `${kind} frame #${i}`);
          }
        }
        let returned: unknown;
        assert.doesNotThrow(() => {
          returned = adapter.parseError(500, text, {}, ep(kind));
        }, `${kind} error #${i}`);
        assert.ok(returned instanceof ProviderError && returned.errorClass in ERROR_CLASSES, `${kind} error #${i}`);
      }
    });
  }
});
