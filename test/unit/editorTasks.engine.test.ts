import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { buildAnalyzeRequest, parseFindings } from '../../src/engine/tasks/analyzeFile';
import { buildInlineRequest, cleanInlineCompletion } from '../../src/engine/tasks/inlineCompletion';
import { buildSuggestRequest, extractSuggestion, fitSuggestion, suggestionCacheTag } from '../../src/engine/tasks/suggestCode';
import { startHarness, type Harness } from '../support/engineHarness';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('editor tasks through the engine and a provider emulator', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness([{ id: 'main', kind: 'anthropic' }]);
  });
  afterEach(() => h.close());

  it('streams a fenced suggestion and extracts code that fits the original span', async () => {
    const text = 'def add(a, b):\n    return a+b\n';
    const req = { ...buildSuggestRequest({ fileName: 'm.py', languageId: 'python', text, start: 0, end: text.length }), stream: true };
    h.emulators.main.enqueue({ type: 'ok', reply: 'Sure:\n```python\ndef add(a: int, b: int) -> int:\n    return a + b\n```\nDone.' });
    const deltas: string[] = [];
    const result = await h.engine.chat(req, { onText: (d) => deltas.push(d) });
    assert.ok(deltas.length > 1, 'the answer arrived in several pieces');
    assert.equal(fitSuggestion(text, extractSuggestion(result.text)), 'def add(a: int, b: int) -> int:\n    return a + b\n');
  });

  it('answers an identical inline completion context from the cache without a second request', async () => {
    const input = { fileName: 'a.ts', languageId: 'typescript', prefix: 'const total = ', suffix: ';\n' };
    h.emulators.main.enqueue({ type: 'ok', reply: 'items.length' });
    const first = await h.engine.chat(buildInlineRequest(input));
    const second = await h.engine.chat(buildInlineRequest(input));
    assert.equal(h.emulators.main.requests.length, 1);
    assert.equal(first.cached, false);
    assert.equal(second.cached, true);
    assert.equal(cleanInlineCompletion(second.text, input.prefix, input.suffix), 'items.length');
  });

  it('serves the analysis of unchanged content from the cache and forgets it once the content changes', async () => {
    const file = '/w/src/a.ts';
    const v1 = 'let a = 1;\nconsole.log(a);\n';
    const answer = '{"findings":[{"line":1,"severity":"info","message":"Use const."}]}';
    h.emulators.main.enqueue({ type: 'ok', reply: answer });
    const analyse = async (content: string) => {
      const tag = await h.engine.invalidateFileCache(file, sha256(content));
      return h.engine.chat(buildAnalyzeRequest('src/a.ts', content, 'typescript'), { cacheTags: [tag] });
    };
    const first = await analyse(v1);
    const again = await analyse(v1);
    assert.equal(again.cached, true);
    assert.deepEqual(parseFindings(again.text, 3), parseFindings(first.text, 3));
    await analyse('const a = 1;\nconsole.log(a);\n');
    const afterEditBack = await analyse(v1);
    assert.equal(afterEditBack.cached, false, 'the answer about the old content was dropped when the file changed');
    assert.equal(h.emulators.main.requests.length, 3);
  });

  it('drops a discarded suggestion from the cache by its tag, and only that one', async () => {
    const suggest = (text: string) => {
      const req = { ...buildSuggestRequest({ fileName: 'm.py', languageId: 'python', text, start: 0, end: text.length }), stream: true };
      return { req, tag: suggestionCacheTag(req) };
    };
    const discarded = suggest('x = 1\n');
    const kept = suggest('y = 2\n');
    h.emulators.main.enqueue({ type: 'ok', reply: '```python\nx = 1  # one\n```' }, { type: 'ok', reply: '```python\ny = 2  # two\n```' });
    await h.engine.chat(discarded.req, { cacheTags: [discarded.tag], onText: () => undefined });
    await h.engine.chat(kept.req, { cacheTags: [kept.tag], onText: () => undefined });

    await h.engine.invalidateCache(discarded.tag);

    h.emulators.main.enqueue({ type: 'ok', reply: '```python\nx = 1  # fresh\n```' });
    const asked = await h.engine.chat(discarded.req, { cacheTags: [discarded.tag], onText: () => undefined });
    const replayed = await h.engine.chat(kept.req, { cacheTags: [kept.tag], onText: () => undefined });
    assert.equal(asked.cached, false, 'the discarded answer is not replayed');
    assert.match(asked.text, /# fresh/);
    assert.equal(replayed.cached, true, 'the other suggestion stays cached');
    assert.equal(h.emulators.main.requests.length, 3);
  });
});
