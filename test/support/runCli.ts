import { spawn } from 'node:child_process';
import * as path from 'node:path';

/** The built CLI; `npm test` builds it before the unit tier. */
export const CLI_PATH = path.resolve(__dirname, '../../dist/cli.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const SEED_PRELOAD = path.resolve(__dirname, 'seedMathRandom.cjs');

/**
 * Runs `node dist/cli.js ARGS` as its own process (in `cwd`) with only PATH and `env` in its environment.
 * With `seed`, the process's Math.random is a PRNG seeded with it, so anything random in the run is reproducible.
 */
export function runCli(args: string[], opts: { env?: Record<string, string>; stdin?: string; cwd?: string; seed?: number } = {}): Promise<CliRun> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...opts.env };
  if (opts.seed !== undefined) {
    env.NODE_OPTIONS = `--require ${JSON.stringify(SEED_PRELOAD)}`;
    env.LLM_ROUTER_TEST_SEED = String(opts.seed);
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { env, stdio: 'pipe', cwd: opts.cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
}
