import { h, setText } from '../dom';
import { WINDOW_LABEL, type SummaryView } from '../viewModel';
import type { DashboardWindow } from '../../src/extension/dashboard/protocol';

type TileKey = 'requests' | 'requestErrorRate' | 'attemptErrorRate' | 'p95' | 'costToday' | 'cacheHitRate';
type DetailKey = 'requestDetail' | 'attemptDetail';
const TILES: { key: TileKey; label: string; windowed: boolean; detail?: DetailKey; title?: string }[] = [
  { key: 'requests', label: 'Requests', windowed: true },
  { key: 'requestErrorRate', label: 'Failed requests', windowed: true, detail: 'requestDetail', title: 'Requests no provider answered, after every retry and fallback' },
  { key: 'attemptErrorRate', label: 'Failed provider calls', windowed: true, detail: 'attemptDetail', title: 'Calls to a provider that failed; a fallback may still have answered the request' },
  { key: 'p95', label: 'p95 latency', windowed: true },
  { key: 'cacheHitRate', label: 'Cache hit rate', windowed: true },
  { key: 'costToday', label: 'Cost today', windowed: false },
];

/** The headline numbers across all providers. */
export class SummaryTiles {
  readonly el: HTMLElement;
  private readonly values = new Map<TileKey, HTMLElement>();
  private readonly captions: { el: HTMLElement; detail?: DetailKey }[] = [];

  constructor() {
    this.el = h('section', { className: 'tiles', 'aria-label': 'Totals' });
    for (const t of TILES) {
      const value = h('span', { className: 'tile-value', 'data-testid': `total-${t.key}` }, '—');
      const caption = h('span', { className: 'tile-caption' });
      if (t.windowed) this.captions.push({ el: caption, detail: t.detail });
      else caption.textContent = 'all providers';
      this.values.set(t.key, value);
      this.el.append(h('div', { className: 'tile', title: t.title }, h('span', { className: 'tile-label' }, t.label), value, caption));
    }
  }

  update(summary: SummaryView, window: DashboardWindow): void {
    for (const t of TILES) setText(this.values.get(t.key) as HTMLElement, summary[t.key]);
    for (const c of this.captions) setText(c.el, c.detail ? summary[c.detail] : `last ${WINDOW_LABEL[window]}`);
  }
}
