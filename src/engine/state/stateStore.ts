import type { z } from 'zod';

/** A decoded state document, or why it could not be used (the reason goes into the set-aside warning). */
export type Decoded<T> = { ok: true; data: T } | { ok: false; reason: string };

/** How one named state document (costs, metrics, breakers, the response cache) is stored. */
export interface StateDocument<T> {
  /** Unique within a store, e.g. `costs.json`; a file store uses it as the file name. */
  readonly name: string;
  /** What the document holds, for messages: "cost ledger". */
  readonly label: string;
  decode(bytes: Buffer): Decoded<T> | Promise<Decoded<T>>;
  encode(value: T): string | Uint8Array | Promise<string | Uint8Array>;
  /** The state a missing or set-aside document stands for. */
  empty(): T;
}

/**
 * Where the engine's shared state lives: named documents that several processes read and update. The engine
 * only ever sees this interface, so a file store (one user) and a shared server store (a team) are interchangeable.
 *
 * Failures are warned about by the store, once per document until it succeeds again, and then thrown so the
 * caller keeps what it could not save for the next attempt.
 */
export interface StateStore {
  /** Where the documents live, for messages. */
  readonly location: string;
  /** The document as last written by any process; empty when missing. One that cannot be used is set aside. */
  read<T>(doc: StateDocument<T>): Promise<T>;
  /**
   * Reads the document, applies `merge` and writes the result, with no other update of the same document in
   * between (across processes). `merge` returns undefined to leave the document as it is. Returns what is stored.
   */
  update<T>(doc: StateDocument<T>, merge: (current: T) => T | undefined | Promise<T | undefined>): Promise<T>;
  /** Deletes the document. */
  remove(doc: StateDocument<unknown>): Promise<void>;
}

/** JSON text holding a document of exactly `version` that matches `schema`. */
export function decodeVersionedJson<S extends z.ZodType>(bytes: Buffer, version: number, schema: S): Decoded<z.output<S>> {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
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
