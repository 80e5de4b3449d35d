import { h, setText } from '../dom';
import { WINDOW_LABEL, type SummaryView } from '../viewModel';
import type { DashboardWindow } from '../../src/extension/dashboard/protocol';

type TileKey = 'requests' | 'errorRate' | 'p95' | 'costToday' | 'cacheHitRate';
const TILES: { key: TileKey; label: string; windowed: boolean }[] = [
  { key: 'requests', label: 'Requests', windowed: true },
  { key: 'errorRate', label: 'Error rate', windowed: true },
  { key: 'p95', label: 'p95 latency', windowed: true },
  { key: 'cacheHitRate', label: 'Cache hit rate', windowed: true },
  { key: 'costToday', label: 'Cost today', windowed: false },
];

/** The headline numbers across all providers. */
export class SummaryTiles {
  readonly el: HTMLElement;
  private readonly values = new Map<TileKey, HTMLElement>();
  private readonly captions: HTMLElement[] = [];

  constructor() {
    this.el = h('section', { className: 'tiles', 'aria-label': 'Totals' });
    for (const t of TILES) {
      const value = h('span', { className: 'tile-value', 'data-testid': `total-${t.key}` }, '—');
      const caption = h('span', { className: 'tile-caption' });
      if (t.windowed) this.captions.push(caption);
      else caption.textContent = 'all providers';
      this.values.set(t.key, value);
      this.el.append(h('div', { className: 'tile' }, h('span', { className: 'tile-label' }, t.label), value, caption));
    }
  }

  update(summary: SummaryView, window: DashboardWindow): void {
    for (const t of TILES) setText(this.values.get(t.key) as HTMLElement, summary[t.key]);
    for (const c of this.captions) setText(c, `last ${WINDOW_LABEL[window]}`);
  }
}
