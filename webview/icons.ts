// 16×16 line icons drawn for this dashboard, named after their codicon counterparts. They are inline SVG in the
// bundle rather than the codicon font: no font file to ship or allow in the CSP, no extra dependency, and
// `currentColor` makes them follow the theme, including high contrast.
import { s } from './dom';

type Shape = [tag: 'path' | 'circle' | 'line' | 'polyline', attrs: Record<string, string | number>];

const ICONS = {
  pass: [
    ['circle', { cx: 8, cy: 8, r: 6.25 }],
    ['polyline', { points: '5.2,8.3 7.2,10.3 10.9,6.1' }],
  ],
  warning: [
    ['path', { d: 'M8 1.9 14.6 13.7H1.4Z' }],
    ['line', { x1: 8, y1: 6.2, x2: 8, y2: 9.4 }],
    ['line', { x1: 8, y1: 11.4, x2: 8, y2: 11.5 }],
  ],
  error: [
    ['circle', { cx: 8, cy: 8, r: 6.25 }],
    ['line', { x1: 5.6, y1: 5.6, x2: 10.4, y2: 10.4 }],
    ['line', { x1: 10.4, y1: 5.6, x2: 5.6, y2: 10.4 }],
  ],
  'half-open': [
    ['circle', { cx: 8, cy: 8, r: 6.25 }],
    ['path', { d: 'M8 1.75A6.25 6.25 0 0 1 8 14.25Z', class: 'fill' }],
  ],
  question: [
    ['circle', { cx: 8, cy: 8, r: 6.25 }],
    ['path', { d: 'M6.1 6.3a1.95 1.95 0 1 1 2.7 1.8c-.5.25-.8.6-.8 1.15v.55' }],
    ['line', { x1: 8, y1: 11.5, x2: 8, y2: 11.6 }],
  ],
  'circle-slash': [
    ['circle', { cx: 8, cy: 8, r: 6.25 }],
    ['line', { x1: 3.6, y1: 12.4, x2: 12.4, y2: 3.6 }],
  ],
  'debug-restart': [
    ['path', { d: 'M13.2 8.6A5.25 5.25 0 1 1 11.4 4' }],
    ['polyline', { points: '11.9,1.4 11.9,4.5 8.8,4.5' }],
  ],
  discard: [
    ['path', { d: 'M4.5 6.2h6a3.4 3.4 0 0 1 0 6.8H7' }],
    ['polyline', { points: '6.9,3.8 4.5,6.2 6.9,8.6' }],
  ],
  key: [
    ['circle', { cx: 5, cy: 8, r: 2.75 }],
    ['line', { x1: 7.75, y1: 8, x2: 14.2, y2: 8 }],
    ['line', { x1: 11.6, y1: 8, x2: 11.6, y2: 10.6 }],
    ['line', { x1: 13.8, y1: 8, x2: 13.8, y2: 10 }],
  ],
  gear: [
    ['circle', { cx: 8, cy: 8, r: 2.4 }],
    ['path', { d: 'M8 1.5v2M8 12.5v2M1.5 8h2M12.5 8h2M3.4 3.4l1.4 1.4M11.2 11.2l1.4 1.4M3.4 12.6l1.4-1.4M11.2 4.8l1.4-1.4' }],
  ],
  trash: [
    ['path', { d: 'M2.5 4.5h11M6 4.5V2.8h4v1.7M4.2 4.5l.8 9.2h6l.8-9.2M6.7 7v4.4M9.3 7v4.4' }],
  ],
  'arrow-right': [
    ['line', { x1: 2.5, y1: 8, x2: 13, y2: 8 }],
    ['polyline', { points: '9.2,4.3 13,8 9.2,11.7' }],
  ],
  pulse: [['polyline', { points: '1,8.5 4.2,8.5 6.2,3.2 9.4,13 11.3,8.5 15,8.5' }]],
  database: [
    ['path', { d: 'M2.8 4.2c0-1.3 2.3-2.2 5.2-2.2s5.2.9 5.2 2.2-2.3 2.2-5.2 2.2-5.2-.9-5.2-2.2Z' }],
    ['path', { d: 'M2.8 4.2v7.6c0 1.3 2.3 2.2 5.2 2.2s5.2-.9 5.2-2.2V4.2M2.8 8c0 1.3 2.3 2.2 5.2 2.2s5.2-.9 5.2-2.2' }],
  ],
  'credit-card': [['path', { d: 'M1.8 3.8h12.4v8.4H1.8ZM1.8 6.6h12.4M4 10h2.6' }]],
  graph: [['path', { d: 'M2 2v12h12M4.6 10.5l2.8-3.2 2.4 1.8 3.6-4.6' }]],
  'list-unordered': [
    ['path', { d: 'M6 4h8M6 8h8M6 12h8' }],
    ['path', { d: 'M2.6 4h.1M2.6 8h.1M2.6 12h.1', class: 'dot' }],
  ],
  close: [['path', { d: 'M4 4l8 8M12 4l-8 8' }]],
  add: [['path', { d: 'M8 2.5v11M2.5 8h11' }]],
  beaker: [['path', { d: 'M6 1.8h4M6.6 1.8v4.4L2.6 13a.8.8 0 0 0 .7 1.2h9.4a.8.8 0 0 0 .7-1.2L9.4 6.2V1.8M4.4 10h7.2' }]],
  info: [
    ['circle', { cx: 8, cy: 8, r: 6.25 }],
    ['line', { x1: 8, y1: 7.2, x2: 8, y2: 11.2 }],
    ['line', { x1: 8, y1: 4.8, x2: 8, y2: 4.9 }],
  ],
  server: [['path', { d: 'M2.2 2.5h11.6v4.5H2.2ZM2.2 9h11.6v4.5H2.2ZM4.5 4.75h.1M4.5 11.25h.1' }]],
  people: [
    ['circle', { cx: 5.5, cy: 5, r: 2.2 }],
    ['circle', { cx: 11, cy: 5.6, r: 1.8 }],
    ['path', { d: 'M1.5 13.5c0-2.4 1.8-4.2 4-4.2s4 1.8 4 4.2M10 9.6c2.2-.4 4.3 1.2 4.5 3.9' }],
  ],
} satisfies Record<string, Shape[]>;

export type IconName = keyof typeof ICONS;

export function icon(name: IconName, extraClass = ''): SVGSVGElement {
  const el = s('svg', { viewBox: '0 0 16 16', width: 16, height: 16, className: `icon icon-${name} ${extraClass}`.trim(), 'aria-hidden': 'true', focusable: 'false' });
  for (const [tag, attrs] of ICONS[name] as Shape[]) el.append(s(tag, attrs));
  return el;
}

/** Swaps an icon in place when, say, a provider's state changes. */
export function setIcon(holder: Element, name: IconName): void {
  const current = holder.querySelector('svg.icon');
  if (current?.classList.contains(`icon-${name}`)) return;
  const next = icon(name);
  if (current) current.replaceWith(next);
  else holder.prepend(next);
}
