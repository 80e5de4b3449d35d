// Lets tests running inside the extension host ask what the workbench shows (status bar,
// notifications) through Playwright, over loopback HTTP. Its URL reaches the extension host in
// the environment variable below; it is absent under @vscode/test-electron, so such tests skip.
import { createServer } from 'node:http';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export const BRIDGE_ENV = 'LLM_ROUTER_WORKBENCH_BRIDGE';

/**
 * POST /text        {"selector": ".statusbar", "hasText"?: "Router", "timeoutMs"?: 10000,
 *                    "frames"?: ["iframe.webview", "#active-frame"], "attribute"?: "class"}
 *                   → {"texts": [innerText of each match], "attributes"?: [that attribute of each match]};
 *                   with hasText, first waits for a match. `frames` are iframe selectors to descend
 *                   through first (a webview's content sits two iframes deep).
 * POST /click       {"selector": ".notification-toast .monaco-button", "hasText": "Cancel", "timeoutMs"?: 10000,
 *                    "frames"?: [...]} → {"clicked": true}; clicks the first match once it is visible.
 * POST /keyboard    {"type"?: "text to type", "press"?: "Enter"} → {"typed": true}; types into whatever has
 *                   focus (a quick pick, an input box), then presses the key, as a person would.
 * POST /hover       {"selector": "...", "timeoutMs"?: 10000, "frames"?: [...], "force"?: false} → {"hovered": true};
 *                   moves the mouse over the first visible match (then read the hover with /text). `force`
 *                   skips the check that nothing covers it (e.g. to move away over a webview).
 * POST /screenshot  {"name": "after-failover"} → {"path": "<screenshot dir>/after-failover.png"}
 */
export async function startWorkbenchBridge() {
  let page;
  let screenshotDir;
  const routes = {
    '/text': async ({ selector, hasText, timeoutMs = 10_000, frames, attribute }) => {
      const locator = locate(page, selector, frames);
      if (hasText !== undefined) await locator.filter({ hasText }).first().waitFor({ timeout: timeoutMs });
      const texts = await locator.allInnerTexts();
      if (attribute === undefined) return { texts };
      if (typeof attribute !== 'string') throw new BadRequest('"attribute" must be a string');
      return { texts, attributes: await locator.evaluateAll((els, name) => els.map((el) => el.getAttribute(name)), attribute) };
    },
    '/click': async ({ selector, hasText, timeoutMs = 10_000, frames }) => {
      const locator = locate(page, selector, frames);
      await (hasText === undefined ? locator : locator.filter({ hasText })).first().click({ timeout: timeoutMs });
      return { clicked: true };
    },
    '/keyboard': async ({ type, press }) => {
      if (type !== undefined && typeof type !== 'string') throw new BadRequest('"type" must be a string');
      if (press !== undefined && typeof press !== 'string') throw new BadRequest('"press" must be a key name');
      if (type) await page.keyboard.type(type);
      if (press) await page.keyboard.press(press);
      return { typed: true };
    },
    '/hover': async ({ selector, timeoutMs = 10_000, frames, force = false }) => {
      await locate(page, selector, frames).first().hover({ timeout: timeoutMs, force: force === true });
      return { hovered: true };
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

function locate(page, selector, frames = []) {
  if (typeof selector !== 'string') throw new BadRequest('"selector" must be a string');
  if (!Array.isArray(frames) || frames.some((f) => typeof f !== 'string')) throw new BadRequest('"frames" must be an array of selectors');
  const scope = frames.reduce((outer, frame) => outer.frameLocator(frame), page);
  return scope.locator(selector);
}

class BadRequest extends Error {}
