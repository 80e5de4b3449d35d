import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Writes via a unique temp file and rename, so a reader (or another process) never sees half a file. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.writeFile(tmp, data, { mode: 0o600 });
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/** Reads a file, or undefined when it does not exist. Other errors (permissions) propagate. */
export async function readFileIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * A state file that exists but cannot be read (no permission, or a directory in its place): it is set aside
 * like a corrupt one, since otherwise every later load and save would fail on it too.
 */
export function isUnreadableFileError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EACCES' || code === 'EPERM' || code === 'EISDIR';
}

/** Moves an unreadable state file aside (kept for inspection) so the engine can start fresh. */
export async function setAside(file: string): Promise<string> {
  const dest = `${file}.corrupt-${Date.now()}`;
  await fs.rename(file, dest);
  return dest;
}
