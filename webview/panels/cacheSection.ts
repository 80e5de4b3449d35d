import type { WebviewMessage } from '../../src/extension/dashboard/protocol';
import { h, setHidden, setText } from '../dom';
import { icon } from '../icons';
import type { CacheView } from '../viewModel';

type Field = 'hitRate' | 'entries' | 'memory' | 'disk' | 'evictions';
const FIELDS: { key: Field; label: string }[] = [
  { key: 'hitRate', label: 'Hit rate' },
  { key: 'entries', label: 'Entries' },
  { key: 'memory', label: 'Memory' },
  { key: 'disk', label: 'On disk' },
  { key: 'evictions', label: 'Evictions' },
];

/** The response cache: how often it answers, how big it is, and a way to empty it. */
export class CacheSection {
  readonly el: HTMLElement;
  private readonly values = new Map<Field, HTMLElement>();
  private readonly lookups: HTMLElement;
  private readonly disabled: HTMLElement;

  constructor(post: (m: WebviewMessage) => void) {
    const list = h('dl', { className: 'stat-grid' });
    for (const f of FIELDS) {
      const value = h('dd', { 'data-field': `cache-${f.key}` }, '—');
      this.values.set(f.key, value);
      list.append(h('div', { className: 'stat' }, h('dt', {}, f.label), value));
    }
    this.lookups = h('p', { className: 'muted' });
    this.disabled = h('p', { className: 'notice', hidden: true }, icon('info'), 'The cache is turned off (llmRouter.cache.enabled).');
    const clear = h('button', { type: 'button', className: 'secondary', 'data-action': 'clear-cache' }, icon('trash'), 'Clear cache');
    clear.addEventListener('click', () => post({ type: 'clearCache' }));
    this.el = h('section', { className: 'card cache', 'aria-labelledby': 'cache-title' }, h('h2', { id: 'cache-title' }, icon('database'), 'Response cache'), this.disabled, list, this.lookups, h('div', { className: 'actions' }, clear));
  }

  update(v: CacheView): void {
    setHidden(this.disabled, v.enabled);
    for (const f of FIELDS) setText(this.values.get(f.key) as HTMLElement, v[f.key]);
    setText(this.lookups, v.lookups);
  }
}
