import type { StoreUrl } from '../config.ts';
import { LocalInvalidationBus, type InvalidationBus, type SessionStore } from '../core/session-store.ts';
import { SqliteStore } from './sqlite/sqlite-store.ts';
import { PostgresInvalidationBus } from './postgres/postgres-bus.ts';
import { PostgresStore } from './postgres/postgres-store.ts';
import { openRedis } from './redis/open-redis.ts';

export interface OpenedStore {
  store: SessionStore;
  bus: InvalidationBus;
}

/** Opens the store a config names, with the invalidation bus that fits it. */
export async function openStore(url: StoreUrl): Promise<OpenedStore> {
  switch (url.kind) {
    case 'sqlite':
      return { store: new SqliteStore(url.path), bus: new LocalInvalidationBus() };
    case 'postgres': {
      const store = await PostgresStore.open(url.url);
      try {
        return { store, bus: await PostgresInvalidationBus.open(url.url) };
      } catch (error) {
        await store.close();
        throw error;
      }
    }
    case 'redis':
      return openRedis({ kind: 'redis', url: url.url }, url.prefix === undefined ? {} : { prefix: url.prefix });
    case 'redis-cluster':
      return openRedis({ kind: 'redis-cluster', nodes: url.nodes }, url.prefix === undefined ? {} : { prefix: url.prefix });
    default:
      throw new Error(`SESSIOND_STORE: the ${(url as StoreUrl).kind} store is not available in this build`);
  }
}
