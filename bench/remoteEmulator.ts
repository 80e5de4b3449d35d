import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

export interface RemoteEmulator {
  origin: string;
  /** OpenAI-style base URL (origin + /v1). */
  openaiBaseUrl: string;
  pid: number;
  close(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

/** Starts the emulator process on loopback: the bundled emulatorProcess.js next to a bundled benchmark, else the .ts via tsx. */
export function startRemoteEmulator(): Promise<RemoteEmulator> {
  const bundled = __filename.endsWith('.js');
  const args = bundled ? [path.join(__dirname, 'emulatorProcess.js')] : ['--import', 'tsx', path.join(__dirname, 'emulatorProcess.ts')];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error('the benchmark emulator did not start in time'));
    }, START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the benchmark emulator exited early (code ${code})`));
    });
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      clearTimeout(timer);
      const { origin } = JSON.parse(line) as { origin: string };
      resolve({
        origin,
        openaiBaseUrl: `${origin}/v1`,
        pid: child.pid as number,
        async close() {
          child.stdin.end();
          const killer = setTimeout(() => child.kill(), 5_000);
          await exited;
          clearTimeout(killer);
        },
      });
    });
  });
}
