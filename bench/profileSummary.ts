import { readFileSync } from 'node:fs';

/** Prints where a `node --cpu-prof` profile spent its time: self time by function, and inclusive time of project code. */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function label(n: ProfileNode): string {
  const f = n.callFrame;
  const file = f.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, 'node_modules/').replace(/^.*\/(src|bench|test)\//, '$1/');
  return `${file || '(native)'}:${f.functionName || '(anonymous)'}:${f.lineNumber + 1}`;
}

function main(): void {
  const file = process.argv[2];
  const top = Number(process.argv[3] ?? 40);
  const filter = process.argv[4];
  if (!file) throw new Error('usage: tsx bench/profileSummary.ts <file.cpuprofile> [top] [url-substring for inclusive view]');
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    total += dt;
    selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + dt);
  }
  const selfByLabel = new Map<string, number>();
  const inclByLabel = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id) as ProfileNode;
    selfByLabel.set(label(n), (selfByLabel.get(label(n)) ?? 0) + us);
    // Inclusive: credit each distinct function on the stack once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur) as ProfileNode);
      if (seen.has(l)) continue;
      seen.add(l);
      inclByLabel.set(l, (inclByLabel.get(l) ?? 0) + us);
    }
  }
  const byFile = new Map<string, number>();
  for (const [l, us] of selfByLabel) {
    const f = l.slice(0, l.indexOf(':', l.startsWith('node:') ? 5 : 0));
    byFile.set(f, (byFile.get(f) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  console.log(`total ${(total / 1000).toFixed(0)} ms sampled\n\nSELF time, top ${top}:`);
  for (const [l, us] of [...selfByLabel].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${l}`);
  console.log(`\nSELF time by file, top ${top}:`);
  for (const [f, us] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${f}`);
  const want = filter ?? 'src/';
  console.log(`\nINCLUSIVE time, functions matching '${want}', top ${top}:`);
  for (const [l, us] of [...inclByLabel].filter(([l]) => l.includes(want)).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${l}`);
}

main();
