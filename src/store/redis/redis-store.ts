import type { Store } from '../../core/ports/store.ts';
import type { StoreRateLimiters, WithRateLimiters } from '../rate-limiters.ts';
import { RedisAudit } from './redis-audit.ts';
import { RedisEventLog } from './redis-event-log.ts';
import { guarded, type RedisClient } from './redis-connection.ts';
import type { RedisKeys } from './redis-keys.ts';
import { redisRateLimiters } from './redis-rate-limiters.ts';
import { RedisSessionRecords } from './redis-session-records.ts';
import { RedisUsers } from './redis-users.ts';
import { RedisWebSessions } from './redis-web-sessions.ts';

export interface RedisStoreOptions {
  /**
   * How long a key outlives the expiry it follows. Core checks expiry itself on every read, so
   * this only lets a node whose clock runs a little behind, and the end calls, still see a
   * just-expired session (to answer and audit it as expired) instead of a hole.
   */
  expiryGraceMs: number;
  /** Audit records kept per bucket (the newest; older ones are trimmed). */
  auditMaxEntries: number;
  /** Audit records kept per handle, and for how long after the last one. */
  handleAuditMaxEntries: number;
  handleAuditRetentionMs: number;
  /** Index entries one listing script reads before it hands back, so Redis is never blocked long. */
  listScanChunk: number;
}

export const DEFAULT_REDIS_STORE_OPTIONS: RedisStoreOptions = {
  expiryGraceMs: 60_000,
  auditMaxEntries: 100_000,
  handleAuditMaxEntries: 1000,
  handleAuditRetentionMs: 30 * 24 * 60 * 60 * 1000,
  listScanChunk: 1000,
};

/** The Redis ports over one client (standalone or Cluster), bundled as a Store. */
export class RedisStore implements Store, WithRateLimiters {
  readonly kind: 'redis' | 'redis-cluster';
  readonly sessions: RedisSessionRecords;
  readonly users: RedisUsers;
  readonly audit: RedisAudit;
  readonly events: RedisEventLog;
  readonly webSessions: RedisWebSessions;
  readonly rateLimiters: StoreRateLimiters;

  constructor(
    private readonly client: RedisClient,
    readonly keys: RedisKeys,
    options: RedisStoreOptions = DEFAULT_REDIS_STORE_OPTIONS,
  ) {
    this.kind = keys.buckets === 1 ? 'redis' : 'redis-cluster';
    this.audit = new RedisAudit(client, keys, [options.auditMaxEntries, options.handleAuditMaxEntries, options.handleAuditRetentionMs]);
    this.events = new RedisEventLog(client, keys);
    this.sessions = new RedisSessionRecords(client, keys, this.audit, this.events, options);
    this.users = new RedisUsers(client, keys);
    this.webSessions = new RedisWebSessions(client, keys, options.expiryGraceMs);
    this.rateLimiters = redisRateLimiters(client, keys);
  }

  /** The command connection, which the invalidation bus publishes on. */
  get publisher(): RedisClient {
    return this.client;
  }

  async ping(): Promise<void> {
    await guarded(() => this.client.ping());
  }

  async close(): Promise<void> {
    this.events.stop();
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}
