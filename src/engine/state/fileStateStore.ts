import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isProcessAlive, withFileLock, type FileLockOptions } from './fileLock';
import type { Decoded, StateDocument, StateStore } from './stateStore';
import { WarnOnce } from './warnOnce';

export interface FileStateStoreOptions {
  /** The folder; each document is the file `<dir>/<name>`, locked by `<dir>/<name>.lock`. */
  dir: string;
  warn?: (message: string) => void;
  lock?: FileLockOptions;
}

/** State documents as files in one folder, shared by every process of one user that uses the folder. */
export class FileStateStore implements StateStore {
  readonly location: string;
  private readonly lock: FileLockOptions | undefined;
  private readonly warnings: WarnOnce;

  constructor(options: FileStateStoreOptions) {
    this.location = options.dir;
    this.lock = options.lock;
    this.warnings = new WarnOnce(options.warn ?? (() => undefined));
  }

  private fileOf(doc: StateDocument<unknown>): string {
    return path.join(this.location, doc.name);
  }

  read<T>(doc: StateDocument<T>): Promise<T> {
    return this.reporting(doc, 'read', async () => {
      const r = await this.readFile(doc);
      if (r.ok) return r.data;
      return this.locked(doc, () => this.readOrSetAside(doc));
    });
  }

  update<T>(doc: StateDocument<T>, merge: (current: T) => T | undefined | Promise<T | undefined>): Promise<T> {
    return this.reporting(doc, 'save', () =>
      this.locked(doc, async () => {
        const current = await this.readOrSetAside(doc);
        const next = await merge(current);
        if (next === undefined) return current;
        await this.removeTempFilesOfDeadWriters(doc);
        await writeFileDurably(this.fileOf(doc), await doc.encode(next));
        return next;
      }),
    );
  }

  remove(doc: StateDocument<unknown>): Promise<void> {
    return this.reporting(doc, 'delete', () => this.locked(doc, () => fs.rm(this.fileOf(doc), { force: true })));
  }

  private locked<T>(doc: StateDocument<unknown>, fn: () => Promise<T>): Promise<T> {
    return withFileLock(`${this.fileOf(doc)}.lock`, fn, this.lock);
  }

  private async reporting<T>(doc: StateDocument<unknown>, action: string, fn: () => Promise<T>): Promise<T> {
    // Per action: a read that works says nothing about the saves that keep failing.
    const key = `${doc.name} ${action}`;
    try {
      const result = await fn();
      this.warnings.succeeded(key);
      return result;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      this.warnings.failed(key, `Could not ${action} the ${doc.label} in ${this.fileOf(doc)}: ${why}`);
      throw err;
    }
  }

  private async readFile<T>(doc: StateDocument<T>): Promise<Decoded<T>> {
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(this.fileOf(doc));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { ok: true, data: doc.empty() };
      // Set aside like a corrupt file, since otherwise every later read and save would fail on it too.
      if (code === 'EACCES' || code === 'EPERM' || code === 'EISDIR') return { ok: false, reason: `cannot be read: ${(err as Error).message}` };
      throw err;
    }
    return doc.decode(bytes);
  }

  /** A writer that died mid-write left its temp file (`<name>.<pid>.<random>.tmp`); caller holds the lock. */
  private async removeTempFilesOfDeadWriters(doc: StateDocument<unknown>): Promise<void> {
    const names = await fs.readdir(this.location).catch(() => [] as string[]);
    for (const name of names) {
      const pid = tempFilePid(doc.name, name);
      if (pid !== undefined && !isProcessAlive(pid)) await fs.rm(path.join(this.location, name), { force: true });
    }
  }

  /** Caller holds the lock, so the file set aside is the unusable one and not a good one written meanwhile. */
  private async readOrSetAside<T>(doc: StateDocument<T>): Promise<T> {
    const r = await this.readFile(doc);
    if (r.ok) return r.data;
    const file = this.fileOf(doc);
    // Unique even for two set-asides in one millisecond, so one never replaces the other.
    const movedTo = `${file}.corrupt-${Date.now()}-${randomBytes(3).toString('hex')}`;
    await fs.rename(file, movedTo);
    this.warnings.failed(`${doc.name} set aside`, `The ${doc.label} ${file} could not be used (${r.reason}); moved it to ${movedTo} and started fresh.`);
    return doc.empty();
  }
}

function tempFilePid(docName: string, fileName: string): number | undefined {
  if (!fileName.startsWith(`${docName}.`) || !fileName.endsWith('.tmp')) return undefined;
  const pid = fileName.slice(docName.length + 1).split('.')[0];
  return /^\d+$/.test(pid) ? Number(pid) : undefined;
}

/**
 * Writes via a unique temp file, flushed to disk before it is renamed over the old one, so neither a reader
 * nor a crash ever sees half a file; then syncs the folder so the rename itself survives a crash.
 */
async function writeFileDurably(file: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await fs.open(tmp, 'wx', 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await syncFolder(dir);
}

async function syncFolder(dir: string): Promise<void> {
  // Windows cannot open a folder for syncing; NTFS journals the rename itself.
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
