import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { userFolders } from '../../../src/engine/state/userFolders';

const USER_DATA = process.env.LLM_ROUTER_USER_DATA_DIR;
const EXTENSION_FOLDER = 'llm-router.llm-router';

/** The window's user-data folder (set by the code-server runner); undefined under other runners. */
export function userDataDir(): string | undefined {
  return USER_DATA && existsSync(USER_DATA) ? USER_DATA : undefined;
}

function filesUnder(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    const stat = statSync(full);
    if (stat.isDirectory()) filesUnder(full, out);
    else if (stat.isFile()) out.push(full);
  }
  return out;
}

/** The `LLM Router` log channel's file: `<logs>/<session>/exthost*\/llm-router.llm-router/LLM Router.log`. */
export function routerLogFile(): string | undefined {
  const root = userDataDir();
  if (!root) return undefined;
  return filesUnder(path.join(root, 'logs')).find((f) => f.endsWith(path.join(EXTENSION_FOLDER, 'LLM Router.log')));
}

/** Everything the extension wrote: its log folders, its global and workspace storage (the cache) and the user's state folder. */
export function extensionFiles(): string[] {
  const root = userDataDir();
  const inUserData = root ? filesUnder(root).filter((f) => f.split(path.sep).includes(EXTENSION_FOLDER)) : [];
  return [...inUserData, ...filesUnder(userFolders().state)];
}

/** The files among `files` whose bytes contain `secret`. */
export function filesContaining(files: string[], secret: string): string[] {
  return files.filter((f) => readFileSync(f).includes(secret));
}
