import { DASHBOARD_WINDOWS, type DashboardWindow, type WebviewMessage } from '../../src/extension/dashboard/protocol';
import { h, setAttr, setText, setVariant } from '../dom';
import { icon, setIcon, type IconName } from '../icons';
import { WINDOW_LABEL, type SummaryView } from '../viewModel';

const OVERALL_ICON: Record<SummaryView['overall'], IconName> = { healthy: 'pass', unknown: 'question', degraded: 'warning', down: 'error' };

/** Title, overall health, the time-window switch and settings. */
export class Header {
  readonly el: HTMLElement;
  private readonly health: HTMLElement;
  private readonly headline: HTMLElement;
  private readonly windowButtons = new Map<DashboardWindow, HTMLButtonElement>();

  constructor(onWindow: (w: DashboardWindow) => void, post: (m: WebviewMessage) => void) {
    this.headline = h('span', { 'data-testid': 'health-headline' });
    this.health = h('p', { className: 'health-summary overall-healthy', role: 'status' }, icon('pass'), this.headline);
    const group = h('div', { className: 'segmented', role: 'group', 'aria-label': 'Time window for statistics and charts' });
    for (const w of DASHBOARD_WINDOWS) {
      const b = h('button', { type: 'button', 'aria-pressed': 'false', 'data-window': w }, WINDOW_LABEL[w]);
      b.addEventListener('click', () => onWindow(w));
      this.windowButtons.set(w, b);
      group.append(b);
    }
    const settings = h('button', { type: 'button', className: 'secondary', title: 'Open the LLM Router settings' }, icon('gear'), 'Settings');
    settings.addEventListener('click', () => post({ type: 'openSettings' }));
    this.el = h(
      'header',
      { className: 'top' },
      h('div', { className: 'brand' }, icon('pulse', 'brand-icon'), h('h1', {}, 'LLM Router'), this.health),
      h('div', { className: 'controls' }, group, settings),
    );
  }

  update(summary: SummaryView | undefined, window: DashboardWindow): void {
    for (const [w, b] of this.windowButtons) setAttr(b, 'aria-pressed', String(w === window));
    if (!summary) return;
    setText(this.headline, summary.headline);
    setVariant(this.health, 'overall-', summary.overall);
    setIcon(this.health, OVERALL_ICON[summary.overall]);
    setAttr(this.health, 'title', summary.why || summary.headline);
  }
}
