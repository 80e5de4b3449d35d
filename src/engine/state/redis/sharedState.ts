import type { SharedStateConfig } from '../../config/schema';
import type { SharedCache } from '../../cache/sharedCache';
import type { TeamBudget } from '../../cost/teamBudget';
import type { BreakerStore } from '../../resilience/breakerStore';
import type { ResilienceSync } from '../../resilience/sharedResilience';
import type { StateStore } from '../stateStore';
import type { TeamPacing } from '../../routing/teamPacing';
import type { TeamMetrics } from '../../metrics/teamMetrics';
import type { MemberIdentity } from './memberIdentity';
import { RedisRateLimits } from './redisRateLimits';
import { RedisResilience } from './redisResilience';
import { RedisResponseCache } from './redisResponseCache';
import { RedisStateStore } from './redisStateStore';
import { RedisTeamBudget } from './redisTeamBudget';
import { RedisTeamMetrics } from './redisTeamMetrics';
import { SharedStateClient } from './sharedStateClient';

/** What a team shares through its Redis/Valkey, one part per entry of `sharedState.share`. */
export interface SharedState {
  readonly client: SharedStateClient;
  readonly budget?: TeamBudget;
  /** Only with `cacheContent`: the cache holds prompts' answers, which such a team keeps out of Redis. */
  readonly cache?: SharedCache;
  /** Where breakers are kept when they are shared. */
  readonly breakerDocuments?: StateStore;
  /** Cooldowns and probe leases beside the shared breakers; `probeLeaseMs` is how long one member may probe. */
  resilience?(breakers: BreakerStore, probeLeaseMs: () => number): ResilienceSync;
  /** Headroom and `limits.rpm`/`limits.tpm` counted team-wide, over a client-limit window of `windowMs`. */
  rateLimits?(windowMs: number): TeamPacing;
  /** Every member's metrics, this one's published under `member`. */
  readonly metrics?: TeamMetrics;
  close(): Promise<void>;
}

export interface OpenSharedStateOptions {
  /** Defaults to the environment variable named by `passwordEnv`. */
  password?: string;
  /** Where the editor's user stores the password, for messages about it. */
  passwordCommand?: string;
  /** The member's `cache.maxBytes`, which also caps one shared entry. */
  cacheMaxBytes: () => number;
  /** This user's own state, where what Redis could not take waits to be merged. */
  localStore?: StateStore;
  /** Who this process is in the team's metrics. */
  member: MemberIdentity;
  warn: (message: string) => void;
  now?: () => number;
}

export function openSharedState(config: SharedStateConfig, options: OpenSharedStateOptions): SharedState {
  const password = options.password ?? (config.passwordEnv ? process.env[config.passwordEnv] : undefined);
  if (config.passwordEnv && !password) {
    options.warn(`Shared state: the environment variable ${config.passwordEnv} (sharedState.passwordEnv) is not set; connecting to Redis without a password.`);
  }
  const client = new SharedStateClient({ config, password: password || undefined, passwordCommand: options.passwordCommand, warn: options.warn, now: options.now });
  const budget = config.share.includes('budget') ? new RedisTeamBudget(client, options.localStore) : undefined;
  const sharesBreakers = config.share.includes('breakers');
  const cache = config.share.includes('cache') && config.cacheContent ? new RedisResponseCache(client, options.cacheMaxBytes, options.now) : undefined;
  const metrics = config.share.includes('metrics') ? new RedisTeamMetrics(client, options.member, options.localStore, options.now) : undefined;
  return {
    client,
    budget,
    cache,
    breakerDocuments: sharesBreakers ? new RedisStateStore(client) : undefined,
    resilience: sharesBreakers ? (breakers, probeLeaseMs) => new RedisResilience(client, breakers, probeLeaseMs, options.now) : undefined,
    rateLimits: config.share.includes('rateLimits') ? (windowMs) => new RedisRateLimits(client, windowMs) : undefined,
    metrics,
    close: async () => {
      await Promise.all([budget?.close(), cache?.close(), metrics?.close()]);
      await client.close();
    },
  };
}
