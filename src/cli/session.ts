import { RouterEngine } from '../engine/engine';
import { locateConfig } from './configLocation';
import { defaultStateDir } from './defaultStateDir';
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

/** Loads the config, runs `fn` with an engine on the state dir, and always persists state afterwards. */
export async function withEngine<T>(opts: CommonOptions, io: CliIo, fn: (engine: RouterEngine) => Promise<T>): Promise<T> {
  const configPath = await locateConfig(opts.config);
  const { config, warnings } = await readConfigFile(configPath);
  for (const w of warnings) io.stderr.write(`llm-router: warning: ${configPath}: ${w}\n`);
  const engine = new RouterEngine({
    config,
    stateDir: opts.stateDir ?? defaultStateDir(),
    warn: (message) => io.stderr.write(`llm-router: warning: ${message}\n`),
  });
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}
