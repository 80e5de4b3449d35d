import type { ProviderKind } from '../../src/engine/types';
import { startEmulator, type Fault } from './server';

const KINDS: ProviderKind[] = ['openai', 'openai-compatible', 'anthropic', 'gemini', 'cohere', 'ollama'];
const DEMO_FAULTS: Fault[] = [
  { type: 'status', status: 429, retryAfterSeconds: 1 },
  { type: 'status', status: 503 },
  { type: 'delay', ms: 1500 },
  { type: 'cut', afterChunks: 1 },
];

const USAGE = `Usage: npx tsx test/emulator/cli.ts [--port 8787] [--host 127.0.0.1] [--name demo]
  [--reply "text"] [--chunks 4] [--model name] [--fault-rate 0.2 --seed 1]`;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function numberOption(name: string): number | undefined {
  const raw = option(name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new Error(`--${name} needs a number, got "${raw}"`);
  return n;
}

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const emulator = await startEmulator({
    port: numberOption('port') ?? 0,
    host: option('host'),
    name: option('name'),
    reply: option('reply'),
    chunks: numberOption('chunks'),
    model: option('model'),
  });
  const rate = numberOption('fault-rate');
  if (rate !== undefined) emulator.setRandomFaults({ rate, kinds: DEMO_FAULTS, seed: numberOption('seed') ?? 1 });

  console.log(`Emulator "${emulator.name}" listening on ${emulator.origin}`);
  for (const kind of KINDS) console.log(`  ${kind.padEnd(18)} baseUrl ${emulator.baseUrl(kind)}`);
  if (rate !== undefined) console.log(`  random faults at rate ${rate}`);
  console.log('Press Ctrl+C to stop.');

  const stop = (): void => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
