import { access } from 'node:fs/promises';
import * as path from 'node:path';
import { userFolders } from '../engine/state/userFolders';
import { UsageError } from './exitCodes';

/** Names a config file for every command, like --config. */
const CONFIG_ENV = 'LLM_ROUTER_CONFIG';

/**
 * The config file to read: the one the user names (--config, then LLM_ROUTER_CONFIG), else config.json or
 * config.jsonc in the user's config folder. The current directory is never searched: a cloned repository
 * must not be able to choose where requests and keys go.
 */
export async function locateConfig(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Promise<string> {
  if (explicit !== undefined) return explicit;
  const named = env[CONFIG_ENV];
  if (named) {
    if (!(await exists(named))) throw new UsageError(`${CONFIG_ENV} names '${named}', which does not exist; fix the variable or unset it to use your config folder (${userFolders(env, platform).config})`);
    return named;
  }
  const dir = userFolders(env, platform).config;
  const candidates = [path.join(dir, 'config.json'), path.join(dir, 'config.jsonc')];
  for (const file of candidates) {
    if (await exists(file)) return file;
  }
  throw new UsageError(
    `no config file found. Looked for ${candidates.join(' and ')}.\n` +
      `Create ${candidates[0]} with your providers (the llmRouter.* settings without the prefix, e.g. {"providers": [{"id": "openai", "kind": "openai", "model": "gpt-4o-mini"}]}),\n` +
      `or name a file with --config FILE or the ${CONFIG_ENV} environment variable. The current directory is not searched.`,
  );
}

function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}
