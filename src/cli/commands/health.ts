import type { ProviderConfig } from '../../engine/config/schema';
import { firstSet, keySourceFor } from '../../engine/providers/vendorKeys';
import { round } from '../printResult';
import { keysLine, rateLimitLine } from '../statsText';
import { withEngine, type CliIo, type CommonOptions } from '../session';

/** Which variable's key goes to which host: never the value. */
export interface KeyReport {
  /** The variable the key is read from (the one set, else the first one tried); null when none may be used. */
  variable: string | null;
  /** 'apiKeyEnv': named by the config; 'vendor': the official host's usual variable; 'none'. */
  origin: 'apiKeyEnv' | 'vendor' | 'none';
  sentTo: string;
  set: boolean;
  /** Set when the kind's vendor variable exists but is not sent to this host. */
  withheld?: string;
}

function keyReport(p: ProviderConfig, env: NodeJS.ProcessEnv = process.env): KeyReport {
  const source = keySourceFor(p);
  const set = firstSet(source.variables, env);
  const withheld = source.withheld && firstSet(source.withheld.variables, env);
  return { variable: set ?? source.variables[0] ?? null, origin: source.origin, sentTo: source.host, set: set !== undefined, ...(withheld ? { withheld } : {}) };
}

function keyLine(k: KeyReport): string {
  if (k.variable === null) return `key: none sent to ${k.sentTo}${k.withheld ? ` (${k.withheld} is only sent to its vendor's host; name a variable in providers[].apiKeyEnv)` : ''}`;
  const from = k.origin === 'apiKeyEnv' ? 'providers[].apiKeyEnv' : "the vendor's usual variable";
  return `key: ${k.variable} (${from}${k.set ? '' : ', not set'}) → ${k.sentTo}`;
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

export async function runHealth(opts: CommonOptions & { json: boolean }, io: CliIo): Promise<number> {
  return withEngine(opts, io, async (engine) => {
    const probes = await engine.health(io.signal);
    // Labelled after the probe with the same definition the status bar and the dashboard use.
    const statuses = engine.providers();
    const health = new Map(statuses.map((p) => [p.id, { state: p.health.state, reason: p.health.reason }]));
    const rateLimits = new Map(statuses.map((p) => [p.id, p.rateLimit]));
    const keyStates = new Map(statuses.map((p) => [p.id, p.keys]));
    const keys = new Map(engine.config.providers.map((p) => [p.id, keyReport(p)]));
    if (opts.json) {
      io.stdout.write(`${JSON.stringify({ providers: probes.map((p) => ({ ...p, latencyMs: round(p.latencyMs), health: health.get(p.provider), key: keys.get(p.provider), ...optional('rateLimit', rateLimits.get(p.provider)), ...optional('keys', keyStates.get(p.provider)) })) }, null, 2)}\n`);
    } else {
      for (const p of probes) {
        const status = p.ok ? 'ok' : `FAIL ${p.errorClass}${p.status ? ` (HTTP ${p.status})` : ''}`;
        const h = health.get(p.provider);
        io.stdout.write(`${p.provider.padEnd(20)} ${p.model.padEnd(32)} ${status.padEnd(28)} ${String(Math.round(p.latencyMs)).padStart(6)} ms  ${h?.state ?? 'unknown'}\n`);
        if (h) io.stdout.write(`  ${h.reason}\n`);
        const key = keys.get(p.provider);
        if (key) io.stdout.write(`  ${keyLine(key)}\n`);
        const rateLimit = rateLimits.get(p.provider);
        if (rateLimit) io.stdout.write(`  ${rateLimitLine(rateLimit)}\n`);
        const keyState = keyStates.get(p.provider);
        if (keyState) io.stdout.write(`  ${keysLine(keyState)}\n`);
        if (!p.ok && p.message) io.stdout.write(`  ${p.message}\n`);
      }
    }
    return probes.length > 0 && probes.some((p) => p.ok) ? 0 : 3;
  });
}
