import { LOG_EVENT_KINDS, type LogEventKind } from '../../src/extension/dashboard/protocol';
import { h, reconcile, setAttr, setHidden, setText, type Keyed } from '../dom';
import { icon, type IconName } from '../icons';
import type { EventFilter, EventView, Severity } from '../viewModel';

const KIND_LABEL: Record<LogEventKind, string> = { fallback: 'Fallbacks', breaker: 'Breakers', budget: 'Budget', failure: 'Failures' };
const SEVERITY_ICON: Record<Severity, IconName> = { info: 'info', ok: 'pass', warning: 'warning', error: 'error' };

/** Recent routing events, newest first, filterable by kind and text. */
export class EventLog {
  readonly el: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly items = new Map<string, Keyed<EventView>>();
  private readonly chips = new Map<LogEventKind | 'all', HTMLButtonElement>();
  private readonly input: HTMLInputElement;
  private readonly providerSelect: HTMLSelectElement;
  private providerIds = '';
  private readonly count: HTMLElement;
  private readonly empty: HTMLElement;

  constructor(private filter: EventFilter, onFilter: (f: EventFilter) => void) {
    const chips = h('div', { className: 'chips', role: 'group', 'aria-label': 'Show events of kind' });
    for (const kind of ['all', ...LOG_EVENT_KINDS] as const) {
      const b = h('button', { type: 'button', className: 'chip', 'aria-pressed': 'false', 'data-kind': kind }, kind === 'all' ? 'All' : KIND_LABEL[kind]);
      b.addEventListener('click', () => {
        let kinds: LogEventKind[];
        if (kind === 'all') kinds = [];
        else kinds = this.filter.kinds.includes(kind) ? this.filter.kinds.filter((k) => k !== kind) : [...this.filter.kinds, kind];
        onFilter({ ...this.filter, kinds: kinds.length === LOG_EVENT_KINDS.length ? [] : kinds });
      });
      this.chips.set(kind, b);
      chips.append(b);
    }
    this.input = h('input', { type: 'search', className: 'filter-text', placeholder: 'Filter by provider, model, error…', 'aria-label': 'Filter events by text', value: filter.text });
    this.input.addEventListener('input', () => onFilter({ ...this.filter, text: this.input.value }));
    this.providerSelect = h('select', { className: 'filter-provider', 'aria-label': 'Show events of provider' });
    this.providerSelect.addEventListener('change', () => onFilter({ ...this.filter, provider: this.providerSelect.value }));
    this.count = h('span', { className: 'muted', 'aria-live': 'polite' });
    this.list = h('ol', { className: 'events', tabindex: 0, 'aria-label': 'Routing events, newest first' });
    this.empty = h('p', { className: 'muted', hidden: true });
    this.el = h(
      'section',
      { className: 'card event-log', 'aria-labelledby': 'events-title' },
      h('div', { className: 'section-head' }, h('h2', { id: 'events-title' }, icon('list-unordered'), 'Routing events'), this.count),
      h('div', { className: 'filters' }, chips, this.providerSelect, this.input),
      this.empty,
      this.list,
    );
  }

  /** `providers`: the configured ones, so a removed provider leaves the filter. `filter` is the effective one. */
  update(views: EventView[], total: number, filter: EventFilter, providers: readonly string[]): void {
    this.filter = filter;
    const ids = providers.join('\n');
    if (ids !== this.providerIds) {
      this.providerIds = ids;
      this.providerSelect.replaceChildren(h('option', { value: '' }, 'All providers'), ...providers.map((p) => h('option', { value: p }, p)));
    }
    if (this.providerSelect.value !== filter.provider) this.providerSelect.value = filter.provider;
    if (this.input.value !== filter.text && document.activeElement !== this.input) this.input.value = filter.text;
    for (const [kind, b] of this.chips) setAttr(b, 'aria-pressed', String(kind === 'all' ? filter.kinds.length === 0 : filter.kinds.includes(kind)));
    setText(this.count, views.length === total ? `${total} event${total === 1 ? '' : 's'}` : `${views.length} of ${total} events`);
    setHidden(this.empty, views.length > 0);
    setText(this.empty, total === 0 ? 'No fallbacks, breaker changes, budget warnings or failures so far.' : 'No event matches the filter.');
    reconcile(this.list, views, (v) => String(v.id), eventItem, this.items);
  }
}

function eventItem(first: EventView): Keyed<EventView> {
  const time = h('time', { className: 'event-time' });
  const text = h('span', { className: 'event-text' }, first.text);
  const kind = h('span', { className: 'event-kind' }, first.kind);
  const el = h('li', { className: `event sev-${first.severity}`, 'data-kind': first.kind }, icon(SEVERITY_ICON[first.severity]), time, text, kind);
  return {
    el,
    update(v) {
      setText(time, v.time);
      setAttr(time, 'title', v.ago);
      setText(text, v.text);
    },
  };
}
