import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { routedOf, statsOf } from '../../metrics/metricsQuery';
import type { MetricsWindow, RequestRecord } from '../../metrics/metricsTypes';
import { MINUTE_MS, minuteOf, RETAIN_MINUTES } from '../../metrics/minuteBuckets';
import type { TeamMember, TeamMetrics, TeamMetricsSnapshot, TeamStats, TeamWindow } from '../../metrics/teamMetrics';
import { DebouncedSave, SerialQueue } from '../backgroundSave';
import type { StateStore } from '../stateStore';
import type { MemberIdentity } from './memberIdentity';
import { emptyTally, fromFields, toFields, type FieldList, type MinuteTally } from './metricFields';
import { pendingMetricsDocument, type MetricsBatch } from './pendingMetrics';
import type { SharedStateClient } from './sharedStateClient';

/** How long after a member's first unpublished record its metrics go out: one write per member per interval. */
const PUBLISH_INTERVAL_MS = 5_000;
/** After a failed publish, background publishes wait this long (unless Redis reconnects first), so an outage adds one stored batch a minute. */
const RETRY_AFTER_FAILURE_MS = 60_000;
/** A minute hash outlives the 24 h the windows look back, by an hour for clocks and late merges. */
const MINUTE_TTL_S = (RETAIN_MINUTES + 60) * 60;
/** All-time totals and the member list outlive a member's last write by this long. */
const MEMBER_TTL_S = 400 * 86_400;
/** Applied batch ids are remembered this long; a stored batch older than that is dropped rather than risk counting it twice. */
const APPLIED_TTL_S = 40 * 86_400;

// KEYS: applied marker, all-time hash, member list, then per minute its hash and its hour's. ARGV: marker and
// all-time ttls (s), member id, member JSON, then per minute a JSON array [minute's expiry, hour's expiry (epoch s),
// field, value, …].
// Adds every field to its minute, its hour and the all-time totals, at most once per batch id.
const ADD_BATCH_LUA = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
redis.call('HSET', KEYS[3], ARGV[3], ARGV[4])
for i = 4, #KEYS, 2 do
  local m = cjson.decode(ARGV[(i - 4) / 2 + 5])
  for j = 3, #m, 2 do
    redis.call('HINCRBYFLOAT', KEYS[i], m[j], m[j + 1])
    redis.call('HINCRBYFLOAT', KEYS[i + 1], m[j], m[j + 1])
    redis.call('HINCRBYFLOAT', KEYS[2], m[j], m[j + 1])
  end
  redis.call('EXPIREAT', KEYS[i], m[1])
  redis.call('EXPIREAT', KEYS[i + 1], m[2])
end
redis.call('EXPIRE', KEYS[2], ARGV[2])
redis.call('EXPIRE', KEYS[3], ARGV[2])
return 1
`;

// KEYS: hashes to add up. Returns the sums as [field, value, …]: one small reply per member however long the window.
const SUM_LUA = `
local sum, order = {}, {}
for i = 1, #KEYS do
  local h = redis.call('HGETALL', KEYS[i])
  for j = 1, #h, 2 do
    local f = h[j]
    if sum[f] == nil then
      sum[f] = 0
      order[#order + 1] = f
    end
    sum[f] = sum[f] + tonumber(h[j + 1])
  end
end
local out = {}
for _, f in ipairs(order) do
  out[#out + 1] = f
  out[#out + 1] = string.format('%.17g', sum[f])
end
return out
`;

interface MetricsScripts {
  llmrAddMetrics(numKeys: number, ...args: string[]): Promise<number>;
  llmrSumMetrics(numKeys: number, ...keys: string[]): Promise<string[]>;
}

interface MemberEntry {
  label: string;
  seenAt: number;
}

/**
 * Team metrics in Redis. Recording only adds to this member's tally of the minute; every few seconds the tally is cut
 * into a batch with an id and added to per-minute hashes (`metrics:minute:<member>:<minute>`, expiring after 25 h)
 * and all-time totals (`metrics:all:<member>`) in one Lua step that applies each id once. A batch Redis did not take
 * waits in this user's state folder and is merged when Redis is back: a timed-out batch Redis applied after all is
 * recognised by its id, so nothing is lost or counted twice.
 */
export class RedisTeamMetrics implements TeamMetrics {
  private current = new Map<number, MinuteTally>();
  /** Cut batches not yet applied, oldest first; only without a state folder, which otherwise keeps them. */
  private readonly waiting: MetricsBatch[] = [];
  /** Whether the state folder may hold batches (this process's or an earlier run's). */
  private storedWaiting = true;
  private retryAfter = 0;
  private readonly queue = new SerialQueue();
  private readonly background: DebouncedSave;
  private readonly now: () => number;

  constructor(
    private readonly client: SharedStateClient,
    private readonly member: MemberIdentity,
    private readonly localStore: StateStore | undefined,
    now?: () => number,
  ) {
    this.now = now ?? Date.now;
    client.redis.defineCommand('llmrAddMetrics', { lua: ADD_BATCH_LUA });
    client.redis.defineCommand('llmrSumMetrics', { lua: SUM_LUA });
    this.background = new DebouncedSave(() => this.publish(false), PUBLISH_INTERVAL_MS);
    client.onReady(() => {
      this.retryAfter = 0;
      this.storedWaiting = true;
      void this.publish(true);
    });
  }

  recordRequest(r: RequestRecord, at: number): void {
    this.tally(at).cell.add(r);
    this.background.schedule();
  }

  recordCache(hit: boolean, at: number): void {
    const t = this.tally(at);
    if (hit) t.cacheHits++;
    else t.cacheMisses++;
    this.background.schedule();
  }

  flush(): Promise<void> {
    this.background.cancel();
    return this.publish(true);
  }

  async close(): Promise<void> {
    await this.flush();
  }

  async read(window: MetricsWindow, minutes: TeamWindow): Promise<TeamMetricsSnapshot | undefined> {
    await this.flush();
    const listed = await this.client.call((redis) => redis.hgetall(this.client.key('metrics', 'members')), 'report');
    if (!listed) return undefined;
    const members = this.liveMembers(listed);
    const sums = await this.client.call((redis) => Promise.all(members.map(([id]) => this.sum(redis, this.windowKeys(id, minutes)))), 'report');
    if (!sums) return undefined;
    const total = emptyTally();
    const found: TeamMember[] = [];
    members.forEach(([id, entry], i) => {
      const t = fromFields(sums[i]);
      if (t.cell.requests === 0 && t.cacheHits + t.cacheMisses === 0) return;
      total.cell.merge(t.cell);
      total.cacheHits += t.cacheHits;
      total.cacheMisses += t.cacheMisses;
      found.push({ id, label: entry.label, lastSeenAt: entry.seenAt, ...teamStatsOf(t) });
    });
    found.sort((a, b) => b.requests - a.requests || (a.label < b.label ? -1 : 1));
    return { window, self: this.member.id, total: teamStatsOf(total), members: found };
  }

  private tally(at: number): MinuteTally {
    const m = minuteOf(at);
    let t = this.current.get(m);
    if (!t) {
      t = emptyTally();
      this.current.set(m, t);
    }
    return t;
  }

  /** Never rejects: what Redis does not take is kept for the next attempt. */
  private publish(force: boolean): Promise<void> {
    return this.queue.run(async () => {
      if (!force && this.now() < this.retryAfter) {
        this.background.schedule();
        return;
      }
      this.cut();
      if ((await this.sendWaiting()) && this.storedWaiting) await this.mergeStored();
    }).catch(() => undefined);
  }

  private cut(): void {
    if (this.current.size === 0) return;
    const minutes = [...this.current].map(([minute, t]) => ({ minute, fields: toFields(t) }));
    this.current = new Map();
    this.waiting.push({ id: randomUUID(), at: this.now(), minutes });
  }

  /** Applies the batches in memory in order; on failure stores them in the state folder. True when all went. */
  private async sendWaiting(): Promise<boolean> {
    while (this.waiting.length > 0) {
      if ((await this.apply(this.waiting[0])) === undefined) {
        this.retryAfter = this.now() + RETRY_AFTER_FAILURE_MS;
        await this.store(this.waiting);
        return false;
      }
      this.waiting.shift();
    }
    return true;
  }

  private async store(batches: MetricsBatch[]): Promise<void> {
    if (!this.localStore) return;
    const moving = batches.slice();
    try {
      await this.localStore.update(pendingMetricsDocument, (stored) => [...stored, ...moving]);
      batches.splice(0, moving.length);
      this.storedWaiting = true;
    } catch {
      // The store has warned; the batches stay in memory for the next attempt.
    }
  }

  /** Merges the batches the state folder holds, this process's and those of earlier runs; each id counts once in Redis. */
  private async mergeStored(): Promise<void> {
    if (!this.localStore) return;
    const stored = await this.localStore.read(pendingMetricsDocument);
    const oldest = this.now() - (APPLIED_TTL_S - 86_400) * 1_000;
    const done = new Set<string>();
    for (const batch of stored) {
      if (batch.at >= oldest && (await this.apply(batch)) === undefined) break;
      done.add(batch.id);
    }
    if (done.size > 0) await this.localStore.update(pendingMetricsDocument, (current) => current.filter((b) => !done.has(b.id)));
    this.storedWaiting = done.size < stored.length;
  }

  private apply(batch: MetricsBatch): Promise<number | undefined> {
    const perMinuteKeys = batch.minutes.flatMap((m) => [this.minuteKey(this.member.id, m.minute), this.hourKey(this.member.id, Math.floor(m.minute / 60))]);
    const keys = [this.client.key('metrics', 'applied', batch.id), this.allTimeKey(this.member.id), this.client.key('metrics', 'members'), ...perMinuteKeys];
    const entry: MemberEntry = { label: this.member.label, seenAt: this.now() };
    const expiresAt = (minute: number) => Math.floor(((minute + 1) * MINUTE_MS) / 1_000) + MINUTE_TTL_S;
    // An hour lives as long as its last minute, whichever of its minutes a batch brings.
    const perMinute = batch.minutes.map((m) => JSON.stringify([expiresAt(m.minute), expiresAt(Math.floor(m.minute / 60) * 60 + 59), ...m.fields]));
    return this.client.call((redis) => scriptsOf(redis).llmrAddMetrics(keys.length, ...keys, String(APPLIED_TTL_S), String(MEMBER_TTL_S), this.member.id, JSON.stringify(entry), ...perMinute));
  }

  private sum(redis: Redis, keys: string[]): Promise<FieldList> {
    return scriptsOf(redis).llmrSumMetrics(keys.length, ...keys);
  }

  private windowKeys(member: string, minutes: TeamWindow): string[] {
    if (minutes === 'all') return [this.allTimeKey(member)];
    // Whole hours inside the window are read from their hour hash: a day is some 70 hashes, not 1,440, so the
    // server-side sum that blocks Redis for everyone stays short.
    const keys: string[] = [];
    let m = Math.max(minutes.first, minutes.last - RETAIN_MINUTES);
    while (m <= minutes.last) {
      if (m % 60 === 0 && m + 59 <= minutes.last) {
        keys.push(this.hourKey(member, m / 60));
        m += 60;
      } else {
        keys.push(this.minuteKey(member, m));
        m += 1;
      }
    }
    return keys;
  }

  /** Members in the list, without those silent longer than their totals are kept (dropped from the list as well). */
  private liveMembers(listed: Record<string, string>): [string, MemberEntry][] {
    const expired = this.now() - MEMBER_TTL_S * 1_000;
    const live: [string, MemberEntry][] = [];
    const gone: string[] = [];
    for (const [id, json] of Object.entries(listed)) {
      const entry = parseMember(json);
      if (entry && entry.seenAt >= expired) live.push([id, entry]);
      else gone.push(id);
    }
    if (gone.length > 0) void this.client.call((redis) => redis.hdel(this.client.key('metrics', 'members'), ...gone));
    return live;
  }

  private minuteKey(member: string, minute: number): string {
    return this.client.key('metrics', 'minute', member, String(minute));
  }

  private hourKey(member: string, hour: number): string {
    return this.client.key('metrics', 'hour', member, String(hour));
  }

  private allTimeKey(member: string): string {
    return this.client.key('metrics', 'all', member);
  }
}

function scriptsOf(redis: Redis): MetricsScripts {
  return redis as unknown as MetricsScripts;
}

function parseMember(json: string): MemberEntry | undefined {
  try {
    const v = JSON.parse(json) as Partial<MemberEntry>;
    return typeof v.label === 'string' && typeof v.seenAt === 'number' ? { label: v.label.slice(0, 200), seenAt: v.seenAt } : undefined;
  } catch {
    return undefined;
  }
}

function teamStatsOf(t: MinuteTally): TeamStats {
  const stats = statsOf(t.cell);
  const lookups = t.cacheHits + t.cacheMisses;
  return { ...stats, routed: routedOf(stats), cache: { hits: t.cacheHits, misses: t.cacheMisses, hitRate: lookups > 0 ? t.cacheHits / lookups : null } };
}
