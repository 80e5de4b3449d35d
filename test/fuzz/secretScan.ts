import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { decodeCacheFile } from '../../src/engine/cache/cacheFile';
import type { Emulator } from '../emulator/server';

/** Where a secret was found, for a readable failure message. */
export interface Leak {
  where: string;
  needle: string;
  context: string;
}

/** Finds any needle in text; the context shows the surroundings with the needle itself masked. */
export function scanText(where: string, text: string, needles: string[]): Leak[] {
  const leaks: Leak[] = [];
  for (const needle of needles) {
    const at = text.indexOf(needle);
    if (at >= 0) leaks.push({ where, needle: `${needle.slice(0, 6)}…`, context: text.slice(Math.max(0, at - 60), at + needle.length + 60).split(needle).join('<KEY>') });
  }
  return leaks;
}

/** Every file under a state dir, cache.bin decompressed with the cache's own decoder. */
export async function scanStateDir(dir: string, needles: string[]): Promise<{ leaks: Leak[]; files: string[] }> {
  const leaks: Leak[] = [];
  const files: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const name of await readdir(d)) {
      const full = path.join(d, name);
      if ((await stat(full)).isDirectory()) {
        await walk(full);
        continue;
      }
      files.push(full);
      const bytes = await readFile(full);
      leaks.push(...scanText(full, bytes.toString('latin1'), needles), ...scanText(full, bytes.toString('utf8'), needles));
      if (name.startsWith('cache.bin')) {
        const decoded = await decodeCacheFile(bytes);
        if (decoded.ok) leaks.push(...scanText(`${full} (decoded)`, JSON.stringify(decoded.entries), needles));
      }
    }
  };
  await walk(dir);
  return { leaks, files };
}

/**
 * The only place a key may appear is the auth header of requests to its own provider: checks every recorded
 * request's path, query, body and other headers, and that other providers never saw the key at all.
 * Returns the leaks and how many requests carried the provider's own key in a header.
 */
export function scanEmulatorRequests(emulators: Record<string, Emulator>, keyOf: Record<string, string>): { leaks: Leak[]; keyedRequests: number } {
  const leaks: Leak[] = [];
  let keyedRequests = 0;
  const all = Object.values(keyOf);
  for (const [id, em] of Object.entries(emulators)) {
    const own = keyOf[id];
    for (const [i, r] of em.requests.entries()) {
      const where = `request #${i} to ${id}`;
      leaks.push(...scanText(`${where} path/query/body`, `${r.path}?${r.query.toString()} ${JSON.stringify(r.body)}`, all));
      for (const [name, value] of Object.entries(r.headers)) {
        const text = Array.isArray(value) ? value.join(', ') : String(value);
        const others = all.filter((k) => k !== own);
        leaks.push(...scanText(`${where} header ${name}`, text, others));
        if (own && text.includes(own)) {
          if (['authorization', 'x-api-key', 'x-goog-api-key'].includes(name)) keyedRequests++;
          else leaks.push(...scanText(`${where} header ${name}`, text, [own]));
        }
      }
    }
  }
  return { leaks, keyedRequests };
}
