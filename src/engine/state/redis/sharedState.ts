import type { SharedStateConfig } from '../../config/schema';
import type { TeamBudget } from '../../cost/teamBudget';
import type { StateStore } from '../stateStore';
import { RedisTeamBudget } from './redisTeamBudget';
import { SharedStateClient } from './sharedStateClient';

/** What a team shares through its Redis/Valkey, one part per entry of `sharedState.share`. */
export interface SharedState {
  readonly client: SharedStateClient;
  readonly budget?: TeamBudget;
  close(): Promise<void>;
}

export interface OpenSharedStateOptions {
  /** Defaults to the environment variable named by `passwordEnv`. */
  password?: string;
  /** This user's own state, where what Redis could not take waits to be merged. */
  localStore?: StateStore;
  warn: (message: string) => void;
  now?: () => number;
}

export function openSharedState(config: SharedStateConfig, options: OpenSharedStateOptions): SharedState {
  const password = options.password ?? (config.passwordEnv ? process.env[config.passwordEnv] : undefined);
  if (config.passwordEnv && !password) {
    options.warn(`Shared state: the environment variable ${config.passwordEnv} (sharedState.passwordEnv) is not set; connecting to Redis without a password.`);
  }
  const client = new SharedStateClient({ config, password: password || undefined, warn: options.warn, now: options.now });
  const budget = config.share.includes('budget') ? new RedisTeamBudget(client, options.localStore) : undefined;
  return {
    client,
    budget,
    close: async () => {
      await budget?.close();
      await client.close();
    },
  };
}
