import { parseArgs } from 'node:util';
import { runChaos } from './chaosRun';
import { failedGuarantees, formatFigures } from './figuresTable';

const USAGE = 'Usage: npm run chaos -- [--requests N] [--concurrency C] [--fault-rate R] [--seed S] [--cancel-rate R] [--tool-share R] [--json]';

function numberFlag(raw: string | undefined, name: string, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number from ${min} to ${max} (got '${raw}')`);
  return n;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string' },
      concurrency: { type: 'string' },
      'fault-rate': { type: 'string' },
      'cancel-rate': { type: 'string' },
      'tool-share': { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const figures = await runChaos({
    requests: numberFlag(values.requests, 'requests', 10, 1_000_000),
    concurrency: numberFlag(values.concurrency, 'concurrency', 1, 10_000),
    faultRate: numberFlag(values['fault-rate'], 'fault-rate', 0, 1),
    cancelRate: numberFlag(values['cancel-rate'], 'cancel-rate', 0, 1),
    toolShare: numberFlag(values['tool-share'], 'tool-share', 0, 1),
    seed: numberFlag(values.seed, 'seed', 0, 2 ** 31),
    log: (line) => process.stderr.write(`  ${line}\n`),
  });
  process.stdout.write(values.json ? `${JSON.stringify(figures, null, 2)}\n` : `${formatFigures(figures)}\n`);
  const failed = failedGuarantees(figures);
  if (failed.length > 0) {
    process.stderr.write(`\nFAILED: ${failed.join('; ')}\n`);
    return 1;
  }
  process.stderr.write('\nAll guarantees held.\n');
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`chaos: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    process.exitCode = 2;
  },
);
