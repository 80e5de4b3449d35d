// Asks the workbench page what a person sees, through scripts/vscode/workbenchBridge.mjs. Only the
// code-server runner provides it; tests that need it skip under @vscode/test-electron.

const BRIDGE = process.env.LLM_ROUTER_WORKBENCH_BRIDGE;

export interface Query {
  selector: string;
  /** Wait until a match contains this text. */
  hasText?: string;
  /** Iframe selectors to descend through first (a webview's content is two iframes deep). */
  frames?: string[];
  attribute?: string;
  timeoutMs?: number;
}

export const STATUS_ITEM = '[id="llm-router.llm-router.llmRouter.status"]';
export const WEBVIEW_FRAMES = ['iframe.webview', '#active-frame'];

export function hasBridge(): boolean {
  return BRIDGE !== undefined;
}

/** For `before`/`it`: skips when the runner cannot show what the workbench draws. */
export function requireBridge(ctx: Mocha.Context): void {
  if (!hasBridge()) ctx.skip();
}

async function post<T>(route: string, body: unknown): Promise<T> {
  if (!BRIDGE) throw new Error('no workbench bridge in this runner');
  const res = await fetch(`${BRIDGE}${route}`, { method: 'POST', body: JSON.stringify(body) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`workbench bridge ${route} answered ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

export async function read(q: Query): Promise<{ texts: string[]; attributes?: (string | null)[] }> {
  try {
    return await post('/text', q);
  } catch (err) {
    if (q.hasText === undefined) throw err;
    // Say what was there instead, so a failure explains itself.
    const seen = await post<{ texts: string[] }>('/text', { ...q, hasText: undefined }).catch(() => ({ texts: [] }));
    throw new Error(`'${q.hasText}' never appeared in ${q.selector}; it showed ${JSON.stringify(seen.texts)}`);
  }
}

export async function click(q: Query): Promise<void> {
  await post('/click', q);
}

/** Moves the mouse over the first match, so its hover (tooltip) opens. */
export async function hover(q: Pick<Query, 'selector' | 'frames' | 'timeoutMs'> & { force?: boolean }): Promise<void> {
  await post('/hover', q);
}

const HOVER = '.monaco-hover, .workbench-hover';

/**
 * Opens the status bar item's tooltip afresh (mouse away, then over it) until it shows `hasText`, and returns its
 * lines. A hover can fail to open when the item re-renders under the mouse (its text or tooltip changed just then),
 * as a person would move the mouse again.
 */
export async function statusTooltip(hasText: string, timeoutMs = 15_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await hover({ selector: '.part.editor', force: true, timeoutMs: 2_000 });
    await hover({ selector: `${STATUS_ITEM} a`, timeoutMs: 2_000 });
    try {
      return (await read({ selector: HOVER, hasText, timeoutMs: 3_000 })).texts;
    } catch (err) {
      if (Date.now() >= deadline) throw err;
    }
  }
}

export async function screenshot(name: string): Promise<void> {
  if (hasBridge()) await post('/screenshot', { name });
}

/** Types into whatever has focus (a quick pick, an input box) and then presses `press`, as a person would. */
export async function keyboard(input: { type?: string; press?: string }): Promise<void> {
  await post('/keyboard', input);
}
