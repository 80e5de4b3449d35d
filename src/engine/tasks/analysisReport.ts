import type { Finding } from './analyzeFile';

export interface ReportInput {
  fileName: string;
  provider: string;
  model: string;
  cached: boolean;
  costUsd: number | null;
  findings: Finding[];
  /** A link target for a 1-based line of the analysed file. */
  lineLink: (line: number) => string;
}

/** A short Markdown report of one analysis: where the answer came from, what it cost, and every finding. */
export function analysisReport(r: ReportInput): string {
  const cost = r.cached ? 'served from cache, no cost' : r.costUsd === null ? 'cost unknown' : `cost $${r.costUsd.toFixed(6)}`;
  const out = [`# Analysis of ${r.fileName}`, '', `${r.provider} (${r.model}) · ${cost}`, '', summary(r.findings), ''];
  for (const f of r.findings) {
    const where = f.endLine !== undefined ? `lines ${f.line}–${f.endLine}` : `line ${f.line}`;
    out.push(`- **${f.severity}** [${where}](${r.lineLink(f.line)}): ${inline(f.message)}`);
  }
  return `${out.join('\n')}\n`;
}

function summary(findings: Finding[]): string {
  if (findings.length === 0) return 'No findings.';
  const counts = (['error', 'warning', 'info'] as const)
    .map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}${n === 1 || s === 'info' ? '' : 's'}`);
  return `${findings.length} finding${findings.length === 1 ? '' : 's'}: ${counts.join(', ')}.`;
}

/** Keeps a model's message on one list item and stops it from being read as HTML. */
function inline(message: string): string {
  return message.replace(/\s*\r?\n\s*/g, ' ').replace(/</g, '&lt;');
}
