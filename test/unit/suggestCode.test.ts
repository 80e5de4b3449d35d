import { strict as assert } from 'node:assert';
import { buildSuggestRequest, extractSuggestion, fitSuggestion, smallestEnclosing, suggestionCacheTag, type Span } from '../../src/engine/tasks/suggestCode';

const FILE = ['import { x } from "y";', '', 'function add(a, b) {', '  return a + b', '}', '', 'export const z = add(1, 2);', ''].join('\n');

function spanOf(text: string, code: string): { start: number; end: number } {
  const start = text.indexOf(code);
  assert.notEqual(start, -1);
  return { start, end: start + code.length };
}

describe('buildSuggestRequest', () => {
  it('asks for exactly the target code with its language, line numbers and surrounding context, at a low temperature', () => {
    const target = 'function add(a, b) {\n  return a + b\n}';
    const req = buildSuggestRequest({ fileName: 'src/math.js', languageId: 'javascript', text: FILE, ...spanOf(FILE, target) });
    assert.equal(req.purpose, 'suggest');
    assert.ok(req.temperature !== undefined && req.temperature <= 0.3);
    assert.match(req.system ?? '', /one fenced code block/);
    const prompt = req.messages[0].content;
    assert.match(prompt, /File: src\/math\.js \(javascript\), lines 3-5\./);
    assert.ok(prompt.includes(`Code to improve:\n\`\`\`javascript\n${target}\n\`\`\``));
    assert.match(prompt, /Context before the code[^\n]*\n```javascript\nimport \{ x \} from "y";/);
    assert.match(prompt, /Context after the code[^\n]*\n```javascript\n\n\nexport const z = add\(1, 2\);/);
  });

  it('leaves out empty context and numbers a single line as one line', () => {
    const text = 'x = 1\n';
    const req = buildSuggestRequest({ fileName: 'a.py', languageId: 'python', text, start: 0, end: text.length });
    const prompt = req.messages[0].content;
    assert.match(prompt, /lines 1-1\./);
    assert.doesNotMatch(prompt, /Context/);
  });

  it('fences code that itself contains a fence with a longer fence', () => {
    const text = 'const doc = `\n```js\nx\n```\n`;';
    const req = buildSuggestRequest({ fileName: 'a.ts', languageId: 'typescript', text, start: 0, end: text.length });
    assert.ok(req.messages[0].content.includes('````typescript\n'));
  });

  it('keeps far-away context out, cut at a line boundary', () => {
    const before = Array.from({ length: 400 }, (_, i) => `const v${i} = ${i};`).join('\n');
    const text = `${before}\nfunction f() {}\n`;
    const req = buildSuggestRequest({ fileName: 'a.ts', languageId: 'typescript', text, ...spanOf(text, 'function f() {}') });
    const prompt = req.messages[0].content;
    assert.doesNotMatch(prompt, /const v0 = 0;/);
    assert.match(prompt, /```typescript\nconst v\d+ = \d+;\n/);
    assert.match(prompt, /const v399 = 399;/);
  });

  it('refuses blank code, a range outside the text, and code too large for one request', () => {
    assert.throws(() => buildSuggestRequest({ fileName: 'a', languageId: 'plaintext', text: 'a\n   \nb', start: 2, end: 5 }), /no code to improve/);
    assert.throws(() => buildSuggestRequest({ fileName: 'a', languageId: 'plaintext', text: 'abc', start: 1, end: 9 }), RangeError);
    const big = 'x'.repeat(40_000);
    assert.throws(() => buildSuggestRequest({ fileName: 'a', languageId: 'plaintext', text: big, start: 0, end: big.length }), /too large/);
  });
});

describe('buildSuggestRequest for a finding (the quick fix)', () => {
  const target = '  return a + b';
  const fix = () => buildSuggestRequest({ fileName: 'src/math.js', languageId: 'javascript', text: FILE, ...spanOf(FILE, target), problem: 'Missing semicolon;\n  ASI may  bite.' });

  it('names the problem on one line, asks to fix only that, and marks the code as the code to fix', () => {
    const req = fix();
    assert.equal(req.purpose, 'fix');
    assert.match(req.system ?? '', /fix the problem described under "Problem", keep everything else as it is/);
    const prompt = req.messages[0].content;
    assert.match(prompt, /File: src\/math\.js \(javascript\), lines 4-4\.\n\nProblem \(reported at these lines\): Missing semicolon; ASI may bite\.\n\n/);
    assert.ok(prompt.includes(`Code to fix:\n\`\`\`javascript\n${target}\n\`\`\``));
    assert.doesNotMatch(prompt, /Code to improve/);
  });

  it('sends the surrounding code as context, as Suggest Code does', () => {
    const prompt = fix().messages[0].content;
    assert.match(prompt, /Context before the code[^\n]*\n```javascript\nimport \{ x \} from "y";\n\nfunction add\(a, b\) \{\n```/);
    assert.match(prompt, /Context after the code[^\n]*\n```javascript\n\n\}/);
  });
});

describe('suggestionCacheTag', () => {
  const req = buildSuggestRequest({ fileName: 'a.py', languageId: 'python', text: 'x = 1\n', start: 0, end: 6 });

  it('is the same for the same request, streamed or not, and differs for any other request', () => {
    assert.equal(suggestionCacheTag(req), suggestionCacheTag({ ...req, stream: true }));
    assert.match(suggestionCacheTag(req), /^suggestion:[0-9a-f]{64}$/);
    assert.notEqual(suggestionCacheTag(req), suggestionCacheTag({ ...req, messages: [{ role: 'user', content: 'other' }] }));
    assert.notEqual(suggestionCacheTag(req), suggestionCacheTag({ ...req, temperature: 0.9 }));
  });
});

describe('extractSuggestion', () => {
  it('takes the code out of a fenced block with prose around it, keeping its indentation', () => {
    const answer = 'Here is a better version:\n\n```ts\n  if (a) {\n    b();\n  }\n```\n\nThis avoids a bug.';
    assert.equal(extractSuggestion(answer), '  if (a) {\n    b();\n  }');
  });

  it('takes the first block when there are several, and accepts tilde fences and CRLF answers', () => {
    assert.equal(extractSuggestion('```\none\n```\n```\ntwo\n```'), 'one');
    assert.equal(extractSuggestion('~~~python\r\ndef f():\r\n    pass\r\n~~~'), 'def f():\n    pass');
  });

  it('keeps a shorter inner fence as code when the block is opened with a longer one', () => {
    assert.equal(extractSuggestion('````md\n```js\nx\n```\n````'), '```js\nx\n```');
  });

  it('takes everything after an opening fence that is never closed', () => {
    assert.equal(extractSuggestion('```js\nconst a = 1;\nconst b = 2;'), 'const a = 1;\nconst b = 2;');
  });

  it('returns the whole answer without surrounding blank lines when there is no fence', () => {
    assert.equal(extractSuggestion('\n\n    return a + b;\n\n'), '    return a + b;');
  });
});

describe('fitSuggestion', () => {
  it("matches the original's trailing newline, present or absent", () => {
    assert.equal(fitSuggestion('a();\n', 'b();'), 'b();\n');
    assert.equal(fitSuggestion('a();', 'b();\n\n'), 'b();');
  });

  it("uses the original's CRLF line endings", () => {
    assert.equal(fitSuggestion('a();\r\nb();\r\n', 'c();\nd();'), 'c();\r\nd();\r\n');
  });

  it('re-indents a suggestion the model returned dedented', () => {
    assert.equal(fitSuggestion('    if (a) {\n      b();\n    }\n', 'if (a) {\n  c();\n}'), '    if (a) {\n      c();\n    }\n');
  });

  it('leaves an already indented suggestion alone', () => {
    assert.equal(fitSuggestion('    x();', '    y();'), '    y();');
  });

  it('fits a span that starts after indentation, whether the model kept the span shape or dedented it all', () => {
    const original = 'if (a) {\n    b();\n  }';
    assert.equal(fitSuggestion(original, 'if (a) {\n    c();\n  }', '  '), 'if (a) {\n    c();\n  }');
    assert.equal(fitSuggestion(original, 'if (a) {\n  c();\n}', '  '), 'if (a) {\n    c();\n  }');
    assert.equal(fitSuggestion('x();', 'y();', '  '), 'y();');
  });

  it('returns an empty string for an answer with no code', () => {
    assert.equal(fitSuggestion('a();\n', '\n  \n'), '');
  });
});

describe('smallestEnclosing', () => {
  const span = (name: string, sl: number, sc: number, el: number, ec: number) => ({ name, start: { line: sl, character: sc }, end: { line: el, character: ec } }) satisfies Span & { name: string };
  const spans = [span('Class.method', 2, 2, 10, 3), span('outer', 0, 0, 20, 1), span('inner', 4, 4, 6, 5)];

  it('picks the innermost span that contains the position', () => {
    assert.equal(smallestEnclosing(spans, { line: 5, character: 0 })?.name, 'inner');
    assert.equal(smallestEnclosing(spans, { line: 8, character: 0 })?.name, 'Class.method');
    assert.equal(smallestEnclosing(spans, { line: 15, character: 0 })?.name, 'outer');
  });

  it('counts both ends as inside and returns undefined outside every span', () => {
    assert.equal(smallestEnclosing(spans, { line: 6, character: 5 })?.name, 'inner');
    assert.equal(smallestEnclosing(spans, { line: 4, character: 4 })?.name, 'inner');
    assert.equal(smallestEnclosing(spans, { line: 21, character: 0 }), undefined);
    assert.equal(smallestEnclosing([], { line: 0, character: 0 }), undefined);
  });
});
