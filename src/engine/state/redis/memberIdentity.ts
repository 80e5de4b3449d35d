import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import * as path from 'node:path';

/** Who a member is in the team's metrics. Nothing in it comes from a key, a password or a prompt. */
export interface MemberIdentity {
  id: string;
  label: string;
}

/**
 * The same id for every process of one state folder on one machine (the editor's windows and the CLI, which share
 * their local metrics too), a different one per folder or machine. Without a state folder, one per process.
 */
export function memberIdentity(stateDir: string | undefined, host: string = hostname()): MemberIdentity {
  const seed = stateDir === undefined ? randomUUID() : `${host}\0${path.resolve(stateDir)}`;
  const id = createHash('sha256').update(seed).digest('hex').slice(0, 12);
  return { id, label: `${host || 'unknown host'} (${id.slice(0, 6)})` };
}
