import { strict as assert } from 'node:assert';
import { analysisReport, messageHtml } from '../../src/engine/tasks/analysisReport';
import type { Finding } from '../../src/engine/tasks/analyzeFile';
import { findingRange } from '../../src/engine/tasks/findingRange';

const LINES = ['function f() {', '    const x = 1;   ', '', '\treturn x;', '}'];
const at = (i: number) => LINES[i] ?? '';

describe('findingRange', () => {
  it("marks a one-line finding from the line's first to its last non-blank character", () => {
    assert.deepEqual(findingRange({ line: 2, severity: 'warning', message: 'm' }, at), { startLine: 1, startCharacter: 4, endLine: 1, endCharacter: 16 });
    assert.deepEqual(findingRange({ line: 4, severity: 'info', message: 'm' }, at), { startLine: 3, startCharacter: 1, endLine: 3, endCharacter: 10 });
  });

  it('spans from the first line to the end of the last line of a multi-line finding', () => {
    assert.deepEqual(findingRange({ line: 1, endLine: 2, severity: 'error', message: 'm' }, at), { startLine: 0, startCharacter: 0, endLine: 1, endCharacter: 16 });
  });

  it('marks a blank line whole', () => {
    assert.deepEqual(findingRange({ line: 3, severity: 'info', message: 'm' }, at), { startLine: 2, startCharacter: 0, endLine: 2, endCharacter: 0 });
    assert.deepEqual(findingRange({ line: 2, endLine: 3, severity: 'info', message: 'm' }, at), { startLine: 1, startCharacter: 4, endLine: 2, endCharacter: 0 });
  });
});

describe('analysisReport', () => {
  const findings: Finding[] = [
    { line: 3, severity: 'error', message: 'Null dereference.' },
    { line: 7, endLine: 9, severity: 'warning', message: 'Swallowed\nerror <here>.' },
    { line: 12, severity: 'info', message: 'Name is unclear.' },
  ];
  const base = { fileName: 'src/a.ts', provider: 'claude', model: 'claude-sonnet-4-5', findings, lineLink: (n: number) => `command:show?["a.ts",${n}]` };

  it('names the file, provider, model and cost, counts findings by severity, and links every finding to its line', () => {
    const html = analysisReport({ ...base, cached: false, costUsd: 0.00125 });
    assert.match(html, /^<h1>Analysis of src\/a\.ts<\/h1>\n/);
    assert.match(html, /claude \(claude-sonnet-4-5\) · cost \$0\.001250/);
    assert.match(html, /3 findings: 1 error, 1 warning, 1 info\./);
    assert.match(html, /<li class="error"><span class="severity">error<\/span> <a href="command:show\?\[&quot;a\.ts&quot;,3\]">line 3<\/a>: Null dereference\.<\/li>/);
    assert.match(html, /<a href="command:show\?\[&quot;a\.ts&quot;,7\]">lines 7–9<\/a>: Swallowed error &lt;here&gt;\./);
  });

  it('says when the answer came from the cache or its price is unknown, and when there is nothing to report', () => {
    assert.match(analysisReport({ ...base, cached: true, costUsd: 0 }), /served from cache, no cost/);
    assert.match(analysisReport({ ...base, cached: false, costUsd: null }), /cost unknown/);
    assert.match(analysisReport({ ...base, findings: [], cached: false, costUsd: 0 }), /<p class="summary">No findings\.<\/p>/);
  });

  it('escapes the model\'s text exactly once, so <= reads as <= and an entity it wrote stays visible as written', () => {
    assert.equal(messageHtml('i <= n && j > 0'), 'i &lt;= n &amp;&amp; j &gt; 0');
    assert.equal(messageHtml('already &lt;= escaped'), 'already &amp;lt;= escaped');
    assert.equal(messageHtml('<img src=x onerror=alert(1)>'), '&lt;img src=x onerror=alert(1)&gt;');
  });

  it('shows `code spans` and fenced blocks literally, as code', () => {
    assert.equal(messageHtml('Loop uses `i <= values.length`, one too far.'), 'Loop uses <code>i &lt;= values.length</code>, one too far.');
    assert.equal(messageHtml('Use ``a ` b`` here'), 'Use <code>a ` b</code> here');
    assert.equal(messageHtml('Write:\n```ts\nif (a <= b) {\n  **x**;\n}\n```\ninstead.'), 'Write: <pre><code>if (a &lt;= b) {\n  **x**;\n}</code></pre> instead.');
  });

  it('keeps an unmatched backtick as text', () => {
    assert.equal(messageHtml('a ` b'), 'a ` b');
  });
});
