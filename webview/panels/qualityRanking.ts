import { h, reconcile, setHidden, setText, setVariant, type Keyed } from '../dom';
import { icon } from '../icons';
import type { QualityRow } from '../qualityView';

/** Providers and models by quality score, best first, with the signals behind each score. */
export class QualityRanking {
  readonly el: HTMLElement;
  private readonly body: HTMLTableSectionElement;
  private readonly rows = new Map<string, Keyed<QualityRow>>();
  private readonly table: HTMLElement;
  private readonly none: HTMLElement;

  constructor() {
    this.body = h('tbody', {});
    this.table = h(
      'div',
      { className: 'table-scroll' },
      h(
        'table',
        { className: 'cost-table quality-table' },
        h('caption', { className: 'visually-hidden' }, 'Quality ranking per provider and model'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col', className: 'num' }, '#'), h('th', { scope: 'col' }, 'Provider'), h('th', { scope: 'col' }, 'Model'), h('th', { scope: 'col', className: 'num' }, 'Score'), h('th', { scope: 'col' }, 'Signals (recent weigh more)'))),
        this.body,
      ),
    );
    this.none = h('p', { className: 'muted' }, 'No provider is configured.');
    this.el = h('section', { className: 'card quality', 'aria-labelledby': 'quality-title', 'data-testid': 'quality' }, h('h2', { id: 'quality-title' }, icon('pulse'), 'Quality ranking'), this.none, this.table);
  }

  update(rows: readonly QualityRow[]): void {
    setHidden(this.none, rows.length > 0);
    setHidden(this.table, rows.length === 0);
    reconcile(this.body, rows, (r) => r.key, qualityRow, this.rows);
  }
}

function qualityRow(first: QualityRow): Keyed<QualityRow> {
  const rank = h('td', { className: 'num' });
  const score = h('span', { className: 'quality-score' });
  const fill = h('span', { className: 'share-fill' });
  const signals = h('td', { className: 'quality-signals' });
  const el = h(
    'tr',
    { 'data-quality-row': first.provider },
    rank,
    h('td', {}, first.provider),
    h('td', {}, h('span', { className: 'model-name' }, first.model)),
    h('td', { className: 'num' }, h('div', { className: 'score-cell' }, score, h('span', { className: 'share', 'aria-hidden': 'true' }, fill))),
    signals,
  );
  return {
    el,
    update(r) {
      setText(rank, r.rank);
      setText(score, r.score);
      setVariant(score, 'tone-', r.tone);
      fill.style.width = `${(r.fraction * 100).toFixed(1)}%`;
      setText(signals, r.signals);
    },
  };
}
