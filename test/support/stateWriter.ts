// A separate process writing one state folder, for the multi-process state tests. Run with `node --import tsx`:
//   stateWriter.ts engine <stateDir> <writer> <rounds> <baseUrl>  requests, cache, spend, breaker toggles; saves every round
//   stateWriter.ts counter <stateDir> <writer> <rounds>           adds 1 to a shared counter document per round
//   stateWriter.ts bulk <stateDir>                                rewrites a large document until killed
// Prints the warnings it got, as JSON, on stdout.
import { parseConfig } from '../../src/engine/config/loadConfig';
import { RouterEngine } from '../../src/engine/engine';
import { FileStateStore } from '../../src/engine/state/fileStateStore';
import type { StateDocument } from '../../src/engine/state/stateStore';

export const COUNTER_DOCUMENT: StateDocument<number> = {
  name: 'counter.json',
  label: 'test counter',
  decode: (bytes) => {
    const n = Number(bytes.toString('utf8'));
    return Number.isInteger(n) ? { ok: true, data: n } : { ok: false, reason: 'not an integer' };
  },
  encode: (n) => String(n),
  empty: () => 0,
};

/** A JSON document of about 2 MB whose every element carries the generation, so a torn write cannot parse as whole. */
export const BULK_DOCUMENT: StateDocument<number> = {
  name: 'bulk.json',
  label: 'test bulk document',
  decode: (bytes) => {
    try {
      const doc = JSON.parse(bytes.toString('utf8')) as { generation: number; items: number[] };
      return doc.items.length === BULK_ITEMS && doc.items.every((g) => g === doc.generation) ? { ok: true, data: doc.generation } : { ok: false, reason: 'torn' };
    } catch {
      return { ok: false, reason: 'not valid JSON' };
    }
  },
  encode: (generation) => JSON.stringify({ generation, items: new Array<number>(BULK_ITEMS).fill(generation) }),
  empty: () => 0,
};
const BULK_ITEMS = 300_000;

async function engineWriter(stateDir: string, writer: string, rounds: number, baseUrl: string, warn: (m: string) => void): Promise<void> {
  const own = `own-${writer}`;
  const config = parseConfig({
    providers: [
      { id: 'a', kind: 'openai', model: 'gpt-4o-mini', baseUrl, priority: 1 },
      { id: own, kind: 'openai', model: 'gpt-4o-mini', baseUrl, priority: 2 },
    ],
    retry: { maxAttempts: 1 },
  }).config;
  const engine = new RouterEngine({ config, stateDir, resolveKey: () => 'sk-state-writer', warn });
  for (let r = 0; r < rounds; r++) {
    await engine.chat({ messages: [{ role: 'user', content: `writer ${writer} round ${r}` }] });
    if (r % 2 === 0) engine.isolate(own);
    else engine.restore(own);
    await engine.flush();
  }
  await engine.close();
}

async function main(): Promise<void> {
  const [mode, stateDir, writer, rounds, baseUrl] = process.argv.slice(2);
  const warnings: string[] = [];
  const warn = (m: string) => warnings.push(m);
  const store = new FileStateStore({ dir: stateDir, warn });
  if (mode === 'engine') await engineWriter(stateDir, writer, Number(rounds), baseUrl, warn);
  else if (mode === 'counter') for (let r = 0; r < Number(rounds); r++) await store.update(COUNTER_DOCUMENT, (n) => n + 1);
  else if (mode === 'bulk') for (;;) await store.update(BULK_DOCUMENT, (g) => g + 1);
  else throw new Error(`unknown mode ${mode}`);
  process.stdout.write(JSON.stringify(warnings));
}

if (process.argv[1]?.endsWith('stateWriter.ts')) void main();
