import { h, reconcile, setText, type Keyed } from '../dom';
import { icon } from '../icons';
import type { ProviderCacheRow, ProviderCacheView } from '../viewModel';

type Field = 'share' | 'saved' | 'writePremium' | 'netSaved';
const FIELDS: { key: Field; label: string; title: string }[] = [
  { key: 'share', label: 'Input from cache', title: 'Input tokens the providers read from their prompt caches, of all input tokens' },
  { key: 'saved', label: 'Saved', title: 'Cache reads × (input price − cache-read price)' },
  { key: 'writePremium', label: 'Write premium', title: 'Cache writes × (cache-write price − input price), e.g. Anthropic’s 25 %' },
  { key: 'netSaved', label: 'Net saved', title: 'Saved minus the write premium' },
];

/** The providers' own prompt caches: the share of input they served and the money that saved. */
export class ProviderCacheSection {
  readonly el: HTMLElement;
  private readonly values = new Map<Field, HTMLElement>();
  private readonly tokens: HTMLElement;
  private readonly list: HTMLElement;
  private readonly rows = new Map<string, Keyed<ProviderCacheRow>>();

  constructor() {
    const grid = h('dl', { className: 'stat-grid' });
    for (const f of FIELDS) {
      const value = h('dd', { 'data-field': `pcache-${f.key}` }, '—');
      this.values.set(f.key, value);
      grid.append(h('div', { className: 'stat', title: f.title }, h('dt', {}, f.label), value));
    }
    this.tokens = h('p', { className: 'muted', 'data-field': 'pcache-tokens' });
    this.list = h('ul', { className: 'pcache-rows' });
    this.el = h('section', { className: 'card provider-cache', 'aria-labelledby': 'pcache-title' }, h('h2', { id: 'pcache-title' }, icon('database'), 'Provider prompt caches'), grid, this.tokens, this.list);
  }

  update(v: ProviderCacheView): void {
    for (const f of FIELDS) setText(this.values.get(f.key) as HTMLElement, v[f.key]);
    setText(this.tokens, v.tokens);
    reconcile(this.list, v.rows, (r) => r.provider, row, this.rows);
  }
}

function row(first: ProviderCacheRow): Keyed<ProviderCacheRow> {
  const share = h('span', { className: 'num' });
  const saved = h('span', { className: 'num' });
  const el = h('li', { 'data-pcache-provider': first.provider }, h('span', {}, first.provider), share, saved);
  return {
    el,
    update(r) {
      setText(share, r.share);
      setText(saved, `${r.saved} saved`);
    },
  };
}
