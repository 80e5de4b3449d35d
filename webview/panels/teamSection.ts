import { h, reconcile, setHidden, setText, setVariant, type Keyed } from '../dom';
import { icon } from '../icons';
import type { TeamRow, TeamView } from '../teamView';

const COLUMNS: { key: Exclude<keyof TeamRow, 'key' | 'label' | 'self' | 'seen'>; label: string; title?: string }[] = [
  { key: 'requests', label: 'Requests' },
  { key: 'failed', label: 'Failed', title: 'Requests no provider answered, after every retry and fallback' },
  { key: 'calls', label: 'Provider calls', title: 'Calls to a provider (retries folded in), and how many failed' },
  { key: 'tokens', label: 'Tokens' },
  { key: 'cost', label: 'Cost' },
  { key: 'p95', label: 'p95 latency' },
];

/** Every team member sharing metrics through the shared state, and their sum; hidden when metrics are not shared. */
export class TeamSection {
  readonly el: HTMLElement;
  private readonly caption: HTMLElement;
  private readonly body: HTMLTableSectionElement;
  private readonly total: Keyed<TeamRow>;
  private readonly rows = new Map<string, Keyed<TeamRow>>();

  constructor() {
    this.caption = h('p', { className: 'muted', 'data-field': 'team-caption' });
    this.body = h('tbody', {});
    this.total = teamRow({ key: 'total', label: 'Team total', self: false, requests: '', failed: '', calls: '', tokens: '', cost: '', p95: '', seen: '' });
    this.total.el.classList.add('team-total');
    const head = h('tr', {}, h('th', { scope: 'col' }, 'Member'), ...COLUMNS.map((c) => h('th', { scope: 'col', className: 'num', title: c.title }, c.label)));
    const table = h('table', { className: 'cost-table team-table' }, h('caption', { className: 'visually-hidden' }, 'Shared metrics per team member, and the team total'), h('thead', {}, head), this.body, h('tfoot', {}, this.total.el));
    this.el = h(
      'section',
      { className: 'card team', 'aria-labelledby': 'team-title', 'data-testid': 'team', hidden: true },
      h('h2', { id: 'team-title' }, icon('people'), 'Team'),
      this.caption,
      h('div', { className: 'table-scroll' }, table),
    );
  }

  update(view: TeamView | undefined): void {
    setHidden(this.el, view === undefined);
    if (!view) return;
    setText(this.caption, view.caption);
    this.total.update(view.total);
    reconcile(this.body, view.members, (r) => r.key, teamRow, this.rows);
  }
}

function teamRow(first: TeamRow): Keyed<TeamRow> {
  const label = h('span', {});
  const seen = h('span', { className: 'muted team-seen' });
  const cells = COLUMNS.map((c) => h('td', { className: 'num', 'data-field': `team-${c.key}` }));
  const el = h('tr', { 'data-team-member': first.key }, h('th', { scope: 'row' }, label, seen), ...cells);
  return {
    el,
    update(r) {
      setText(label, r.label);
      setText(seen, r.seen ? ` · ${r.seen}` : '');
      setVariant(el, 'member-', r.self ? 'self' : 'other');
      COLUMNS.forEach((c, i) => setText(cells[i], r[c.key]));
    },
  };
}
