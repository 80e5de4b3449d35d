import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CLI_PATH } from './runCli';

export interface Served {
  child: ChildProcessWithoutNullStreams;
  firstLine: string;
  url: string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** `node dist/cli.js serve --port 0 ...` as its own process; resolves once it printed its first stdout line. */
export function serve(args: string[], env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(process.execPath, [CLI_PATH, 'serve', '--port', '0', ...args], { env: { PATH: process.env.PATH ?? '', TEST_PROVIDER_KEY: 'sk-test', ...env }, stdio: 'pipe' });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (firstLine) => resolve({ child, firstLine, url: firstLine.replace(/^listening on /, ''), stderr: () => stderr, exited }));
    void exited.then((code) => reject(new Error(`serve exited ${code} before listening: ${stderr}`)));
  });
}
