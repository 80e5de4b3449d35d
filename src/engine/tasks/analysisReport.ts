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

/**
 * The body of a short HTML report of one analysis: where the answer came from, what it cost, and every finding
 * linked to its line. The model's text is escaped once; its `code spans` and fenced blocks are shown literally.
 */
export function analysisReport(r: ReportInput): string {
  const cost = r.cached ? 'served from cache, no cost' : r.costUsd === null ? 'cost unknown' : `cost $${r.costUsd.toFixed(6)}`;
  const out = [`<h1>Analysis of ${escapeHtml(r.fileName)}</h1>`, `<p class="meta">${escapeHtml(`${r.provider} (${r.model}) · ${cost}`)}</p>`, `<p class="summary">${summary(r.findings)}</p>`];
  if (r.findings.length > 0) {
    out.push('<ul class="findings">');
    for (const f of r.findings) {
      const where = f.endLine !== undefined ? `lines ${f.line}–${f.endLine}` : `line ${f.line}`;
      out.push(`<li class="${f.severity}"><span class="severity">${f.severity}</span> <a href="${escapeHtml(r.lineLink(f.line))}">${where}</a>: ${messageHtml(f.message)}</li>`);
    }
    out.push('</ul>');
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

/** A model's message: fenced blocks as preformatted code, `code spans` as code, the rest as text on one line. */
export function messageHtml(message: string): string {
  const parts = message.split(/^[ \t]*```[^\n]*\n([\s\S]*?)^[ \t]*```[ \t]*$/m);
  return parts
    .map((part, i) => (i % 2 === 1 ? `<pre><code>${escapeHtml(part.replace(/\n$/, ''))}</code></pre>` : inlineHtml(part)))
    .filter((html) => html !== '')
    .join(' ');
}

function inlineHtml(text: string): string {
  return text
    .replace(/\s*\r?\n\s*/g, ' ')
    .trim()
    .split(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/)
    .map((piece, i) => (i % 3 === 2 ? `<code>${escapeHtml(piece.trim() === '' ? piece : piece.replace(/^ (.*) $/, '$1'))}</code>` : i % 3 === 1 ? '' : escapeHtml(piece)))
    .join('');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
