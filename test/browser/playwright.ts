import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';

// The few playwright-core types these tests use; the package may live outside the repo (see below).
export interface Page {
  goto(url: string): Promise<unknown>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  evaluate<R>(fn: () => R | Promise<R>): Promise<R>;
  addInitScript<A>(fn: ((arg: A) => void) | string, arg?: A): Promise<void>;
  click(selector: string): Promise<void>;
  keyboard: { press(key: string): Promise<void> };
  focus(selector: string): Promise<void>;
  setViewportSize(size: { width: number; height: number }): Promise<void>;
  screenshot(opts: { path: string; fullPage?: boolean; clip?: { x: number; y: number; width: number; height: number } }): Promise<Buffer>;
  on(event: 'console', fn: (msg: { type(): string; text(): string }) => void): void;
  on(event: 'pageerror', fn: (err: Error) => void): void;
  close(): Promise<void>;
}
export interface BrowserContext {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}
export interface Browser {
  newContext(opts: { viewport: { width: number; height: number }; deviceScaleFactor?: number; timezoneId?: string; locale?: string; colorScheme?: 'light' | 'dark' }): Promise<BrowserContext>;
  close(): Promise<void>;
}
interface PlaywrightCore {
  chromium: { launch(opts: { executablePath: string; headless: boolean; args: string[] }): Promise<Browser> };
}

export const CHROMIUM_PATH = process.env.LLM_ROUTER_CHROMIUM ?? '/usr/bin/chromium';

/** The repo's devDependency when present, else the copy the code-server setup installs into its cache folder. */
export function loadPlaywright(): PlaywrightCore {
  try {
    return require('playwright-core') as PlaywrightCore;
  } catch {
    const cache = path.resolve(process.env.LLM_ROUTER_VSCODE_CACHE ?? path.join(homedir(), '.cache', 'llm-router-vscode'));
    const pkg = path.join(cache, 'package.json');
    if (!existsSync(pkg)) throw new Error(`playwright-core is not installed: add it as a devDependency, or run the code-server setup that installs it into ${cache}.`);
    return createRequire(pkg)('playwright-core') as PlaywrightCore;
  }
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}: run 'node scripts/setup/systemPackages.mjs browser' (npm run test:browser does), or set LLM_ROUTER_CHROMIUM.`);
  return loadPlaywright().chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // Without the networking flags Chromium tries to reach the internet and stalls.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
