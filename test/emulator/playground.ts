// `npm start` runs this (with tsx) next to VS Code: the simulated providers of the playground. Its first
// stdout line is JSON ({ control, providers, keyEnv, keyValue }); it stops on SIGINT/SIGTERM or when
// its parent closes stdin, so it never outlives `npm start`.
import { PLAYGROUND_KEY_ENV, PLAYGROUND_KEY_VALUE, startPlaygroundFleet } from './playgroundFleet';

async function main(): Promise<void> {
  const fleet = await startPlaygroundFleet();
  process.stdout.write(`${JSON.stringify({ control: fleet.control, providers: fleet.providers, keyEnv: PLAYGROUND_KEY_ENV, keyValue: PLAYGROUND_KEY_VALUE })}\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void fleet.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
