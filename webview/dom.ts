// Small DOM helpers. Elements are built once and then only their text and attributes change, so live updates
// never replace what the user is looking at (no flicker, focus and selection survive). No `style` attributes:
// the Content-Security-Policy forbids them; sizes are set through CSSOM (`el.style.x = …`), which it allows.

type Child = Node | string | false | null | undefined;
type Attrs = Record<string, string | number | boolean | undefined>;

function applyAttrs(el: Element, attrs: Attrs | undefined): void {
  if (!attrs) return;
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name === 'className' ? 'class' : name, value === true ? '' : String(value));
  }
}

function append(el: Element, children: Child[]): void {
  for (const c of children) if (c !== false && c !== null && c !== undefined) el.append(c);
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs?: Attrs, ...children: Child[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

export function setText(el: Node, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

export function setAttr(el: Element, name: string, value: string | null): void {
  if (value === null) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  } else if (el.getAttribute(name) !== value) {
    el.setAttribute(name, value);
  }
}

export function setHidden(el: HTMLElement, hidden: boolean): void {
  if (el.hidden !== hidden) el.hidden = hidden;
}

/** Sets the one class of a family (`state-…`, `level-…`) an element carries. */
export function setVariant(el: Element, prefix: string, variant: string): void {
  const wanted = `${prefix}${variant}`;
  if (el.classList.contains(wanted)) return;
  for (const c of Array.from(el.classList)) if (c.startsWith(prefix)) el.classList.remove(c);
  el.classList.add(wanted);
}

export interface Keyed<T> {
  readonly el: HTMLElement;
  update(item: T): void;
}

/**
 * Makes `parent`'s children the components for `items`, in order: reuses existing ones by key, creates the
 * missing, removes the rest, and moves a node only when it is out of place.
 */
export function reconcile<T>(parent: HTMLElement, items: readonly T[], keyOf: (item: T) => string, create: (item: T) => Keyed<T>, live: Map<string, Keyed<T>>): void {
  const wanted = new Set<string>();
  let cursor: ChildNode | null = parent.firstChild;
  for (const item of items) {
    const key = keyOf(item);
    wanted.add(key);
    let comp = live.get(key);
    if (!comp) {
      comp = create(item);
      live.set(key, comp);
    }
    comp.update(item);
    if (comp.el !== cursor) parent.insertBefore(comp.el, cursor);
    else cursor = cursor.nextSibling;
  }
  for (const [key, comp] of live) {
    if (wanted.has(key)) continue;
    comp.el.remove();
    live.delete(key);
  }
}
