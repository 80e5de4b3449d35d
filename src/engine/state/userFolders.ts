import * as os from 'node:os';
import * as path from 'node:path';

export interface UserFolders {
  /** The CLI's config.json / config.jsonc. */
  config: string;
  /** Spend, budgets, metrics and breakers: the user's own, shared by every editor window and the CLI. */
  state: string;
  /** The response cache, which may be deleted at any time. */
  cache: string;
}

/**
 * The user's folders as each OS names them (the CLI's config, its state and its cache). Spend is state, not cache: a cache cleaner that empties
 * `~/.cache` must not reset a budget.
 */
export function userFolders(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = os.homedir()): UserFolders {
  if (platform === 'win32') {
    const base = path.win32.join(env.LOCALAPPDATA || path.win32.join(home, 'AppData', 'Local'), 'llm-router');
    const config = path.win32.join(env.APPDATA || path.win32.join(home, 'AppData', 'Roaming'), 'llm-router');
    return { config, state: path.win32.join(base, 'State'), cache: path.win32.join(base, 'Cache') };
  }
  if (platform === 'darwin') {
    const config = path.posix.join(home, 'Library', 'Application Support', 'llm-router');
    return { config, state: path.posix.join(config, 'State'), cache: path.posix.join(home, 'Library', 'Caches', 'llm-router') };
  }
  // XDG base directories: a relative value is invalid and must be ignored.
  const xdg = (name: string, fallback: string) => (env[name] && path.posix.isAbsolute(env[name] as string) ? (env[name] as string) : path.posix.join(home, fallback));
  return {
    config: path.posix.join(xdg('XDG_CONFIG_HOME', '.config'), 'llm-router'),
    state: path.posix.join(xdg('XDG_STATE_HOME', '.local/state'), 'llm-router'),
    cache: path.posix.join(xdg('XDG_CACHE_HOME', '.cache'), 'llm-router'),
  };
}
