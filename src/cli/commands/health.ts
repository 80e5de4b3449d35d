import { round } from '../printResult';
import { withEngine, type CliIo, type CommonOptions } from '../session';

export async function runHealth(opts: CommonOptions & { json: boolean }, io: CliIo): Promise<number> {
  return withEngine(opts, io, async (engine) => {
    const probes = await engine.health(io.signal);
    if (opts.json) {
      io.stdout.write(`${JSON.stringify({ providers: probes.map((p) => ({ ...p, latencyMs: round(p.latencyMs) })) }, null, 2)}\n`);
    } else {
      for (const p of probes) {
        const status = p.ok ? 'ok' : `FAIL ${p.errorClass}${p.status ? ` (HTTP ${p.status})` : ''}`;
        io.stdout.write(`${p.provider.padEnd(20)} ${p.model.padEnd(32)} ${status.padEnd(28)} ${String(Math.round(p.latencyMs)).padStart(6)} ms  breaker ${p.breaker}\n`);
        if (!p.ok && p.message) io.stdout.write(`  ${p.message}\n`);
      }
    }
    return probes.length > 0 && probes.some((p) => p.ok) ? 0 : 3;
  });
}
