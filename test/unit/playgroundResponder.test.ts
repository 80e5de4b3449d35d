import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseConfig } from '../../src/engine/config/loadConfig';
import { RouterEngine } from '../../src/engine/engine';
import { buildAnalyzeRequest, parseFindings } from '../../src/engine/tasks/analyzeFile';
import { buildInlineRequest, cleanInlineCompletion } from '../../src/engine/tasks/inlineCompletion';
import { buildSuggestRequest, extractSuggestion, fitSuggestion } from '../../src/engine/tasks/suggestCode';
import { PLAYGROUND_KEY_ENV, PLAYGROUND_KEY_VALUE, startPlaygroundFleet, type PlaygroundFleet } from '../emulator/playgroundFleet';

const SAMPLES = path.join(__dirname, '..', '..', 'samples', 'workspace', 'src');
const exampleTs = readFileSync(path.join(SAMPLES, 'example.ts'), 'utf8');
const slugPy = readFileSync(path.join(SAMPLES, 'slug.py'), 'utf8');

/** The 1-based line of the sample that contains `snippet`. */
function lineOf(text: string, snippet: string): number {
  const index = text.split('\n').findIndex((l) => l.includes(snippet));
  assert.ok(index >= 0, `'${snippet}' is in the sample`);
  return index + 1;
}

/** The function starting at `signature`, through its last line, as Suggest Code sends it (whole lines). */
function functionSpan(text: string, signature: string, lastLine: string): { start: number; end: number } {
  const start = text.indexOf(signature);
  const end = text.indexOf(lastLine, start) + lastLine.length;
  return { start, end };
}

describe('playground responder: the simulated providers answer the extension\'s own prompts', () => {
  let fleet: PlaygroundFleet;
  let engines: Record<string, RouterEngine>;

  before(async () => {
    fleet = await startPlaygroundFleet({ chunkDelayMs: 0 });
    // One engine per simulated provider, so each wire format is exercised on its own.
    engines = Object.fromEntries(
      fleet.providers.map((p) => [p.id, new RouterEngine({ config: parseConfig({ providers: [p] }).config, resolveKey: (c) => (c.apiKeyEnv === PLAYGROUND_KEY_ENV ? PLAYGROUND_KEY_VALUE : undefined) })]),
    );
  });
  after(async () => {
    await Promise.all(Object.values(engines ?? {}).map((e) => e.close()));
    await fleet?.close();
  });

  for (const id of ['sim-openai', 'sim-claude', 'sim-ollama']) {
    it(`${id}: streams an improved 'average' that fixes the off-by-one and the empty list`, async () => {
      const { start, end } = functionSpan(exampleTs, 'export function average', '\n}');
      const req = { ...buildSuggestRequest({ fileName: 'src/example.ts', languageId: 'typescript', text: exampleTs, start, end }), stream: true };
      const pieces: string[] = [];
      const result = await engines[id].chat(req, { onText: (d) => pieces.push(d), noCache: true });
      const original = exampleTs.slice(start, end);
      const suggestion = fitSuggestion(original, extractSuggestion(result.text));
      assert.ok(pieces.length > 10, `the answer streamed in many pieces (got ${pieces.length})`);
      assert.notEqual(suggestion, original);
      assert.match(suggestion, /^export function average\(values: number\[\]\): number \{/);
      assert.match(suggestion, /if \(values\.length === 0\) return 0;/);
      assert.doesNotMatch(suggestion, /<=/);
      assert.ok(suggestion.trimEnd().endsWith('}'), 'the replacement is the whole function, no more');
    });
  }

  it('keeps the indentation of a nested function and leaves it unexported', async () => {
    const text = 'class Stats {\n  /** Mean. */\n  average(values: number[]): number {\n    return 0;\n  }\n}\n';
    const code = '  function average(values: number[]): number {\n    let total = 0;\n    for (let i = 0; i <= values.length; i++) total += values[i];\n    return total / values.length;\n  }\n';
    const req = buildSuggestRequest({ fileName: 'src/stats.ts', languageId: 'typescript', text: text + code, start: text.length, end: text.length + code.length });
    const result = await engines['sim-openai'].chat(req, { noCache: true });
    const suggestion = fitSuggestion(code, extractSuggestion(result.text));
    assert.match(suggestion, /^ {2}function average\(/);
    assert.match(suggestion, /\n {4}if \(values\.length === 0\) return 0;\n/);
    assert.ok(!suggestion.includes('export'), 'a function that was not exported stays unexported');
  });

  it('rewrites an unknown function with generic fixes, and leaves good code unchanged', async () => {
    const text = 'function sum(xs: number[]) {\n  var s = 0;\n  for (let i = 0; i <= xs.length; i++) if (xs[i] != null) s += xs[i];\n  return s;\n}\n';
    const ask = async (code: string) => {
      const req = buildSuggestRequest({ fileName: 'src/sum.ts', languageId: 'typescript', text: code, start: 0, end: code.length });
      return fitSuggestion(code, extractSuggestion((await engines['sim-claude'].chat(req, { noCache: true })).text));
    };
    const fixed = await ask(text);
    assert.match(fixed, /let s = 0;/);
    assert.match(fixed, /i < xs\.length/);
    assert.match(fixed, /xs\[i\] !== null/);
    const good = 'function twice(x: number): number {\n  return 2 * x;\n}\n';
    assert.equal(await ask(good), good);
  });

  it('improves slugify so that it lowercases the title first', async () => {
    const { start, end } = functionSpan(slugPy, 'def slugify', 'return "-".join(words)');
    const req = buildSuggestRequest({ fileName: 'src/slug.py', languageId: 'python', text: slugPy, start, end });
    const result = await engines['sim-ollama'].chat(req, { noCache: true });
    const suggestion = fitSuggestion(slugPy.slice(start, end), extractSuggestion(result.text));
    assert.match(suggestion, /re\.findall\(r"\[a-z0-9\]\+", title\.lower\(\)\)/);
    assert.ok(suggestion.startsWith('def slugify(title):\n    """'), 'keeps the signature and the docstring');
  });

  it('finds the real problems of example.ts, on the lines they are on', async () => {
    const result = await engines['sim-claude'].chat(buildAnalyzeRequest('src/example.ts', exampleTs, 'typescript'), { noCache: true });
    const findings = parseFindings(result.text, exampleTs.split('\n').length);
    assert.deepEqual(
      findings.map((f) => [f.line, f.severity]),
      [
        [lineOf(exampleTs, 'i <= values.length'), 'error'],
        [lineOf(exampleTs, 'return total / values.length'), 'warning'],
        [lineOf(exampleTs, "text.split(' ')"), 'warning'],
      ],
    );
    assert.match(findings[0].message, /one past the end/);
  });

  it('finds the real problems of slug.py, and none in code without them', async () => {
    const result = await engines['sim-openai'].chat(buildAnalyzeRequest('src/slug.py', slugPy, 'python'), { noCache: true });
    const findings = parseFindings(result.text, slugPy.split('\n').length);
    assert.deepEqual(
      findings.map((f) => [f.line, f.severity]),
      [
        [lineOf(slugPy, 're.findall'), 'error'],
        [lineOf(slugPy, 'def add_tag'), 'warning'],
      ],
    );
    const fixedTs = exampleTs.replace('i <= values.length', 'i < values.length').replace('let total = 0;', 'if (values.length === 0) return 0;\n  let total = 0;').replace("text.split(' ')", 'text.split(/\\s+/)');
    const clean = await engines['sim-openai'].chat(buildAnalyzeRequest('src/example.ts', fixedTs, 'typescript'), { noCache: true });
    assert.deepEqual(parseFindings(clean.text, fixedTs.split('\n').length), []);
  });

  it("fixes each finding of the samples with its quick fix's request (the finding's whole lines)", async () => {
    const fixOf = async (fileName: string, text: string, languageId: string) => {
      const analysis = await engines['sim-openai'].chat(buildAnalyzeRequest(fileName, text, languageId), { noCache: true });
      const lines = text.split('\n');
      const fixes: string[] = [];
      for (const f of parseFindings(analysis.text, lines.length)) {
        // As the quick fix asks: from the start of the finding's first line to the end of its last.
        const start = lines.slice(0, f.line - 1).join('\n').length + (f.line > 1 ? 1 : 0);
        const end = lines.slice(0, f.endLine ?? f.line).join('\n').length;
        const req = buildSuggestRequest({ fileName, languageId, text, start, end, problem: f.message });
        const result = await engines['sim-claude'].chat(req, { noCache: true });
        const fix = fitSuggestion(text.slice(start, end), extractSuggestion(result.text));
        assert.notEqual(fix, text.slice(start, end), `the finding at line ${f.line} gets a change`);
        assert.doesNotMatch(fix, /simulated provider/, 'code, not the fallback sentence');
        fixes.push(fix);
      }
      return fixes;
    };
    assert.deepEqual(await fixOf('src/example.ts', exampleTs, 'typescript'), [
      '  for (let i = 0; i < values.length; i++) {',
      '  return values.length === 0 ? 0 : total / values.length;',
      "  return text.trim() === '' ? 0 : text.trim().split(/\\s+/).length;",
    ]);
    const [slug, tags] = await fixOf('src/slug.py', slugPy, 'python');
    assert.equal(slug, '    words = re.findall(r"[a-z0-9]+", title.lower())');
    assert.match(tags, /^def add_tag\(tag, tags=None\):\n    """[^\n]*"""\n/, 'the whole function, its docstring still first');
  });

  it('completes a line at the cursor with code that fits the function it is in', async () => {
    const complete = async (prefix: string, suffix: string, languageId = 'typescript') => {
      const result = await engines['sim-ollama'].chat(buildInlineRequest({ fileName: `src/x.${languageId === 'python' ? 'py' : 'ts'}`, languageId, prefix, suffix }), { noCache: true });
      return cleanInlineCompletion(result.text, prefix, suffix);
    };
    assert.equal(await complete('export function total(prices: number[]): number {\n  for (', '\n}\n'), 'const item of prices) {');
    assert.equal(await complete('def shout(words):\n    if ', '\n', 'python'), 'not words:');
    assert.match(await complete(`${exampleTs}\nexport function `, '\n'), /^median\(values: number\[\]\): number \| undefined \{\n/);
    assert.equal(await complete('const x = 1;\nconsole.', '\n'), 'length', 'a property after a dot');
  });

  it('answers the health probe and plain questions', async () => {
    const [probe] = await engines['sim-claude'].health();
    assert.equal(probe.ok, true);
    const plain = await engines['sim-claude'].chat({ messages: [{ role: 'user', content: 'What can you do?' }] }, { noCache: true });
    assert.match(plain.text, /simulated provider of the LLM Router playground/);
  });
});
