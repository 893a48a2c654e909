import type { StoreUrl } from '../config.ts';
import { LocalInvalidationBus, type InvalidationBus } from '../core/invalidation-bus.ts';
import type { Store } from '../core/ports/store.ts';
import type { WithRateLimiters } from './rate-limiters.ts';
import { openSqliteStore } from './sqlite/sqlite-store.ts';
import type { RedisTarget } from './redis/redis-connection.ts';

export interface OpenedStore {
  store: Store & WithRateLimiters;
  bus: InvalidationBus;
}

/** Where a store reports trouble that no request sees (a pooled connection lost while idle). */
export interface StoreLog {
  warn(details: { err: unknown }, message: string): void;
}

export interface OpenStoreOptions {
  eventsRetentionMs?: number;
  /** A server, not a short-lived tool: on SQLite, a thread then checkpoints the WAL beside the event loop. */
  serving?: boolean;
}

/**
 * Opens the store a config names, with the invalidation bus that fits it. The PostgreSQL and
 * Redis adapters are imported only when named: pg and ioredis were a tenth of a second of every
 * start (server, CLI command, test file) on the default SQLite store.
 */
export async function openStore(url: StoreUrl, log: StoreLog, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  switch (url.kind) {
    case 'sqlite': {
      const store = openSqliteStore(url.path, {
        eventsRetentionMs: options.eventsRetentionMs,
        checkpoints: options.serving ? 'thread' : 'sqlite',
        onCheckpointThreadFailure: (error) =>
          log.warn({ err: error }, 'the SQLite checkpoint thread failed; commits go on checkpointing the WAL themselves'),
      });
      return { store, bus: new LocalInvalidationBus() };
    }
    case 'postgres': {
      const [{ openPostgresStore }, { PostgresInvalidationBus }] = await Promise.all([
        import('./postgres/postgres-store.ts'),
        import('./postgres/postgres-bus.ts'),
      ]);
      const store = await openPostgresStore(url.url, {
        onIdleError: (error) => log.warn({ err: error }, 'an idle PostgreSQL connection failed; the pool dropped it'),
      });
      try {
        return { store, bus: await PostgresInvalidationBus.open(url.url) };
      } catch (error) {
        await store.close();
        throw error;
      }
    }
    case 'redis':
    case 'redis-cluster': {
      const { openRedis } = await import('./redis/open-redis.ts');
      const target: RedisTarget = url.kind === 'redis' ? { kind: 'redis', url: url.url } : { kind: 'redis-cluster', nodes: url.nodes };
      return openRedis(target, url.prefix === undefined ? {} : { prefix: url.prefix });
    }
    default:
      throw new Error(`SESSIOND_STORE: the ${(url as StoreUrl).kind} store is not available in this build`);
  }
}
