import { strict as assert } from 'node:assert';
import { type CacheKeyInput, cacheKey, canonicalJson } from '../../src/engine/cache/cacheKey';

function base(): CacheKeyInput {
  return {
    providerKind: 'openai',
    model: 'gpt-4o-mini',
    baseUrl: 'https://api.openai.com/v1',
    request: {
      system: 'You are terse.',
      messages: [
        { role: 'user', content: 'Explain this function.' },
        { role: 'assistant', content: 'It adds numbers.' },
        { role: 'user', content: 'And the edge cases?' },
      ],
      temperature: 0.2,
      topP: 0.9,
      maxTokens: 256,
      stop: ['\n\n'],
      providerOptions: { seed: 7, reasoning: { effort: 'low' } },
    },
    tools: [{ name: 'lookup', parameters: { type: 'object' } }],
  };
}

type Variation = [name: string, change: (input: CacheKeyInput) => void];

const variations: Variation[] = [
  ['the provider kind differs', (i) => (i.providerKind = 'openai-compatible')],
  ['the configured model differs', (i) => (i.model = 'gpt-4o')],
  ['the request overrides the model', (i) => (i.request.model = 'gpt-4.1')],
  ['the baseUrl differs', (i) => (i.baseUrl = 'https://openrouter.ai/api/v1')],
  ['the system prompt differs', (i) => (i.request.system = 'You are verbose.')],
  ['the system prompt is absent', (i) => delete i.request.system],
  ['one message content differs', (i) => (i.request.messages[2].content = 'And the corner cases?')],
  ['one message role differs', (i) => (i.request.messages[1].role = 'user')],
  ['there is an extra message', (i) => i.request.messages.push({ role: 'user', content: 'Thanks' })],
  ['the messages come in another order', (i) => i.request.messages.reverse()],
  ['the temperature differs', (i) => (i.request.temperature = 0.3)],
  ['the temperature is absent instead of set', (i) => delete i.request.temperature],
  ['top_p differs', (i) => (i.request.topP = 1)],
  ['max tokens differs', (i) => (i.request.maxTokens = 512)],
  ['the stop sequences differ', (i) => (i.request.stop = ['\n\n', 'END'])],
  ['the stop sequences are absent', (i) => delete i.request.stop],
  ['a provider option differs', (i) => (i.request.providerOptions = { seed: 8, reasoning: { effort: 'low' } })],
  ['a nested provider option differs', (i) => (i.request.providerOptions = { seed: 7, reasoning: { effort: 'high' } })],
  ['the provider options are absent', (i) => delete i.request.providerOptions],
  ['a tool definition differs', (i) => (i.tools = [{ name: 'lookup', parameters: { type: 'string' } }])],
  ['the tools are absent', (i) => delete i.tools],
];

describe('cacheKey', () => {
  it('is a 64-character lowercase sha256 hex digest', () => {
    assert.match(cacheKey(base()), /^[0-9a-f]{64}$/);
  });

  it('is the same for equal parameters computed twice', () => {
    assert.equal(cacheKey(base()), cacheKey(base()));
  });

  for (const [name, change] of variations) {
    it(`gives a different key when ${name}`, () => {
      const changed = base();
      change(changed);
      assert.notEqual(cacheKey(changed), cacheKey(base()));
    });
  }

  it('gives every variation a distinct key', () => {
    const keys = variations.map(([, change]) => {
      const input = base();
      change(input);
      return cacheKey(input);
    });
    assert.equal(new Set([...keys, cacheKey(base())]).size, variations.length + 1);
  });

  it('distinguishes temperature 0 from an absent temperature', () => {
    const zero = base();
    zero.request.temperature = 0;
    const absent = base();
    delete absent.request.temperature;
    assert.notEqual(cacheKey(zero), cacheKey(absent));
  });

  it('ignores object key order, at every depth', () => {
    const a = base();
    a.request.providerOptions = { a: 1, b: 2, nested: { x: [1, { p: 1, q: 2 }], y: 'z' } };
    const b = base();
    b.request.providerOptions = { nested: { y: 'z', x: [1, { q: 2, p: 1 }] }, b: 2, a: 1 };
    b.request.messages = b.request.messages.map((m) => ({ content: m.content, role: m.role }));
    assert.equal(cacheKey(a), cacheKey(b));
  });

  it('treats a field set to undefined like an absent field', () => {
    const a = base();
    a.request.temperature = undefined;
    a.request.providerOptions = { seed: 7, reasoning: { effort: 'low' }, extra: undefined };
    const b = base();
    delete b.request.temperature;
    assert.equal(cacheKey(a), cacheKey(b));
  });

  it('does not change with stream or purpose, which cannot change the answer', () => {
    const streamed = base();
    streamed.request.stream = true;
    streamed.request.purpose = 'ask';
    const plain = base();
    plain.request.stream = false;
    plain.request.purpose = 'analyze';
    assert.equal(cacheKey(streamed), cacheKey(plain));
    assert.equal(cacheKey(streamed), cacheKey(base()));
  });

  it('treats a request model equal to the configured model like no override', () => {
    const a = base();
    a.request.model = a.model;
    assert.equal(cacheKey(a), cacheKey(base()));
  });

  it('ignores a trailing slash on baseUrl', () => {
    const a = base();
    a.baseUrl += '/';
    assert.equal(cacheKey(a), cacheKey(base()));
  });

  it('hashes request fields it does not know about, so new parameters cannot be silently shared', () => {
    const a = base();
    (a.request as unknown as Record<string, unknown>).responseFormat = { type: 'json_object' };
    assert.notEqual(cacheKey(a), cacheKey(base()));
  });
});

describe('canonicalJson', () => {
  it('sorts keys and drops undefined members', () => {
    assert.equal(canonicalJson({ b: 2, a: 1, c: undefined }), '{"a":1,"b":2}');
  });

  it('keeps array order and writes undefined array items as null', () => {
    assert.equal(canonicalJson([3, undefined, 'x']), '[3,null,"x"]');
  });

  it('keeps null distinct from an absent member', () => {
    assert.notEqual(canonicalJson({ a: null }), canonicalJson({}));
  });

  it('spells non-finite numbers distinctly instead of collapsing them to null', () => {
    assert.notEqual(canonicalJson({ t: Number.NaN }), canonicalJson({ t: null }));
    assert.notEqual(canonicalJson({ t: Infinity }), canonicalJson({ t: -Infinity }));
  });

  it('escapes strings so content cannot forge structure', () => {
    assert.notEqual(canonicalJson({ a: 'x","b":"y' }), canonicalJson({ a: 'x', b: 'y' }));
  });
});
