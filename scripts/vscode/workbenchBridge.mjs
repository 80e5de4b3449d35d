// Lets tests running inside the extension host ask what the workbench shows (status bar,
// notifications) through Playwright, over loopback HTTP. Its URL reaches the extension host in
// the environment variable below; it is absent under @vscode/test-electron, so such tests skip.
import { createServer } from 'node:http';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export const BRIDGE_ENV = 'LLM_ROUTER_WORKBENCH_BRIDGE';

/**
 * POST /text        {"selector": ".statusbar", "hasText"?: "Router", "timeoutMs"?: 10000}
 *                   → {"texts": [innerText of each match]}; with hasText, first waits for a match.
 * POST /screenshot  {"name": "after-failover"} → {"path": "<screenshot dir>/after-failover.png"}
 */
export async function startWorkbenchBridge() {
  let page;
  let screenshotDir;
  const routes = {
    '/text': async ({ selector, hasText, timeoutMs = 10_000 }) => {
      if (typeof selector !== 'string') throw new BadRequest('"selector" must be a string');
      const locator = page.locator(selector);
      if (hasText !== undefined) await locator.filter({ hasText }).first().waitFor({ timeout: timeoutMs });
      return { texts: await locator.allInnerTexts() };
    },
    '/screenshot': async ({ name }) => {
      if (!screenshotDir) return { path: null };
      if (typeof name !== 'string' || !/^[\w.-]+$/.test(name)) throw new BadRequest('"name" must be a plain file name');
      mkdirSync(screenshotDir, { recursive: true });
      const file = path.join(screenshotDir, `${name}.png`);
      await page.screenshot({ path: file });
      return { path: file };
    },
  };

  const server = createServer(async (req, res) => {
    const route = req.method === 'POST' ? routes[req.url] : undefined;
    const reply = (status, body) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (!route) return reply(404, { error: `no route ${req.method} ${req.url}` });
    if (!page) return reply(503, { error: 'the workbench page is not open yet' });
    try {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      reply(200, await route(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')));
    } catch (err) {
      reply(err instanceof BadRequest || err instanceof SyntaxError ? 400 : 500, { error: err.message });
    }
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${server.address().port}`,
    attach(openPage, dir) {
      page = openPage;
      screenshotDir = dir && path.resolve(dir);
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

class BadRequest extends Error {}
