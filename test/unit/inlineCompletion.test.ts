import { strict as assert } from 'node:assert';
import { buildInlineRequest, cleanInlineCompletion, CURSOR_MARKER, inlineWindow } from '../../src/engine/tasks/inlineCompletion';

describe('inlineWindow', () => {
  it('returns everything around the cursor in a small file', () => {
    assert.deepEqual(inlineWindow('const a = 1;\nconst b', 20), { prefix: 'const a = 1;\nconst b', suffix: '' });
    assert.deepEqual(inlineWindow('foo(bar)', 4), { prefix: 'foo(', suffix: 'bar)' });
  });

  it('bounds the prefix to about 2,000 and the suffix to about 500 characters, cut at line boundaries', () => {
    const line = 'x'.repeat(99);
    const text = Array.from({ length: 100 }, () => line).join('\n');
    const offset = 50 * 100;
    const { prefix, suffix } = inlineWindow(text, offset);
    assert.ok(prefix.length <= 2_000 && prefix.length > 1_800, `prefix length ${prefix.length}`);
    assert.ok(suffix.length <= 500 && suffix.length > 300, `suffix length ${suffix.length}`);
    assert.equal(text[offset - prefix.length - 1], '\n');
    assert.equal(text[offset + suffix.length], '\n');
  });
});

describe('buildInlineRequest', () => {
  it('marks the cursor between prefix and suffix and asks for a short, deterministic answer', () => {
    const req = buildInlineRequest({ fileName: 'src/a.ts', languageId: 'typescript', prefix: 'const total = ', suffix: ';\n' });
    assert.equal(req.purpose, 'inline');
    assert.equal(req.temperature, 0);
    assert.ok(req.maxTokens !== undefined && req.maxTokens <= 256);
    assert.equal(req.stream, undefined);
    assert.equal(req.messages[0].content, `File: src/a.ts (typescript)\n\nconst total = ${CURSOR_MARKER};\n`);
    assert.match(req.system ?? '', /only the text to insert at the cursor/);
  });

  it('builds the identical request for the identical context, so the cache can answer it', () => {
    const input = { fileName: 'a.py', languageId: 'python', prefix: 'def f(', suffix: '):' };
    assert.deepEqual(buildInlineRequest(input), buildInlineRequest({ ...input }));
  });
});

describe('cleanInlineCompletion', () => {
  it('keeps a plain completion, including its leading space and newlines inside it', () => {
    assert.equal(cleanInlineCompletion(' a + b;', 'return', ''), ' a + b;');
    assert.equal(cleanInlineCompletion('\n  return 1;\n}\n', 'function f() {', ''), '\n  return 1;\n}');
  });

  it('removes code fences and an echoed cursor marker', () => {
    assert.equal(cleanInlineCompletion('```ts\na + b;\n```', 'return ', ''), 'a + b;');
    assert.equal(cleanInlineCompletion(`${CURSOR_MARKER}a + b`, 'return ', ''), 'a + b');
  });

  it('removes a repeat of what is already typed on the current line', () => {
    assert.equal(cleanInlineCompletion('  const total = items.length;', 'x\n  const total =', ''), ' items.length;');
    assert.equal(cleanInlineCompletion('const total = items.length;', 'x\n  const total =', ''), ' items.length;');
  });

  it('removes a repeat of the rest of the line after the cursor, but keeps closers the completion needs', () => {
    assert.equal(cleanInlineCompletion('a, b)', 'foo(', ')\nnext'), 'a, b');
    assert.equal(cleanInlineCompletion('bar()', 'foo(', ')'), 'bar()');
    assert.equal(cleanInlineCompletion('x + 1;', 'y = ', ';'), 'x + 1');
  });

  it('returns an empty string when nothing is left', () => {
    assert.equal(cleanInlineCompletion('   \n', 'a', ''), '');
    assert.equal(cleanInlineCompletion('const a', 'const a', ''), '');
  });
});
