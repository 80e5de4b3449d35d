import { TimeChart } from '../charts';
import { h, setAttr } from '../dom';
import { formatCompact, formatMs, formatUsd } from '../format';
import { icon } from '../icons';
import { costChart, latencyChart, trafficChart, type DashboardStore, type Percentile } from '../viewModel';

const PERCENTILES: Percentile[] = ['p50', 'p95', 'p99'];

/** Latency per provider, requests and failures, and spend over the selected window. */
export class ChartsSection {
  readonly el: HTMLElement;
  private readonly latency: TimeChart;
  private readonly traffic: TimeChart;
  private readonly cost: TimeChart;
  private readonly percentileButtons = new Map<Percentile, HTMLButtonElement>();
  private drawnKey = '';

  constructor(onPercentile: (p: Percentile) => void) {
    this.latency = new TimeChart({ title: 'Latency by provider', kind: 'line', yFormat: axisMs, emptyText: 'No successful requests in this window yet.' });
    this.traffic = new TimeChart({ title: 'Requests and failures', kind: 'bars', yFormat: formatCompact, emptyText: 'No requests in this window yet.' });
    this.cost = new TimeChart({ title: 'Spend in this window', kind: 'area', yFormat: axisUsd, emptyText: 'Nothing spent in this window.' });
    const group = h('div', { className: 'segmented small', role: 'group', 'aria-label': 'Latency percentile' });
    for (const p of PERCENTILES) {
      const b = h('button', { type: 'button', 'aria-pressed': 'false' }, p);
      b.addEventListener('click', () => onPercentile(p));
      this.percentileButtons.set(p, b);
      group.append(b);
    }
    const card = (title: string, chart: TimeChart, extra?: HTMLElement) =>
      h('figure', { className: 'card chart-card' }, h('figcaption', { className: 'chart-head' }, h('h3', {}, title), extra ?? false), chart.el);
    this.el = h(
      'section',
      { className: 'charts', 'aria-labelledby': 'charts-title' },
      h('h2', { id: 'charts-title' }, icon('graph'), 'Trends'),
      h('div', { className: 'chart-grid' }, card('Latency by provider', this.latency, group), card('Requests and failures', this.traffic), card('Spend', this.cost)),
    );
  }

  /** Redraws when the data, the percentile or the minute changed; live text-only updates skip it. */
  update(store: DashboardStore, percentile: Percentile, now: number): void {
    for (const [p, b] of this.percentileButtons) setAttr(b, 'aria-pressed', String(p === percentile));
    const key = `${store.historyVersion}|${store.window}|${percentile}|${Math.floor(now / 15_000)}|${store.providers.length}|${store.totals.requests}`;
    if (key === this.drawnKey) return;
    this.drawnKey = key;
    this.latency.update(latencyChart(store, percentile, now));
    this.traffic.update(trafficChart(store, now));
    this.cost.update(costChart(store, now));
  }
}

function axisMs(v: number): string {
  if (v < 1_000) return formatMs(v);
  return `${String(Math.round(v / 100) / 10)} s`;
}

function axisUsd(v: number): string {
  if (v === 0) return '$0';
  return v >= 1 ? `$${formatCompact(v)}` : formatUsd(v);
}
