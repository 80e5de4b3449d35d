import type { AlertDto } from '../../src/extension/dashboard/protocol';
import { h, setHidden } from '../dom';
import { formatClock } from '../format';
import { icon } from '../icons';

/** The active alerts, oldest first; hidden while there are none. */
export class AlertList {
  readonly el: HTMLElement;
  private readonly list: HTMLElement;
  private shown = '';

  constructor() {
    this.list = h('ul', { className: 'alert-list' });
    this.el = h('section', { className: 'alerts', hidden: true, 'data-testid': 'alerts', 'aria-label': 'Alerts' }, h('h2', {}, 'Alerts'), this.list);
  }

  update(alerts: readonly AlertDto[], now: number): void {
    const key = JSON.stringify(alerts);
    setHidden(this.el, alerts.length === 0);
    if (key === this.shown) return;
    this.shown = key;
    this.list.replaceChildren(
      ...alerts.map((a) => h('li', { 'data-alert': a.id }, icon('warning'), h('span', { className: 'alert-message' }, a.message), h('span', { className: 'alert-since' }, `since ${formatClock(a.since, now)}`))),
    );
  }
}
