import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface FileLockOptions {
  /** Give up (throw) after waiting this long for another holder. */
  timeoutMs?: number;
  /** A lock file older than this is from a holder that hung or died on another host, and is broken. */
  staleMs?: number;
  /** Base pause between attempts; jittered so two waiters do not retry in lockstep. */
  retryMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What a holder writes into its lock file, so a waiter on the same host can tell whether it is still alive. */
function lockOwner(): string {
  return `${process.pid}\n${os.hostname()}\n`;
}

/**
 * Runs `fn` while holding `lockFile`, created with O_EXCL so only one process at a time can hold it.
 * Used around read-merge-write of a shared state document: the atomic rename alone would let two writers
 * each write "disk + own delta" and one delta would be lost.
 */
export async function withFileLock<T>(lockFile: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const staleMs = options.staleMs ?? 10_000;
  const retryMs = options.retryMs ?? 15;
  const deadline = Date.now() + timeoutMs;
  await fs.mkdir(path.dirname(lockFile), { recursive: true });
  for (;;) {
    try {
      const handle = await fs.open(lockFile, 'wx', 0o600);
      await handle.writeFile(lockOwner()).finally(() => handle.close());
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (await breakIfStale(lockFile, staleMs)) continue;
    if (Date.now() >= deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for the lock ${lockFile}`);
    await sleep(retryMs * (0.5 + Math.random()));
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lockFile, { force: true });
  }
}

/** A lock whose holder died (its pid is gone on this host) or that is older than `staleMs`. */
async function isStale(lockFile: string, mtimeMs: number, staleMs: number): Promise<boolean> {
  if (Date.now() - mtimeMs >= staleMs) return true;
  const text = await fs.readFile(lockFile, 'utf8').catch(() => '');
  const [pid, host] = text.split('\n');
  // An empty file is a holder between creating and writing it: alive, for now.
  if (!/^\d+$/.test(pid ?? '') || host !== os.hostname()) return false;
  return !isProcessAlive(Number(pid));
}

/** Whether a process with this pid runs on this host (EPERM: it does, under another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes a lock left by a dead holder. The file is first renamed to a unique name, so of several waiters
 * that all saw it stale only one removes it; if what was renamed turns out to be a fresh lock (someone broke the
 * stale one and took the lock in between), it is put back.
 */
async function breakIfStale(lockFile: string, staleMs: number): Promise<boolean> {
  let seen;
  try {
    seen = await fs.stat(lockFile);
  } catch {
    return true; // released meanwhile: try again at once
  }
  if (!(await isStale(lockFile, seen.mtimeMs, staleMs))) return false;
  const grabbed = `${lockFile}.stale-${randomBytes(4).toString('hex')}`;
  try {
    await fs.rename(lockFile, grabbed);
  } catch {
    return true;
  }
  const got = await fs.stat(grabbed);
  if (got.ino !== seen.ino) await fs.link(grabbed, lockFile).catch(() => undefined);
  await fs.rm(grabbed, { force: true });
  return true;
}
