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

describe('cacheKey: full chat (tools, tool choice, images, structured output, reasoning)', () => {
  const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
  function chat(): CacheKeyInput {
    return {
      providerKind: 'anthropic',
      model: 'claude-sonnet-4-5',
      baseUrl: 'https://api.anthropic.com',
      request: {
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'What is in it?' }, { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: PNG } }] },
          { role: 'assistant', content: [{ type: 'reasoning', text: 'A pixel.', signature: 'sig-1', provider: 'anthropic' }, { type: 'tool_call', id: 'toolu_1', name: 'zoom', arguments: { factor: 2 } }] },
          { role: 'tool', content: [{ type: 'tool_result', callId: 'toolu_1', content: 'zoomed' }] },
        ],
        tools: [{ name: 'zoom', description: 'Zoom in', parameters: { type: 'object', properties: { factor: { type: 'number' } } } }],
        toolChoice: 'auto',
        responseFormat: { type: 'json_schema', name: 'answer', schema: { type: 'object', properties: { what: { type: 'string' } } } },
        providerOptions: { thinking: { type: 'enabled', budget_tokens: 1024 } },
      },
    };
  }
  const image = (i: CacheKeyInput) => (i.request.messages[0].content as { source: { data: string; mediaType: string } }[])[1].source;
  const reasoningPart = (i: CacheKeyInput) => (i.request.messages[1].content as { text: string; signature?: string }[])[0];

  const fullChatVariations: Variation[] = [
    ['a tool is added', (i) => i.request.tools?.push({ name: 'crop', parameters: { type: 'object' } })],
    ['a tool description differs', (i) => (i.request.tools![0].description = 'Zoom out')],
    ['a tool parameter schema differs', (i) => (i.request.tools![0].parameters = { type: 'object', properties: { factor: { type: 'integer' } } })],
    ['the tools are absent', (i) => delete i.request.tools],
    ['the tool choice is required', (i) => (i.request.toolChoice = 'required')],
    ['the tool choice names a tool', (i) => (i.request.toolChoice = { name: 'zoom' })],
    ['the tool choice is none', (i) => (i.request.toolChoice = 'none')],
    ['the tool choice is absent', (i) => delete i.request.toolChoice],
    ['the image data differs', (i) => (image(i).data = PNG.replace('AAAA', 'AAAB'))],
    ['the image media type differs', (i) => (image(i).mediaType = 'image/webp')],
    ['the image is a URL instead', (i) => ((i.request.messages[0].content as unknown[])[1] = { type: 'image', source: { kind: 'url', url: 'https://example.com/a.png' } })],
    ['a tool call argument differs', (i) => ((i.request.messages[1].content as { arguments?: unknown }[])[1].arguments = { factor: 3 })],
    ['a tool result differs', (i) => ((i.request.messages[2].content as { content: string }[])[0].content = 'cropped')],
    ['the schema differs', (i) => (i.request.responseFormat!.schema = { type: 'object', properties: { what: { type: 'number' } } })],
    ['the schema is strict', (i) => (i.request.responseFormat!.strict = true)],
    ['the schema allows text instead', (i) => (i.request.responseFormat!.fallbackToText = true)],
    ['there is no structured output', (i) => delete i.request.responseFormat],
    ['the thinking budget differs', (i) => (i.request.providerOptions = { thinking: { type: 'enabled', budget_tokens: 4096 } })],
    ['thinking is off', (i) => delete i.request.providerOptions],
    ['the reasoning effort is set instead', (i) => (i.request.providerOptions = { reasoning_effort: 'high' })],
    ['the reasoning text in the history differs', (i) => (reasoningPart(i).text = 'Two pixels.')],
    ['the reasoning signature differs', (i) => (reasoningPart(i).signature = 'sig-2')],
  ];

  for (const [name, change] of fullChatVariations) {
    it(`gives a different key when ${name}`, () => {
      const changed = chat();
      change(changed);
      assert.notEqual(cacheKey(changed), cacheKey(chat()));
    });
  }

  it('gives every full-chat variation a distinct key', () => {
    const keys = fullChatVariations.map(([, change]) => {
      const input = chat();
      change(input);
      return cacheKey(input);
    });
    assert.equal(new Set([...keys, cacheKey(chat())]).size, fullChatVariations.length + 1);
  });

  it('keys an image by the sha256 of its data: equal bytes in a new object give the same key', () => {
    const copy = chat();
    image(copy).data = `${PNG}`.slice(0);
    copy.request.messages[0] = structuredClone(copy.request.messages[0]);
    assert.equal(cacheKey(copy), cacheKey(chat()));
  });
});
