import type { z } from 'zod';
import { withFileLock, type FileLockOptions } from '../metrics/fileLock';
import { isUnreadableFileError, readFileIfExists, setAside, writeFileAtomic } from './atomicFile';

/** A decoded state file, or why it could not be used (the reason goes into the set-aside warning). */
export type Decoded<T> = { ok: true; data: T } | { ok: false; reason: string };

/** How one kind of shared state file is read and what happens to one that cannot be. */
export interface StateFileFormat<T> {
  decode(text: string): Decoded<T>;
  /** The state a missing or set-aside file stands for. */
  empty(): T;
  /** Told that the file could not be used for `reason` and was moved to `movedTo`. */
  onSetAside(reason: string, movedTo: string): void;
}

/** JSON text holding a document of exactly `version` that matches `schema`. */
export function decodeVersionedJson<S extends z.ZodType>(text: string, version: number, schema: S): Decoded<z.output<S>> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  const found = (doc as { version?: unknown } | null)?.version;
  if (found !== version) return { ok: false, reason: `unsupported version ${JSON.stringify(found)}` };
  const parsed = schema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `unexpected content at ${issue.path.join('.') || '(root)'}: ${issue.message}` };
  }
  return { ok: true, data: parsed.data };
}

export function stateLockFile(file: string): string {
  return `${file}.lock`;
}

async function readState<T>(file: string, format: StateFileFormat<T>): Promise<Decoded<T>> {
  let buf: Buffer | undefined;
  try {
    buf = await readFileIfExists(file);
  } catch (err) {
    if (isUnreadableFileError(err)) return { ok: false, reason: `cannot be read: ${(err as Error).message}` };
    throw err;
  }
  return buf === undefined ? { ok: true, data: format.empty() } : format.decode(buf.toString('utf8'));
}

/** Caller holds the lock, so the file set aside is the unreadable one and not a good one written meanwhile. */
async function readOrSetAside<T>(file: string, format: StateFileFormat<T>): Promise<T> {
  const r = await readState(file, format);
  if (r.ok) return r.data;
  const moved = await setAside(file);
  format.onSetAside(r.reason, moved);
  return format.empty();
}

/** What is on disk; empty when missing. A file that cannot be used is set aside, under the lock. */
export async function loadStateFile<T>(file: string, format: StateFileFormat<T>, lock?: FileLockOptions): Promise<T> {
  const r = await readState(file, format);
  if (r.ok) return r.data;
  return withFileLock(stateLockFile(file), () => readOrSetAside(file, format), lock);
}

/**
 * Reads the file, applies `update` and writes `encode` of the result, all under the lock, so processes
 * sharing the file each add their changes instead of overwriting each other's. Returns what was written.
 */
export async function updateStateFile<T>(
  file: string,
  format: StateFileFormat<T>,
  update: (current: T) => T,
  encode: (next: T) => string,
  lock?: FileLockOptions,
): Promise<T> {
  return withFileLock(
    stateLockFile(file),
    async () => {
      const next = update(await readOrSetAside(file, format));
      await writeFileAtomic(file, encode(next));
      return next;
    },
    lock,
  );
}
