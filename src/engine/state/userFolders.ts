import * as os from 'node:os';
import * as path from 'node:path';

export interface UserFolders {
  /** Spend, budgets, metrics and breakers: the user's own, shared by every editor window and the CLI. */
  state: string;
  /** The response cache, which may be deleted at any time. */
  cache: string;
}

/**
 * The user's folders as each OS names them. Spend is state, not cache: a cache cleaner that empties
 * `~/.cache` must not reset a budget.
 */
export function userFolders(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = os.homedir()): UserFolders {
  if (platform === 'win32') {
    const base = path.win32.join(env.LOCALAPPDATA || path.win32.join(home, 'AppData', 'Local'), 'llm-router');
    return { state: path.win32.join(base, 'State'), cache: path.win32.join(base, 'Cache') };
  }
  if (platform === 'darwin') {
    return { state: path.posix.join(home, 'Library', 'Application Support', 'llm-router', 'State'), cache: path.posix.join(home, 'Library', 'Caches', 'llm-router') };
  }
  // XDG base directories: a relative value is invalid and must be ignored.
  const xdg = (name: string, fallback: string) => (env[name] && path.posix.isAbsolute(env[name] as string) ? (env[name] as string) : path.posix.join(home, fallback));
  return { state: path.posix.join(xdg('XDG_STATE_HOME', '.local/state'), 'llm-router'), cache: path.posix.join(xdg('XDG_CACHE_HOME', '.cache'), 'llm-router') };
}
