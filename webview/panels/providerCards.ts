import type { WebviewMessage } from '../../src/extension/dashboard/protocol';
import { h, reconcile, setAttr, setHidden, setText, setVariant, type Keyed } from '../dom';
import { icon, setIcon, type IconName } from '../icons';
import type { HealthState } from '../../src/extension/dashboard/protocol';
import type { ProviderView } from '../viewModel';

const HEALTH_ICON: Record<HealthState, IconName> = { healthy: 'pass', degraded: 'warning', unavailable: 'error', unknown: 'question', isolated: 'circle-slash' };

/** One card per provider, in routing order. */
export class ProviderCards {
  readonly el: HTMLElement;
  private readonly list: HTMLElement;
  private readonly cards = new Map<string, Keyed<ProviderView>>();
  private readonly empty: HTMLElement;

  constructor(private readonly post: (m: WebviewMessage) => void) {
    this.list = h('div', { className: 'cards' });
    const add = h('button', { type: 'button', 'data-action': 'add-provider' }, icon('add'), h('span', {}, 'Add Provider'));
    add.addEventListener('click', () => post({ type: 'addProvider' }));
    this.empty = h('div', { className: 'empty-state', hidden: true }, h('p', { className: 'muted' }, 'No providers are configured yet.'), add);
    this.el = h('section', { className: 'providers', 'aria-labelledby': 'providers-title' }, h('h2', { id: 'providers-title' }, icon('server'), 'Providers'), this.empty, this.list);
  }

  update(views: ProviderView[]): void {
    setHidden(this.empty, views.length > 0);
    reconcile(this.list, views, (v) => v.id, (v) => providerCard(v, this.post), this.cards);
  }
}

function metric(label: string, testId: string): { el: HTMLElement; value: HTMLElement } {
  const value = h('dd', { 'data-field': testId });
  return { el: h('div', { className: 'metric' }, h('dt', {}, label), value), value };
}

function actionButton(iconName: IconName, label: string, aria: string, onClick: () => void): HTMLButtonElement {
  const b = h('button', { type: 'button', className: 'secondary small', 'aria-label': aria }, icon(iconName), h('span', {}, label));
  b.addEventListener('click', onClick);
  return b;
}

function providerCard(first: ProviderView, post: (m: WebviewMessage) => void): Keyed<ProviderView> {
  const id = first.id;
  const titleId = `provider-${id}`;
  const badgeText = h('span', {});
  const badge = h('span', { className: 'badge', 'data-field': 'state' }, icon('pass'), badgeText);
  const detail = h('p', { className: 'state-detail', 'data-field': 'since' });
  const reason = h('p', { className: 'reason', 'data-field': 'reason' });
  const errClass = h('code', { className: 'error-class', 'data-field': 'last-error-class' });
  const errWhen = h('span', { className: 'muted' });
  const errMsg = h('span', { className: 'error-message', 'data-field': 'last-error-message' });
  const simLabelId = `simulate-${id}`;
  const simChips = h('div', { className: 'chips', role: 'group', 'aria-labelledby': simLabelId });
  const simDetail = h('span', { className: 'muted', 'data-field': 'playground-detail' });
  const simulate = h('div', { className: 'playground-switch', 'data-field': 'playground', hidden: true }, h('span', { className: 'switch-label', id: simLabelId }, icon('beaker'), 'Simulate'), simChips, simDetail);
  let simModes = '';
  const lastError = h('div', { className: 'last-error', 'data-field': 'last-error' }, h('div', { className: 'last-error-head' }, icon('error'), h('span', {}, 'Last error'), errClass, errWhen), errMsg);
  const requests = metric('Requests', 'requests');
  const errorRate = metric('Failed calls', 'error-rate');
  const retries = metric('Retries', 'retries');
  const fallbacks = metric('Fallbacks', 'fallbacks');
  const errorClasses = h('p', { className: 'error-classes muted', 'data-field': 'error-classes' });
  const cells = { latency: [] as HTMLElement[], ttft: [] as HTMLElement[] };
  const row = (label: string, key: 'latency' | 'ttft') => {
    const tds = ['p50', 'p95', 'p99'].map((p) => h('td', { 'data-field': `${key}-${p}` }));
    cells[key] = tds;
    return h('tr', {}, h('th', { scope: 'row' }, label), ...tds);
  };
  const percentiles = h(
    'table',
    { className: 'percentiles' },
    h('caption', { className: 'visually-hidden' }, `Latency percentiles of ${id}`),
    h('thead', {}, h('tr', {}, h('td', {}), h('th', { scope: 'col' }, 'p50'), h('th', { scope: 'col' }, 'p95'), h('th', { scope: 'col' }, 'p99'))),
    h('tbody', {}, row('Latency', 'latency'), row('First token', 'ttft')),
  );
  const headroom = h('p', { className: 'headroom muted', 'data-field': 'headroom' });
  const keys = h('p', { className: 'keys muted', 'data-field': 'keys' });
  const isolateLabel = h('span', {});
  const isolate = h('button', { type: 'button', className: 'secondary small', 'data-action': 'isolate' }, icon('circle-slash'), isolateLabel);
  let isolated = first.isolated;
  isolate.addEventListener('click', () => post({ type: isolated ? 'restore' : 'isolate', provider: id }));
  const reset = actionButton('debug-restart', 'Reset breaker', `Reset the circuit breaker of ${id}`, () => post({ type: 'resetBreaker', provider: id }));
  reset.dataset.action = 'reset-breaker';
  const setKey = actionButton('key', 'Set key', `Set the API key of ${id}`, () => post({ type: 'setApiKey', provider: id }));
  setKey.dataset.action = 'set-key';
  const subtitle = h('p', { className: 'subtitle' });
  const swatch = h('span', { className: 'swatch', 'aria-hidden': 'true' });

  const el = h(
    'article',
    { className: 'card provider', 'data-provider': id, 'aria-labelledby': titleId },
    h('header', { className: 'card-head' }, h('div', { className: 'card-title' }, swatch, h('h3', { id: titleId }, id)), badge),
    subtitle,
    simulate,
    detail,
    reason,
    lastError,
    h('dl', { className: 'metrics' }, requests.el, errorRate.el, retries.el, fallbacks.el),
    errorClasses,
    percentiles,
    headroom,
    keys,
    h('div', { className: 'actions' }, reset, isolate, setKey),
  );

  return {
    el,
    update(v) {
      isolated = v.isolated;
      setVariant(el, 'state-', v.health);
      setVariant(swatch, 'c', String(v.colorIndex));
      setText(subtitle, v.subtitle);
      setAttr(subtitle, 'title', v.baseUrl);
      setText(badgeText, v.healthLabel);
      setAttr(badge, 'title', v.reason);
      setIcon(badge, HEALTH_ICON[v.health]);
      setText(detail, v.stateDetail);
      setText(reason, v.reason);
      setHidden(lastError, !v.lastError);
      if (v.lastError) {
        setText(errClass, v.lastError.errorClass);
        setText(errWhen, v.lastError.when);
        setText(errMsg, v.lastError.advice);
        setAttr(errMsg, 'title', v.lastError.message || null);
      }
      setHidden(setKey, !v.usesKey);
      setHidden(simulate, !v.playground);
      if (v.playground) {
        const modes = JSON.stringify(v.playground.modes);
        if (modes !== simModes) {
          simModes = modes;
          simChips.replaceChildren(
            ...v.playground.modes.map((m) => {
              const b = h('button', { type: 'button', className: 'chip', 'data-mode': m.id, title: m.detail, 'aria-pressed': 'false' }, m.label);
              b.addEventListener('click', () => post({ type: 'setPlaygroundMode', provider: id, mode: m.id }));
              return b;
            }),
          );
        }
        for (const b of Array.from(simChips.children)) setAttr(b, 'aria-pressed', String((b as HTMLElement).dataset.mode === v.playground.mode));
        const mode = v.playground.modes.find((m) => m.id === v.playground?.mode);
        setText(simDetail, mode && mode.id !== 'healthy' ? mode.detail : '');
        setVariant(simulate, 'mode-', v.playground.mode === 'healthy' ? 'healthy' : 'broken');
      }
      setText(requests.value, v.requests);
      setText(errorRate.value, v.errorRate);
      setText(retries.value, v.retries);
      setText(fallbacks.value, v.fallbacks);
      setText(errorClasses, v.errorClasses);
      setHidden(errorClasses, !v.errorClasses);
      (['p50', 'p95', 'p99'] as const).forEach((p, i) => {
        setText(cells.latency[i], v.latency[p]);
        setText(cells.ttft[i], v.ttft[p]);
      });
      setText(headroom, v.headroom?.text ?? '');
      setHidden(headroom, !v.headroom);
      setVariant(headroom, 'held-', v.headroom?.held ? 'yes' : 'no');
      setText(keys, v.keys ?? '');
      setHidden(keys, !v.keys);
      setText(isolateLabel, v.isolated ? 'Restore' : 'Isolate');
      setIcon(isolate, v.isolated ? 'discard' : 'circle-slash');
      setAttr(isolate, 'aria-label', v.isolated ? `Restore ${id}: route requests to it again` : `Isolate ${id}: send it no requests`);
      setAttr(isolate, 'data-action', v.isolated ? 'restore' : 'isolate');
    },
  };
}
