// Time-series charts drawn as SVG paths: one <path> per series whose `d` changes on update, so a redraw is a few
// attribute writes and nothing flickers. Hand-drawn instead of a chart library: three chart shapes are needed,
// and this keeps the bundle small and free of inline styles the CSP would block.
import { h, reconcile, s, setAttr, setHidden, setText, type Keyed } from './dom';
import { formatHourMinute } from './format';
import type { ChartData, ChartSeries } from './viewModel';

export type ChartKind = 'line' | 'area' | 'bars';

export interface TimeChartOptions {
  title: string;
  kind: ChartKind;
  yFormat: (v: number) => string;
  emptyText: string;
  height?: number;
}

const MARGIN = { top: 10, right: 10, bottom: 22, left: 52 };
const MINUTE_MS = 60_000;
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720].map((m) => m * MINUTE_MS);

/** A round step (1, 2, 2.5, 5 × 10^n) that splits `max` into about `parts` ticks. */
function niceStep(max: number, parts = 4): number {
  if (!(max > 0)) return 1;
  const raw = max / parts;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const f = raw / pow;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * pow;
}

function colorClass(c: ChartSeries['color']): string {
  return typeof c === 'number' ? `c${c}` : c;
}

export class TimeChart {
  readonly el: HTMLElement;
  private readonly svg: SVGSVGElement;
  private readonly grid: SVGGElement;
  private readonly plot: SVGGElement;
  private readonly legend: HTMLUListElement;
  private readonly empty: HTMLParagraphElement;
  private readonly paths = new Map<string, { fill?: SVGPathElement; line?: SVGPathElement; marks?: SVGPathElement }>();
  private readonly legendItems = new Map<string, Keyed<ChartSeries>>();
  private readonly height: number;
  private width = 0;
  private data?: ChartData;
  private axisKey = '';

  constructor(private readonly opts: TimeChartOptions) {
    this.height = opts.height ?? 170;
    this.grid = s('g', { className: 'grid' });
    this.plot = s('g', { className: 'plot' });
    this.svg = s('svg', { className: `chart chart-${opts.kind}`, role: 'img', height: this.height, 'aria-label': opts.title }, this.grid, this.plot);
    this.empty = h('p', { className: 'chart-empty' }, opts.emptyText);
    this.legend = h('ul', { className: 'legend', 'aria-label': `${opts.title} legend` });
    this.el = h('div', { className: 'chart-frame' }, h('div', { className: 'chart-canvas' }, this.svg, this.empty), this.legend);
    new ResizeObserver(() => this.resize()).observe(this.el);
  }

  update(data: ChartData): void {
    this.data = data;
    this.draw();
  }

  private resize(): void {
    const w = Math.floor(this.el.clientWidth);
    if (w === this.width || w <= 0) return;
    this.width = w;
    setAttr(this.svg, 'width', String(w));
    this.axisKey = '';
    this.draw();
  }

  private draw(): void {
    const data = this.data;
    if (!data) return;
    this.drawLegend(data);
    const hasData = data.series.some((sr) => sr.points.some((p) => p.y !== null && (this.opts.kind !== 'area' || p.y > 0)));
    setHidden(this.empty, hasData);
    if (this.width <= 0) return;
    const plotW = Math.max(10, this.width - MARGIN.left - MARGIN.right);
    const plotH = this.height - MARGIN.top - MARGIN.bottom;
    let max = 0;
    for (const sr of data.series) for (const p of sr.points) if (p.y !== null && p.y > max) max = p.y;
    const step = niceStep(max);
    const top = max > 0 ? Math.ceil(max / step - 1e-9) * step : step * 4;
    const span = Math.max(1, data.to - data.from);
    const x = (t: number) => MARGIN.left + ((t - data.from) / span) * plotW;
    const y = (v: number) => MARGIN.top + plotH - (v / top) * plotH;

    this.drawAxes(data, hasData ? top : 0, step, plotW, plotH, x, y);
    const seen = new Set<string>();
    for (const sr of data.series) {
      seen.add(sr.key);
      const shapes = this.shapesFor(sr);
      if (this.opts.kind === 'bars') setAttr(shapes.fill as SVGPathElement, 'd', barsPath(sr, data.bucketMs ?? MINUTE_MS, x, y));
      if (this.opts.kind === 'area') setAttr(shapes.fill as SVGPathElement, 'd', areaPath(sr, x, y));
      if (shapes.line) setAttr(shapes.line, 'd', linePath(sr, x, y, this.opts.kind === 'line' ? Math.max(2 * MINUTE_MS, span / 48) : Infinity));
      if (shapes.marks) setAttr(shapes.marks, 'd', sr.points.length <= 90 ? marksPath(sr, x, y) : '');
    }
    for (const [key, shapes] of this.paths) {
      if (seen.has(key)) continue;
      for (const p of Object.values(shapes)) p?.remove();
      this.paths.delete(key);
    }
    setAttr(this.svg, 'aria-label', `${this.opts.title}. ${data.series.map((sr) => `${sr.label}: ${sr.latest}`).join(', ')}`);
  }

  private shapesFor(sr: ChartSeries) {
    let shapes = this.paths.get(sr.key);
    if (!shapes) {
      const cls = `series ${colorClass(sr.color)}`;
      shapes = {};
      if (this.opts.kind !== 'line') shapes.fill = this.plot.appendChild(s('path', { className: `${cls} fill` }));
      if (this.opts.kind !== 'bars') shapes.line = this.plot.appendChild(s('path', { className: `${cls} line` }));
      if (this.opts.kind === 'line') shapes.marks = this.plot.appendChild(s('path', { className: `${cls} marks` }));
      this.paths.set(sr.key, shapes);
    }
    return shapes;
  }

  /** Gridlines up to `top`; just the baseline for 0 (an empty chart has no scale worth labelling). */
  private drawAxes(data: ChartData, top: number, step: number, plotW: number, plotH: number, x: (t: number) => number, y: (v: number) => number): void {
    const tStep = TIME_STEPS.find((st) => (data.to - data.from) / st <= Math.max(2, Math.floor(plotW / 80))) ?? TIME_STEPS[TIME_STEPS.length - 1];
    // Labels on local clock boundaries (…:00, :15, :30); the offset only matters for steps of an hour or more.
    const tz = new Date(data.from).getTimezoneOffset() * MINUTE_MS;
    const firstT = Math.ceil((data.from - tz) / tStep) * tStep + tz;
    const key = `${this.width}|${top}|${step}|${firstT}|${tStep}|${data.to - data.from}`;
    if (key === this.axisKey) return;
    this.axisKey = key;
    const nodes: SVGElement[] = [];
    for (let v = 0; v <= top + 1e-9; v += step) {
      const yy = Math.round(y(v)) + 0.5;
      nodes.push(s('line', { className: v === 0 ? 'axis' : 'gridline', x1: MARGIN.left, x2: MARGIN.left + plotW, y1: yy, y2: yy }));
      if (top > 0) nodes.push(s('text', { className: 'tick y', x: MARGIN.left - 6, y: yy + 4, 'text-anchor': 'end' }, this.opts.yFormat(v)));
    }
    for (let t = firstT; t <= data.to; t += tStep) {
      const xx = Math.round(x(t)) + 0.5;
      nodes.push(s('line', { className: 'tickmark', x1: xx, x2: xx, y1: MARGIN.top + plotH, y2: MARGIN.top + plotH + 4 }));
      nodes.push(s('text', { className: 'tick x', x: xx, y: MARGIN.top + plotH + 16, 'text-anchor': 'middle' }, formatHourMinute(t)));
    }
    this.grid.replaceChildren(...nodes);
  }

  private drawLegend(data: ChartData): void {
    reconcile(
      this.legend,
      data.series,
      (sr) => sr.key,
      (sr) => {
        const value = h('span', { className: 'legend-value' });
        const el = h('li', {}, h('span', { className: `swatch ${colorClass(sr.color)}`, 'aria-hidden': 'true' }), h('span', { className: 'legend-label' }, sr.label), value);
        return { el, update: (next) => setText(value, next.latest) };
      },
      this.legendItems,
    );
  }
}

const r1 = (v: number) => Math.round(v * 10) / 10;

/** Breaks the line where a value is missing or two points are further apart than `maxGap`. */
function linePath(sr: ChartSeries, x: (t: number) => number, y: (v: number) => number, maxGap: number): string {
  let d = '';
  let prevT: number | undefined;
  for (const p of sr.points) {
    if (p.y === null) {
      prevT = undefined;
      continue;
    }
    const cmd = prevT === undefined || p.t - prevT > maxGap ? 'M' : 'L';
    d += `${cmd}${r1(x(p.t))} ${r1(y(p.y))}`;
    prevT = p.t;
  }
  return d;
}

function marksPath(sr: ChartSeries, x: (t: number) => number, y: (v: number) => number): string {
  let d = '';
  for (const p of sr.points) {
    if (p.y === null) continue;
    const cx = r1(x(p.t));
    const cy = r1(y(p.y));
    d += `M${cx - 2} ${cy}a2 2 0 1 0 4 0a2 2 0 1 0-4 0`;
  }
  return d;
}

function areaPath(sr: ChartSeries, x: (t: number) => number, y: (v: number) => number): string {
  const pts = sr.points.filter((p) => p.y !== null);
  if (pts.length === 0) return '';
  const topLine = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${r1(x(p.t))} ${r1(y(p.y as number))}`).join('');
  const base = [...pts].reverse().map((p) => `L${r1(x(p.t))} ${r1(y(p.y0 ?? 0))}`).join('');
  return `${topLine}${base}Z`;
}

function barsPath(sr: ChartSeries, bucketMs: number, x: (t: number) => number, y: (v: number) => number): string {
  let d = '';
  for (const p of sr.points) {
    if (p.y === null || p.y <= (p.y0 ?? 0)) continue;
    const x0 = x(p.t);
    const w = Math.max(1, x(p.t + bucketMs) - x0 - Math.min(3, (x(p.t + bucketMs) - x0) * 0.2));
    d += `M${r1(x0)} ${r1(y(p.y0 ?? 0))}V${r1(y(p.y))}H${r1(x0 + w)}V${r1(y(p.y0 ?? 0))}Z`;
  }
  return d;
}
