import { h, reconcile, setAttr, setHidden, setText, setVariant, type Keyed } from '../dom';
import { icon } from '../icons';
import type { BudgetView, CostRow, CostView } from '../viewModel';

/** Spend today and this month against the budgets, and per provider and model. */
export class CostsSection {
  readonly el: HTMLElement;
  private readonly daily: BudgetMeter;
  private readonly monthly: BudgetMeter;
  private readonly body: HTMLTableSectionElement;
  private readonly rows = new Map<string, Keyed<CostRow>>();
  private readonly table: HTMLElement;
  private readonly none: HTMLElement;

  constructor() {
    this.daily = new BudgetMeter('daily');
    this.monthly = new BudgetMeter('monthly');
    this.body = h('tbody', {});
    this.table = h(
      'div',
      { className: 'table-scroll' },
      h(
        'table',
        { className: 'cost-table' },
        h('caption', { className: 'visually-hidden' }, 'Spend per provider and model'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Provider'), h('th', { scope: 'col' }, 'Model'), h('th', { scope: 'col', className: 'num' }, 'Today'), h('th', { scope: 'col', className: 'num' }, 'Month'), h('th', { scope: 'col', className: 'num' }, 'Requests'))),
        this.body,
      ),
    );
    this.none = h('p', { className: 'muted' }, 'No spend recorded this month.');
    this.el = h('section', { className: 'card costs', 'aria-labelledby': 'costs-title' }, h('h2', { id: 'costs-title' }, icon('credit-card'), 'Cost and budgets'), this.daily.el, this.monthly.el, this.none, this.table);
  }

  update(view: CostView): void {
    this.daily.update(view.daily);
    this.monthly.update(view.monthly);
    setHidden(this.none, view.rows.length > 0);
    setHidden(this.table, view.rows.length === 0);
    reconcile(this.body, view.rows, (r) => r.key, costRow, this.rows);
  }
}

function costRow(first: CostRow): Keyed<CostRow> {
  const today = h('td', { className: 'num' });
  const month = h('td', { className: 'num' });
  const requests = h('td', { className: 'num' });
  const share = h('span', { className: 'share-fill' });
  const el = h('tr', {}, h('td', {}, first.provider), h('td', {}, h('div', { className: 'model-cell' }, h('span', { className: 'model-name' }, first.model), h('span', { className: 'share', 'aria-hidden': 'true' }, share))), today, month, requests);
  return {
    el,
    update(r) {
      setText(today, r.today);
      setText(month, r.month);
      setText(requests, r.monthRequests);
      share.style.width = `${(r.share * 100).toFixed(1)}%`;
    },
  };
}

class BudgetMeter {
  readonly el: HTMLElement;
  private readonly spent: HTMLElement;
  private readonly against: HTMLElement;
  private readonly percent: HTMLElement;
  private readonly bar: HTMLElement;
  private readonly fill: HTMLElement;
  private readonly marker: HTMLElement;
  private readonly note: HTMLElement;

  constructor(period: 'daily' | 'monthly') {
    this.spent = h('span', { className: 'budget-spent', 'data-field': `${period}-spent` });
    this.against = h('span', { className: 'muted' });
    this.percent = h('span', { className: 'budget-percent', 'data-field': `${period}-percent` });
    this.fill = h('div', { className: 'bar-fill' });
    this.marker = h('div', { className: 'bar-marker', title: 'Warning threshold' });
    this.bar = h('div', { className: 'bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-label': `${period === 'daily' ? 'Daily' : 'Monthly'} budget used` }, this.fill, this.marker);
    this.note = h('p', { className: 'muted small-note' });
    this.el = h(
      'div',
      { className: 'budget level-none', 'data-budget': period },
      h('div', { className: 'budget-head' }, h('span', { className: 'budget-title' }, period === 'daily' ? 'Today' : 'This month'), this.spent, this.against, this.percent),
      this.bar,
      this.note,
    );
  }

  update(v: BudgetView): void {
    setVariant(this.el, 'level-', v.level);
    setText(this.spent, v.spent);
    setText(this.against, v.against);
    setText(this.percent, v.percent);
    setHidden(this.bar, v.level === 'none');
    this.fill.style.width = `${(v.fraction * 100).toFixed(1)}%`;
    this.marker.style.left = `${(v.warnFraction * 100).toFixed(1)}%`;
    setAttr(this.marker, 'title', `Warning at ${Math.round(v.warnFraction * 100)}%`);
    setAttr(this.bar, 'aria-valuenow', String(Math.round(v.fraction * 100)));
    setAttr(this.bar, 'aria-valuetext', `${v.spent} ${v.against}${v.percent ? ` (${v.percent})` : ''}`);
    setText(this.note, v.unknownNote ?? '');
    setHidden(this.note, !v.unknownNote);
  }
}
