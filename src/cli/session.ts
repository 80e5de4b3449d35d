import { RouterEngine, type EngineOptions } from '../engine/engine';
import { userFolders } from '../engine/state/userFolders';
import { locateConfig } from './configLocation';
import { readConfigFile } from './readConfig';

export interface CommonOptions {
  config?: string;
  stateDir?: string;
}

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
}

/**
 * Loads the config, runs `fn` with an engine, and always persists state afterwards. State goes to `--state-dir`
 * when given (cache included), else to the user's folders that the editor shares.
 */
export async function withEngine<T>(opts: CommonOptions, io: CliIo, fn: (engine: RouterEngine) => Promise<T>, extra: Pick<EngineOptions, 'backgroundProbes'> = {}): Promise<T> {
  const configPath = await locateConfig(opts.config);
  const { config, warnings } = await readConfigFile(configPath);
  for (const w of warnings) io.stderr.write(`llm-router: warning: ${configPath}: ${w}\n`);
  for (const p of config.providers.filter((p) => p.kind === 'vscode-lm' && p.enabled !== false)) {
    io.stderr.write(`llm-router: warning: ${configPath}: provider '${p.id}' is of kind 'vscode-lm' (the editor's own models): only the VS Code extension can use it, so the CLI skips it.\n`);
  }
  const engine = new RouterEngine({
    config,
    stateDir: opts.stateDir ?? userFolders().state,
    cacheDir: opts.stateDir ?? userFolders().cache,
    warn: (message) => io.stderr.write(`llm-router: warning: ${message}\n`),
    ...extra,
  });
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}
