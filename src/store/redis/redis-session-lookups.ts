import { CoalescedLookups } from '../coalesced-lookups.ts';
import { defineScripts } from './redis-commands.ts';
import type { RedisClient } from './redis-connection.ts';
import { groupByBucket, type RedisKeys } from './redis-keys.ts';

export const SESSION_FIELDS = ['h', 'u', 'n', 'p', 'c', 'l', 'i', 'a', 'ip', 'ua'] as const;

/** A session hash's fields as HMGET answers them (null when there is no such session). */
export type SessionFields = Array<string | null>;

/**
 * Reads many sessions of one bucket: KEYS[1] routes the call to the bucket's slot, ARGV[1] is
 * the bucket's key base and ARGV[2..] the ID hashes. Answers one HMGET reply per hash, in order
 * (a missing session: all fields nil). Read-only.
 */
const READ_SESSIONS = `
local out = {}
for i = 2, #ARGV do
  out[i - 1] = redis.call('HMGET', ARGV[1] .. 's:' .. ARGV[i], ${SESSION_FIELDS.map((f) => `'${f}'`).join(', ')})
end
return out
`;

/**
 * Session lookups by ID hash for the validation hot path: the reads of concurrent checks go as
 * one command (one script per bucket on a Cluster, where a command stays in one slot), so the
 * node writes, reads and decodes one command for many checks. One in flight: Redis answers in
 * microseconds, so the size of the batch, not the number of fetches, is what saves the node its
 * system calls and per-command work.
 */
export function redisSessionLookups(client: RedisClient, keys: RedisKeys): CoalescedLookups<SessionFields> {
  const scripts = defineScripts(client, { sdReadSessions: READ_SESSIONS });
  const fetchBucket = async (bucket: number, hashes: string[]): Promise<Array<[string, SessionFields]>> => {
    if (hashes.length === 1) return [[hashes[0]!, await client.hmget(keys.session(hashes[0]!), ...SESSION_FIELDS)]];
    const reply = await scripts.sdReadSessions(keys.session(hashes[0]!), keys.base(bucket), ...hashes);
    if (!Array.isArray(reply) || reply.length !== hashes.length) throw new Error('unexpected reply from a sessiond Redis script');
    return hashes.map((hash, i) => [hash, reply[i] as SessionFields]);
  };
  return new CoalescedLookups(
    async (hashes) => {
      const groups = groupByBucket(hashes, (h) => keys.bucketOf(h));
      const answers = await Promise.all(
        [...groups].map(([bucket, positions]) => fetchBucket(bucket, positions.map((p) => hashes[p]!))),
      );
      return new Map(answers.flat());
    },
    { maxInFlight: 1, maxBatch: 256 },
  );
}
