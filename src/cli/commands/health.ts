import { round } from '../printResult';
import { withEngine, type CliIo, type CommonOptions } from '../session';

export async function runHealth(opts: CommonOptions & { json: boolean }, io: CliIo): Promise<number> {
  return withEngine(opts, io, async (engine) => {
    const probes = await engine.health(io.signal);
    // Labelled after the probe with the same definition the status bar and the dashboard use.
    const health = new Map(engine.providerHealth().map((h) => [h.provider, { state: h.state, reason: h.reason }]));
    if (opts.json) {
      io.stdout.write(`${JSON.stringify({ providers: probes.map((p) => ({ ...p, latencyMs: round(p.latencyMs), health: health.get(p.provider) })) }, null, 2)}\n`);
    } else {
      for (const p of probes) {
        const status = p.ok ? 'ok' : `FAIL ${p.errorClass}${p.status ? ` (HTTP ${p.status})` : ''}`;
        const h = health.get(p.provider);
        io.stdout.write(`${p.provider.padEnd(20)} ${p.model.padEnd(32)} ${status.padEnd(28)} ${String(Math.round(p.latencyMs)).padStart(6)} ms  ${h?.state ?? 'unknown'}\n`);
        if (h) io.stdout.write(`  ${h.reason}\n`);
      }
    }
    return probes.length > 0 && probes.some((p) => p.ok) ? 0 : 3;
  });
}
