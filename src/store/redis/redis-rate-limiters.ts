import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { StoreRateLimiters } from '../rate-limiters.ts';
import { toStoreError, type RedisClient } from './redis-connection.ts';
import type { RedisKeys } from './redis-keys.ts';

/**
 * Counters in Redis (standalone or Cluster), through rate-limiter-flexible's RateLimiterRedis on
 * the store's ioredis client, under the store's key prefix. Each counter is one key with a TTL,
 * counted by one script, so a Cluster routes it to one slot and Redis expires it.
 */
export function redisRateLimiters(client: RedisClient, keys: RedisKeys): StoreRateLimiters {
  return {
    create: (spec) =>
      new RateLimiterRedis({
        storeClient: client,
        keyPrefix: keys.rateLimiter(spec.name),
        points: spec.points,
        duration: spec.durationSeconds,
      }),
    translate: toStoreError,
    sweep: async () => {},
  };
}
