// Types for TypeScript tests that drive the workbench with Playwright. playwright-core lives in the
// cache folder, not in this repo's node_modules, so Page resolves to `any` unless it is installed.
import type { Page } from 'playwright-core';

export const DEFAULT_TIMEOUT_MS: number;
/** Environment variable naming the window's user-data folder (logs, extension storage), for the tests. */
export const USER_DATA_ENV: string;

export interface WorkbenchOptions {
  /** Folder with the extension's package.json. */
  extensionDir: string;
  /** Tests entry: a .js file exporting `async run()`. */
  tests?: string;
  /** Folder to open; default: a fresh empty folder. */
  workspace?: string;
  /** Environment for code-server, inherited by the extension host. */
  env?: Record<string, string>;
  /** VS Code user settings. */
  settings?: Record<string, unknown>;
  workspaceTrust?: boolean;
  screenshotDir?: string;
  verbose?: boolean;
  log?: (level: string, message: string) => void;
  viewport?: { width: number; height: number };
}

export interface Workbench {
  page: Page;
  origin: string;
  workspace: string;
  /** Resolves with the tests' exit code (only when `tests` was given). */
  testsExit: Promise<number>;
  serverExit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  serverOutput(): string;
  close(): Promise<void>;
}

export function launchWorkbench(opts: WorkbenchOptions): Promise<Workbench>;
export function runCodeServerTests(opts: WorkbenchOptions & { tests: string; timeoutMs?: number }): Promise<number>;
export function workbenchUrl(origin: string, workspace: string, extensionDir: string, tests?: string): string;
