import * as os from 'node:os';
import * as path from 'node:path';

/** The user's cache folder, as each OS names it. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return path.join(env.LOCALAPPDATA ?? path.join(os.homedir(), 'AppData', 'Local'), 'llm-router', 'Cache');
  if (platform === 'darwin') return path.join(os.homedir(), 'Library', 'Caches', 'llm-router');
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'llm-router');
}
