export interface Figure {
  section: string;
  name: string;
  measured: number;
  unit: string;
  /** Human-readable target, e.g. "≤ 0.1"; undefined for informational rows. */
  target?: string;
  pass?: boolean;
  /** false when the target text already carries its units. */
  targetUnit?: boolean;
}

export function atMost(section: string, name: string, measured: number, unit: string, limit: number): Figure {
  return { section, name, measured, unit, target: `≤ ${limit}`, pass: measured <= limit };
}

export function atLeast(section: string, name: string, measured: number, unit: string, limit: number): Figure {
  return { section, name, measured, unit, target: `≥ ${limit}`, pass: measured >= limit };
}

export function info(section: string, name: string, measured: number, unit: string): Figure {
  return { section, name, measured, unit };
}

function show(n: number): string {
  if (!Number.isFinite(n) || Number.isInteger(n)) return String(n);
  const a = Math.abs(n);
  const digits = a >= 1000 ? 0 : a >= 100 ? 1 : a >= 1 ? 2 : a >= 0.01 ? 3 : 4;
  return n.toFixed(digits);
}

export function renderTable(figures: Figure[]): string {
  const rows = figures.map((f) => [
    f.section,
    f.name,
    `${show(f.measured)} ${f.unit}`.trim(),
    f.target ? (f.targetUnit === false ? f.target : `${f.target} ${f.unit}`.trim()) : '',
    f.pass === undefined ? '' : f.pass ? 'PASS' : 'MISS',
  ]);
  const head = ['section', 'figure', 'measured', 'target', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
