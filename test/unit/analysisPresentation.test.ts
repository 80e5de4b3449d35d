import { strict as assert } from 'node:assert';
import { analysisReport } from '../../src/engine/tasks/analysisReport';
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
  const base = { fileName: 'src/a.ts', provider: 'claude', model: 'claude-sonnet-4-5', findings, lineLink: (n: number) => `file:///w/src/a.ts#L${n}` };

  it('names the file, provider, model and cost, counts findings by severity, and links every line', () => {
    const md = analysisReport({ ...base, cached: false, costUsd: 0.00125 });
    assert.match(md, /^# Analysis of src\/a\.ts\n/);
    assert.match(md, /\nclaude \(claude-sonnet-4-5\) · cost \$0\.001250\n/);
    assert.match(md, /3 findings: 1 error, 1 warning, 1 info\./);
    assert.match(md, /- \*\*error\*\* \[line 3\]\(file:\/\/\/w\/src\/a\.ts#L3\): Null dereference\./);
    assert.match(md, /- \*\*warning\*\* \[lines 7–9\]\(file:\/\/\/w\/src\/a\.ts#L7\): Swallowed error &lt;here>\./);
  });

  it('says when the answer came from the cache or its price is unknown, and when there is nothing to report', () => {
    assert.match(analysisReport({ ...base, cached: true, costUsd: 0 }), /served from cache, no cost/);
    assert.match(analysisReport({ ...base, cached: false, costUsd: null }), /cost unknown/);
    assert.match(analysisReport({ ...base, findings: [], cached: false, costUsd: 0 }), /\nNo findings\.\n/);
  });
});
