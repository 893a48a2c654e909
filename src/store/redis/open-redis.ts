import { connectClient, createClient, DEFAULT_TIMEOUTS, type RedisTarget, type RedisTimeouts } from './redis-connection.ts';
import { RedisInvalidationBus } from './redis-invalidation-bus.ts';
import { CLUSTER_BUCKETS, DEFAULT_PREFIX, RedisKeys } from './redis-keys.ts';
import { DEFAULT_REDIS_STORE_OPTIONS, RedisStore, type RedisStoreOptions } from './redis-store.ts';

export interface OpenRedisOptions extends Partial<RedisStoreOptions> {
  /** Every key and the invalidation channel start with this (default `sessiond:`). */
  prefix?: string;
  timeouts?: RedisTimeouts;
}

/**
 * Opens the Redis store and its invalidation bus: one connection (or cluster client) for
 * commands and one for the subscription. Throws SERVICE_UNAVAILABLE naming the address when
 * Redis does not answer at start.
 */
export async function openRedis(
  target: RedisTarget,
  options: OpenRedisOptions = {},
): Promise<{ store: RedisStore; bus: RedisInvalidationBus }> {
  const store = await openRedisStore(target, options);
  const subscriber = createClient(target, options.timeouts ?? DEFAULT_TIMEOUTS, true);
  try {
    await connectClient(subscriber, target);
    const bus = await RedisInvalidationBus.start(store.publisher, subscriber, store.keys.invalidationChannel());
    return { store, bus };
  } catch (error) {
    subscriber.disconnect();
    await store.close();
    throw error;
  }
}

/** The store alone, without a subscription (tools, and a second view of the same data in tests). */
export async function openRedisStore(target: RedisTarget, options: OpenRedisOptions = {}): Promise<RedisStore> {
  const { prefix = DEFAULT_PREFIX, timeouts = DEFAULT_TIMEOUTS, ...storeOptions } = options;
  const keys = new RedisKeys(prefix, target.kind === 'redis-cluster' ? CLUSTER_BUCKETS : 1);
  const client = createClient(target, timeouts);
  await connectClient(client, target);
  const store = new RedisStore(client, keys, { ...DEFAULT_REDIS_STORE_OPTIONS, ...storeOptions });
  try {
    await store.users.indexFoldedNames();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
