import assert from 'node:assert/strict';
import { buildAnalyzeRequest, FINDINGS_SCHEMA, parseFindings } from '../../src/engine/tasks/analyzeFile';
import { startHarness, type Harness } from '../support/engineHarness';

const FILE = ['function f(a) {', '  return a.b.c;', '}', ''].join('\n');
const LINES = FILE.split('\n').length;
const FINDINGS = { findings: [{ line: 2, severity: 'warning', message: 'a.b may be undefined.' }] };
const EXPECTED = [{ line: 2, severity: 'warning', message: 'a.b may be undefined.' }];

describe('Analyze File: structured output where the provider has it, text parsing where not', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const start = (providers: Parameters<typeof startHarness>[0]) => startHarness(providers, { cache: { enabled: false }, retry: { maxAttempts: 1 } });
  const analyze = (only: string) => h!.engine.chat(buildAnalyzeRequest('src/f.js', FILE, 'javascript'), { onlyProviders: [only] });
  const wire = (id: string) => h!.emulators[id].requests[0].body as Record<string, unknown>;

  it('asks an OpenAI-compatible provider for the findings schema (response_format json_schema) and reads the JSON it returns', async () => {
    h = await start([{ id: 'gpt' }]);
    h.emulators.gpt.enqueue({ type: 'ok', reply: JSON.stringify(FINDINGS) });
    const res = await analyze('gpt');
    assert.deepEqual(wire('gpt').response_format, { type: 'json_schema', json_schema: { name: 'findings', schema: FINDINGS_SCHEMA } });
    assert.deepEqual(parseFindings(res.text, LINES), EXPECTED);
  });

  it('asks a current Claude model through output_config.format, every object closed', async () => {
    h = await start([{ id: 'claude', kind: 'anthropic', extra: { model: 'claude-sonnet-4-5' } }]);
    h.emulators.claude.enqueue({ type: 'ok', reply: JSON.stringify(FINDINGS) });
    const res = await analyze('claude');
    const sent = (wire('claude').output_config as { format: { schema: { additionalProperties: unknown; properties: { findings: { items: { additionalProperties: unknown } } } } } }).format.schema;
    assert.equal(sent.additionalProperties, false);
    assert.equal(sent.properties.findings.items.additionalProperties, false);
    assert.deepEqual(parseFindings(res.text, LINES), EXPECTED);
  });

  it('sends a provider without structured output the same prompt without a schema, and parses its prose-wrapped answer as before', async () => {
    h = await start([
      { id: 'plain', extra: { capabilities: { structuredOutput: false } } },
      { id: 'old-claude', kind: 'anthropic', extra: { model: 'claude-3-5-haiku-20241022' } },
    ]);
    const prose = `Here is what I found:\n\`\`\`json\n${JSON.stringify(FINDINGS)}\n\`\`\`\nHope this helps.`;
    for (const id of ['plain', 'old-claude']) {
      h.emulators[id].enqueue({ type: 'ok', reply: prose });
      const res = await analyze(id);
      assert.equal(res.provider, id, 'not skipped: structured output is a preference for Analyze File');
      assert.equal(res.attempts.some((a) => a.outcome === 'skipped'), false);
      assert.equal('response_format' in wire(id) || 'output_config' in wire(id), false, `${id} is sent no schema`);
      assert.match(String(wire(id).system ?? (wire(id).messages as { content: string }[])[0].content), /Answer with JSON only/);
      assert.deepEqual(parseFindings(res.text, LINES), EXPECTED);
    }
  });

  it('falls back from a provider without structured output to one with it, each sent what it can take', async () => {
    h = await start([{ id: 'plain', extra: { capabilities: { structuredOutput: false } } }, { id: 'gpt' }]);
    h.emulators.plain.enqueue({ type: 'status', status: 503 });
    h.emulators.gpt.enqueue({ type: 'ok', reply: JSON.stringify(FINDINGS) });
    const res = await h.engine.chat(buildAnalyzeRequest('src/f.js', FILE, 'javascript'));
    assert.equal(res.provider, 'gpt');
    assert.equal('response_format' in wire('plain'), false);
    assert.ok(wire('gpt').response_format);
    assert.deepEqual(parseFindings(res.text, LINES), EXPECTED);
  });

  it('asks a model that refuses the schema (400) once more without it, and parses the text', async () => {
    h = await start([{ id: 'groq-like' }]);
    h.emulators['groq-like'].enqueue({ type: 'status', status: 400, message: "response_format 'json_schema' is not supported with this model" }, { type: 'ok', reply: JSON.stringify(FINDINGS) });
    const res = await analyze('groq-like');
    const [first, second] = h.emulators['groq-like'].requests.map((r) => r.body as Record<string, unknown>);
    assert.ok(first.response_format);
    assert.equal('response_format' in second, false);
    assert.deepEqual(res.attempts.map((a) => [a.outcome, a.errorClass]), [['error', 'bad_request'], ['ok', undefined]]);
    assert.deepEqual(parseFindings(res.text, LINES), EXPECTED);
  });

  it('does not ask again without the schema when the request requires structured output', async () => {
    h = await start([{ id: 'gpt' }, { id: 'backup' }]);
    h.emulators.gpt.enqueue({ type: 'status', status: 400 });
    h.emulators.backup.enqueue({ type: 'ok', reply: JSON.stringify(FINDINGS) });
    const required = buildAnalyzeRequest('src/f.js', FILE, 'javascript');
    required.responseFormat = { ...required.responseFormat!, fallbackToText: undefined };
    const res = await h.engine.chat(required);
    assert.equal(h.emulators.gpt.requests.length, 1);
    assert.equal(res.provider, 'backup');
    assert.ok((h.emulators.backup.requests[0].body as Record<string, unknown>).response_format);
  });

  it('still skips a provider without structured output when the request requires it', async () => {
    h = await start([{ id: 'plain', extra: { capabilities: { structuredOutput: false } } }, { id: 'gpt' }]);
    const required = buildAnalyzeRequest('src/f.js', FILE, 'javascript');
    required.responseFormat = { ...required.responseFormat!, fallbackToText: undefined };
    h.emulators.gpt.enqueue({ type: 'ok', reply: JSON.stringify(FINDINGS) });
    const res = await h.engine.chat(required);
    assert.deepEqual([res.attempts[0].provider, res.attempts[0].errorClass], ['plain', 'no_structured_output']);
    assert.equal(h.emulators.plain.requests.length, 0);
  });
});
