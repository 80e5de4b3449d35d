import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type { ProviderBreaker } from '../../resilience/circuitBreaker';
import type { BreakerStore } from '../../resilience/breakerStore';
import { SharedCooldowns, type ProbeLeases, type ResilienceSync } from '../../resilience/sharedResilience';
import type { SharedStateClient } from './sharedStateClient';

/** How often a long-running member reads the team's breakers before a request. */
const BREAKER_REFRESH_MS = 500;

// KEYS: the provider's cooldown. ARGV: until (epoch ms). Keeps the later deadline; the key expires with it.
const LATER_COOLDOWN_LUA = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[1]) end
return 1
`;

// KEYS: a probe lease. ARGV: this process's token. Deletes the lease only if it is still this process's.
const RELEASE_LEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

interface ResilienceScripts {
  llmrLaterCooldown(key: string, until: string): Promise<number>;
  llmrReleaseLease(key: string, token: string): Promise<number>;
}

const NO_LEASES: ProbeLeases = { release: async () => undefined };

/** Breakers (through the breaker document in Redis), Retry-After cooldowns and half-open probe leases for a team. */
export class RedisResilience implements ResilienceSync {
  readonly cooldowns: SharedCooldowns;
  private readonly token = randomUUID();
  private lastRefresh = 0;

  constructor(
    private readonly client: SharedStateClient,
    private readonly breakers: BreakerStore,
    private readonly probeLeaseMs: () => number,
    private readonly now: () => number = Date.now,
  ) {
    client.redis.defineCommand('llmrLaterCooldown', { numberOfKeys: 1, lua: LATER_COOLDOWN_LUA });
    client.redis.defineCommand('llmrReleaseLease', { numberOfKeys: 1, lua: RELEASE_LEASE_LUA });
    this.cooldowns = new SharedCooldowns(now, (provider, until) => this.publishCooldown(provider, until));
  }

  private publishCooldown(provider: string, untilEpochMs: number): void {
    void this.client.call((redis) => this.scripts(redis).llmrLaterCooldown(this.cooldownKey(provider), String(Math.ceil(untilEpochMs))));
  }

  async beforeRouting(breakers: readonly ProviderBreaker[]): Promise<ProbeLeases> {
    if (breakers.length === 0) return NO_LEASES;
    const refreshDue = this.now() - this.lastRefresh >= BREAKER_REFRESH_MS;
    if (refreshDue) this.lastRefresh = this.now();
    const ids = breakers.map((b) => b.provider);
    // Both are reads: one round trip's time, not two.
    const [until] = await Promise.all([
      this.client.call((redis) => redis.mget(ids.map((id) => this.cooldownKey(id)))),
      refreshDue ? this.breakers.refresh(breakers).catch(() => undefined) : undefined,
    ]);
    until?.forEach((v, i) => v !== null && this.cooldowns.adopt(ids[i], Number(v)));
    return this.leaseProbes(breakers.filter((b) => b.state === 'half-open'));
  }

  /** One member probes a half-open provider at a time; the others wait for the lease to end (or fall back). */
  private async leaseProbes(halfOpen: ProviderBreaker[]): Promise<ProbeLeases> {
    if (halfOpen.length === 0) return NO_LEASES;
    const held: string[] = [];
    for (const b of halfOpen) {
      const key = this.client.key('probe', b.provider);
      const got = await this.client.call(async (redis) => ((await redis.set(key, this.token, 'PX', this.probeLeaseMs(), 'NX')) === 'OK' ? 'held' : await redis.pttl(key)));
      if (got === 'held') held.push(key);
      else if (got !== undefined && got > 0) this.cooldowns.adopt(b.provider, this.now() + got);
    }
    return {
      release: async () => {
        for (const key of held) await this.client.call((redis) => this.scripts(redis).llmrReleaseLease(key, this.token));
      },
    };
  }

  private cooldownKey(provider: string): string {
    return this.client.key('cooldown', provider);
  }

  private scripts(redis: Redis): ResilienceScripts {
    return redis as unknown as ResilienceScripts;
  }
}
