import { h, setHidden, setText } from '../dom';
import { icon } from '../icons';

/** A problem the host reported (an action that failed), until dismissed. */
export class ErrorBanner {
  readonly el: HTMLElement;
  private readonly text: HTMLElement;
  private shown?: string;

  constructor(onDismiss: () => void) {
    this.text = h('span', { 'data-testid': 'error-text' });
    const close = h('button', { type: 'button', className: 'icon-button', 'aria-label': 'Dismiss' }, icon('close'));
    close.addEventListener('click', onDismiss);
    this.el = h('div', { className: 'banner', role: 'alert', hidden: true }, icon('error'), this.text, close);
  }

  update(message: string | undefined): void {
    if (message === this.shown) return;
    this.shown = message;
    setText(this.text, message ?? '');
    setHidden(this.el, message === undefined);
  }
}
