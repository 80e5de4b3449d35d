import type { Finding } from './analyzeFile';

/** Zero-based, end-exclusive character positions, as an editor range. */
export interface LineSpan {
  startLine: number;
  startCharacter: number;
  endLine: number;
  endCharacter: number;
}

/**
 * Where to mark a finding: from the first non-blank character of its line to the last non-blank character of
 * its last line, so the squiggle sits under the code and not under indentation. A blank line is marked whole.
 */
export function findingRange(finding: Finding, lineText: (zeroBasedLine: number) => string): LineSpan {
  const startLine = finding.line - 1;
  const endLine = (finding.endLine ?? finding.line) - 1;
  const first = lineText(startLine);
  const last = endLine === startLine ? first : lineText(endLine);
  const leading = first.length - first.trimStart().length;
  const trailingEnd = last.trimEnd().length;
  return { startLine, startCharacter: first.trim() === '' ? 0 : leading, endLine, endCharacter: last.trim() === '' ? last.length : trailingEnd };
}
