import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';

/**
 * `npm run bench`: bundles the benchmark with esbuild the way the extension and CLI are built (so it measures
 * the shipped code, not tsx's transform, which wraps every named closure in a keep-names call), then runs the
 * bundle in a child node with --expose-gc. Arguments pass through (see bench/main.ts); `--no-bundle` runs the
 * TypeScript sources in this process instead; `--script=layers` or `--script=stageCosts` runs that diagnostic instead.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const script = args.find((a) => a.startsWith('--script='))?.slice(9) ?? 'main';
  if (!/^[A-Za-z]+$/.test(script)) throw new Error(`bad --script name '${script}'`);
  const passOn = [...args.filter((a) => a !== '--no-bundle' && !a.startsWith('--out=') && !a.startsWith('--script=')), `--out=${outFile(args)}`];
  if (args.includes('--no-bundle')) {
    process.argv = [process.argv[0], process.argv[1], ...passOn];
    await import(`./${script}`);
    return;
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'llm-router-bench-build-'));
  try {
    await build({
      entryPoints: [path.join(__dirname, `${script}.ts`), path.join(__dirname, 'emulatorProcess.ts')],
      outdir: dir,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      mainFields: ['module', 'main'],
      external: ['protobufjs/minimal'],
      logLevel: 'warning',
    });
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, ['--expose-gc', ...cpuProfFlags(), path.join(dir, `${script}.js`), ...passOn], { stdio: 'inherit' });
      child.once('error', reject);
      child.once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
    });
    process.exitCode = code;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function outFile(args: string[]): string {
  const given = args.find((a) => a.startsWith('--out='))?.slice(6);
  return path.resolve(given ?? path.join(__dirname, 'results.json'));
}

/**
 * BENCH_CPU_PROF=<dir> profiles the benchmark process (node --cpu-prof), for looking into a missed target;
 * BENCH_CPU_PROF_INTERVAL=<µs> samples more often than the default 1000 µs.
 */
function cpuProfFlags(): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return [];
  const interval = Number(process.env.BENCH_CPU_PROF_INTERVAL);
  return ['--cpu-prof', `--cpu-prof-dir=${path.resolve(dir)}`, ...(interval > 0 ? [`--cpu-prof-interval=${Math.round(interval)}`] : [])];
}

main().catch((err: unknown) => {
  process.stderr.write(`benchmark crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
