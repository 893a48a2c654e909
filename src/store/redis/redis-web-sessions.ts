import type { WebSessionRecords } from '../../core/ports/web-session-records.ts';
import { expiresAt } from '../../core/expiry.ts';
import type { WebSessionRecord } from '../../core/types.ts';
import { defineScripts } from './redis-commands.ts';
import { guarded, type RedisClient } from './redis-connection.ts';
import type { RedisKeys } from './redis-keys.ts';
import { webSessionFromFields } from './redis-records.ts';

/**
 * The web tier's cookie sessions: a hash per session with a TTL that follows its expiry, and a
 * per-bucket expiry index the sweep works from. Nothing to audit, so no record is kept past
 * expiry.
 */
/**
 * Web sessions: hash w:<id> (h, c, l, i, a, d) with a TTL, and the bucket's `wexp` index.
 * ARGV: base, id, h, c, l, i, a, data, ttlMs
 */
const INSERT_WEB = `
local base, id = ARGV[1], ARGV[2]
local key = base .. 'w:' .. id
redis.call('HSET', key, 'h', ARGV[3], 'c', ARGV[4], 'l', ARGV[5], 'i', ARGV[6], 'a', ARGV[7], 'd', ARGV[8])
redis.call('PEXPIRE', key, ARGV[9])
redis.call('ZADD', base .. 'wexp', math.min(tonumber(ARGV[6]), tonumber(ARGV[7])), id)
return 1
`;

/** ARGV: base, id, lastSeenAt, idleExpiresAt, data, graceMs */
const UPDATE_WEB = `
local base, id = ARGV[1], ARGV[2]
local key = base .. 'w:' .. id
local a = redis.call('HGET', key, 'a')
if not a then return 0 end
redis.call('HSET', key, 'l', ARGV[3], 'i', ARGV[4], 'd', ARGV[5])
local expires = math.min(tonumber(ARGV[4]), tonumber(a))
redis.call('ZADD', base .. 'wexp', expires, id)
redis.call('PEXPIRE', key, math.max(1, expires - tonumber(ARGV[3]) + tonumber(ARGV[6])))
return 1
`;

/** ARGV: base, id */
const DELETE_WEB = `
local removed = redis.call('DEL', ARGV[1] .. 'w:' .. ARGV[2])
redis.call('ZREM', ARGV[1] .. 'wexp', ARGV[2])
return removed
`;

/** ARGV: base, now, limit. Answers how many expired web sessions it removed. */
const SWEEP_WEB = `
local base = ARGV[1]
local ids = redis.call('ZRANGEBYSCORE', base .. 'wexp', '-inf', tonumber(ARGV[2]), 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
  redis.call('DEL', base .. 'w:' .. id)
  redis.call('ZREM', base .. 'wexp', id)
end
return #ids
`;

const WEB_FIELDS = ['h', 'c', 'l', 'i', 'a', 'd'] as const;

export class RedisWebSessions implements WebSessionRecords {
  private readonly scripts;

  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
    private readonly graceMs: number,
  ) {
    this.scripts = defineScripts(client, { sdInsertWeb: INSERT_WEB, sdUpdateWeb: UPDATE_WEB, sdDeleteWeb: DELETE_WEB, sdSweepWeb: SWEEP_WEB });
  }

  async insert(r: WebSessionRecord): Promise<void> {
    const base = this.keys.base(this.keys.bucketOf(r.idHash));
    const ttl = Math.max(1, expiresAt(r) - r.lastSeenAt + this.graceMs);
    await guarded(() =>
      this.scripts.sdInsertWeb(`${base}w:${r.idHash}`, base, r.idHash, r.handle, r.createdAt, r.lastSeenAt, r.idleExpiresAt, r.absoluteExpiresAt, r.data, ttl),
    );
  }

  async find(idHash: string): Promise<WebSessionRecord | null> {
    const fields = await guarded(() => this.client.hmget(this.keys.webSession(idHash), ...WEB_FIELDS));
    return webSessionFromFields(idHash, fields);
  }

  async update(idHash: string, change: Pick<WebSessionRecord, 'lastSeenAt' | 'idleExpiresAt' | 'data'>): Promise<void> {
    const base = this.keys.base(this.keys.bucketOf(idHash));
    await guarded(() =>
      this.scripts.sdUpdateWeb(`${base}w:${idHash}`, base, idHash, change.lastSeenAt, change.idleExpiresAt, change.data, this.graceMs),
    );
  }

  async delete(idHash: string): Promise<boolean> {
    const base = this.keys.base(this.keys.bucketOf(idHash));
    return (await guarded(() => this.scripts.sdDeleteWeb(`${base}w:${idHash}`, base, idHash))) === 1;
  }

  async sweepExpired(now: number, limit: number): Promise<number> {
    let removed = 0;
    for (const base of this.keys.allBases()) {
      if (removed >= limit) break;
      removed += Number(await guarded(() => this.scripts.sdSweepWeb(`${base}wexp`, base, now, limit - removed)));
    }
    return removed;
  }
}
