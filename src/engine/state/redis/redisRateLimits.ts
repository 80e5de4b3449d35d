import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type { RateLimitSnapshot } from '../../http/rateLimitHeaders';
import type { TeamHeadroom, TeamPacing, TeamSlot } from '../../routing/teamPacing';
import type { SharedStateClient } from './sharedStateClient';

// KEYS: a scope's announced headroom. ARGV: observedAt, the snapshot's JSON, when its last window resets (epoch ms).
// Keeps only the newest word from the provider; the key expires with the last window it names.
const NEWER_HEADROOM_LUA = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local t = tonumber(string.match(cur, '^(%d+)|'))
  if t and t >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'PXAT', ARGV[3])
return 1
`;

// KEYS: the provider's sent set. ARGV: now, window (ms), rpm and tpm (-1: none), the request's tokens, its member.
// Counts the window as every member sees it and adds the request only if it fits; otherwise returns when the
// slot it needs frees up (epoch ms) and which limit holds it, as `<until>|rpm`. A request bigger than tpm alone goes
// once the window is empty.
const RESERVE_SLOT_LUA = `
local now, win = tonumber(ARGV[1]), tonumber(ARGV[2])
local rpm, tpm, tokens = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - win)
local e = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local n = #e / 2
local untilAt, by = 0, 'rpm'
if rpm >= 0 and n >= rpm then untilAt = tonumber(e[(n - rpm) * 2 + 2]) + win end
if tpm >= 0 then
  local sum = 0
  for i = 1, #e, 2 do sum = sum + (tonumber(string.match(e[i], '|(%d+)$')) or 0) end
  local i = 1
  while sum + tokens > tpm and i <= #e do
    sum = sum - (tonumber(string.match(e[i], '|(%d+)$')) or 0)
    local t = tonumber(e[i + 1]) + win
    if t > untilAt then untilAt, by = t, 'tpm' end
    i = i + 2
  end
end
if untilAt > now then return tostring(untilAt) .. '|' .. by end
redis.call('ZADD', KEYS[1], now, ARGV[6])
redis.call('PEXPIRE', KEYS[1], 2 * win)
return 0
`;

interface RateLimitScripts {
  llmrNewerHeadroom(key: string, observedAt: string, json: string, expireAt: string): Promise<number>;
  llmrReserveSlot(key: string, now: string, windowMs: string, rpm: string, tpm: string, tokens: string, member: string): Promise<number | string>;
}

/**
 * Rate limits for a team: the newest headroom any member heard per scope (one string key each), and each provider's
 * requests inside the `limits.rpm`/`limits.tpm` window (one sorted set per provider, scored by when each counts,
 * members `<process>:<id>|<tokens>`). Members' clocks are assumed in step, as NTP keeps them.
 */
export class RedisRateLimits implements TeamPacing {
  private readonly token = randomUUID();

  constructor(
    private readonly client: SharedStateClient,
    private readonly windowMs: number,
  ) {
    client.redis.defineCommand('llmrNewerHeadroom', { numberOfKeys: 1, lua: NEWER_HEADROOM_LUA });
    client.redis.defineCommand('llmrReserveSlot', { numberOfKeys: 1, lua: RESERVE_SLOT_LUA });
  }

  announced(scope: string, snapshot: RateLimitSnapshot, observedAt: number): void {
    const resets = Object.values(snapshot).map((w) => w?.resetAt ?? 0);
    const expireAt = Math.ceil(Math.max(0, ...resets));
    if (expireAt <= observedAt) return;
    const json = JSON.stringify(snapshot);
    void this.client.call((redis) => (redis as unknown as RateLimitScripts).llmrNewerHeadroom(this.headroomKey(scope), String(Math.floor(observedAt)), json, String(expireAt)));
  }

  /** Also drops what left the window, so the set stays as small as a minute's requests and reads stay read-only. */
  async reserve(provider: string, id: string, tokens: number, at: number, limits: { rpm?: number; tpm?: number }): Promise<TeamSlot | undefined> {
    const args = [String(Math.floor(at)), String(this.windowMs), String(limits.rpm ?? -1), String(limits.tpm ?? -1), String(tokens), this.member(id, tokens)] as const;
    const reply = await this.client.call((redis) => (redis as unknown as RateLimitScripts).llmrReserveSlot(this.sentKey(provider), ...args));
    if (reply === undefined) return undefined;
    const [until, by] = String(reply).split('|');
    return Number(until) > 0 ? { ok: false, until: Number(until), limitedBy: by === 'tpm' ? 'tpm' : 'rpm' } : { ok: true };
  }

  settled(provider: string, id: string, sentTokens: number, tokens: number, at: number): void {
    const key = this.sentKey(provider);
    void this.client.call((redis) => redis.multi().zrem(key, this.member(id, sentTokens)).zadd(key, at, this.member(id, tokens)).pexpire(key, 2 * this.windowMs).exec());
  }

  async read(scopes: readonly string[]): Promise<TeamHeadroom | undefined> {
    if (scopes.length === 0) return new Map();
    const values = await this.client.call((redis: Redis) => redis.mget(scopes.map((s) => this.headroomKey(s))));
    if (!values) return undefined;
    const announced: TeamHeadroom = new Map();
    values.forEach((v, j) => {
      const parsed = v === null ? undefined : parseAnnounced(v);
      if (parsed) announced.set(scopes[j], parsed);
    });
    return announced;
  }

  private member(id: string, tokens: number): string {
    return `${this.token}:${id}|${tokens}`;
  }

  private headroomKey(scope: string): string {
    return this.client.key('headroom', encodeURIComponent(scope));
  }

  private sentKey(provider: string): string {
    return this.client.key('sent', encodeURIComponent(provider));
  }
}

function parseAnnounced(value: string): { observedAt: number; snapshot: RateLimitSnapshot } | undefined {
  const bar = value.indexOf('|');
  const observedAt = Number(value.slice(0, bar));
  try {
    const snapshot = JSON.parse(value.slice(bar + 1)) as RateLimitSnapshot;
    return bar > 0 && Number.isFinite(observedAt) && snapshot && typeof snapshot === 'object' ? { observedAt, snapshot } : undefined;
  } catch {
    return undefined;
  }
}
