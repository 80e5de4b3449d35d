import { startEmulator } from '../test/emulator/server';

/**
 * The provider emulator in its own process, so the benchmark process holds only the client (its CPU
 * profile and heap are the engine's). Prints its origin as one JSON line; exits when stdin closes,
 * so it never outlives the benchmark.
 */
async function main(): Promise<void> {
  // One short piece: the benchmark measures the client, so the server's work per request is kept small.
  const emulator = await startEmulator({
    name: 'bench',
    reply: 'Hello from the benchmark emulator.',
    chunks: 1,
    // BENCH_TOOL_REQUEST asks for the weather: answered with one call, as a model using tools would.
    toolCallsFn: (prompt) => (prompt.includes('weather') ? [{ name: 'get_weather', arguments: { city: 'Zürich', days: 3, units: 'metric' } }] : undefined),
  });
  // The emulator records every request; forgetting them keeps its memory and GC pauses flat.
  const forget = setInterval(() => emulator.reset(), 200);
  const stop = (): void => {
    clearInterval(forget);
    void emulator.close().finally(() => process.exit(0));
  };
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify({ origin: emulator.origin })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench emulator failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
