import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { dashboardHtml, newNonce } from '../../src/extension/dashboard/dashboardHtml';
import type { HostMessage } from '../../src/extension/dashboard/protocol';
import type { BrowserContext, Page } from './playwright';
import type { Theme } from './themes';

const DIST = path.resolve(__dirname, '../../dist/webview');

export interface WebviewServer {
  origin: string;
  close(): Promise<void>;
}

/** Serves the BUILT bundle in the page the extension generates, with the same Content-Security-Policy. */
export async function serveWebview(): Promise<WebviewServer> {
  const server = http.createServer((req, res) => {
    const origin = `http://${req.headers.host}`;
    const file = req.url === '/main.js' ? 'main.js' : req.url === '/main.css' ? 'main.css' : undefined;
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(dashboardHtml({ cspSource: origin, nonce: newNonce(), scriptUri: `${origin}/main.js`, styleUri: `${origin}/main.css` }));
      return;
    }
    if (req.url === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    readFile(path.join(DIST, file)).then(
      (body) => res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/css' }).end(body),
      () => res.writeHead(404).end(`${file} is not built: run npm run build`),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface PageProbe {
  posted: unknown[];
  state: unknown;
  violations: { directive: string; blocked: string }[];
}

/** The page with a fake VS Code host: records what the webview posts and saves, and any CSP violation. */
export class DashboardPage {
  readonly warnings: string[] = [];
  readonly errors: string[] = [];

  private constructor(readonly page: Page) {
    page.on('console', (m) => {
      if (m.type() === 'warning') this.warnings.push(m.text());
      if (m.type() === 'error') this.errors.push(m.text());
    });
    page.on('pageerror', (e) => this.errors.push(e.message));
  }

  static async open(context: BrowserContext, origin: string, theme: Theme, savedState?: unknown): Promise<DashboardPage> {
    const page = await context.newPage();
    const dp = new DashboardPage(page);
    // tsx compiles the functions handed to the page with calls to its `__name` helper, which the page lacks.
    await page.addInitScript('globalThis.__name = (fn) => fn;');
    await page.addInitScript(
      ({ vars, bodyClass, saved }) => {
        const probe: PageProbe = { posted: [], state: saved, violations: [] };
        (window as unknown as { __probe: PageProbe }).__probe = probe;
        document.addEventListener('securitypolicyviolation', (e) => probe.violations.push({ directive: e.violatedDirective, blocked: e.blockedURI }));
        (window as unknown as { acquireVsCodeApi: () => unknown }).acquireVsCodeApi = () => ({
          postMessage: (m: unknown) => probe.posted.push(m),
          getState: () => probe.state,
          setState: (s: unknown) => {
            probe.state = s;
          },
        });
        // VS Code sets theme variables through the CSSOM and the theme kind as a body class.
        document.addEventListener('DOMContentLoaded', () => {
          for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
          document.body.classList.add(bodyClass);
        });
      },
      { vars: theme.vars, bodyClass: theme.bodyClass, saved: savedState },
    );
    await page.goto(`${origin}/`);
    await dp.waitFor(() => (window as unknown as { __probe: PageProbe }).__probe.posted.length > 0, undefined, 'the webview to post ready');
    return dp;
  }

  /** Delivers a message the way VS Code does: a message event on the page's window. */
  async send(message: HostMessage | unknown): Promise<void> {
    await this.page.evaluate((m) => window.postMessage(m, '*'), message);
  }

  probe(): Promise<PageProbe> {
    return this.page.evaluate(() => (window as unknown as { __probe: PageProbe }).__probe);
  }

  text(selector: string): Promise<string | null> {
    return this.page.evaluate((sel) => document.querySelector(sel)?.textContent ?? null, selector);
  }

  /** Polls until the element's text is (or matches) `expected`; fails with what it was instead. */
  async expectText(selector: string, expected: string | RegExp, timeoutMs = 2_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    let actual: string | null = null;
    while (Date.now() < end) {
      actual = await this.text(selector);
      if (typeof expected === 'string' ? actual === expected : actual !== null && expected.test(actual)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`${selector}: expected text ${String(typeof expected === 'string' ? JSON.stringify(expected) : expected)}, got ${JSON.stringify(actual)}`);
  }

  async waitFor<A>(fn: (arg: A) => boolean, arg: A, what: string, timeoutMs = 3_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (await this.page.evaluate(fn, arg)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`timed out waiting for ${what}`);
  }
}
