import { CoalescedLookups } from '../coalesced-lookups.ts';
import type { RedisClient } from './redis-connection.ts';
import { groupByBucket, type RedisKeys } from './redis-keys.ts';

export const SESSION_FIELDS = ['h', 'u', 'n', 'p', 'c', 'l', 'i', 'a', 'ip', 'ua'] as const;

/** A session hash's fields as HMGET answers them (null when there is no such session). */
export type SessionFields = Array<string | null>;

/**
 * Session lookups by ID hash for the validation hot path: the HMGETs of concurrent checks leave
 * in one pipeline (one write, one read), one per bucket on a Cluster, where a pipeline must stay
 * in one slot. One in flight: Redis answers a pipeline in microseconds, so the batch, not the
 * number of fetches, is what saves the node its system calls.
 */
export function redisSessionLookups(client: RedisClient, keys: RedisKeys): CoalescedLookups<SessionFields> {
  const fetchBucket = async (hashes: string[]): Promise<Array<[string, SessionFields]>> => {
    if (hashes.length === 1) return [[hashes[0]!, await client.hmget(keys.session(hashes[0]!), ...SESSION_FIELDS)]];
    const pipeline = client.pipeline();
    for (const hash of hashes) pipeline.hmget(keys.session(hash), ...SESSION_FIELDS);
    const replies = (await pipeline.exec()) ?? [];
    return hashes.map((hash, i) => {
      const [error, fields] = replies[i] ?? [new Error('Redis answered a pipeline short')];
      if (error) throw error;
      return [hash, fields as SessionFields];
    });
  };
  return new CoalescedLookups(
    async (hashes) => {
      const groups = groupByBucket(hashes, (h) => keys.bucketOf(h));
      const answers = await Promise.all([...groups.values()].map((positions) => fetchBucket(positions.map((p) => hashes[p]!))));
      return new Map(answers.flat());
    },
    { maxInFlight: 1, maxBatch: 256 },
  );
}
