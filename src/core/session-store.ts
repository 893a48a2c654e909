import type {
  AuditRecord,
  EndContext,
  SessionListFilter,
  SessionPage,
  SessionRecord,
  UserRecord,
  UserSummary,
  WebSessionRecord,
} from './types.ts';

/**
 * The one port every store implements (SQLite, PostgreSQL, Redis, Redis Cluster) and the
 * conformance suite in test/store/ checks. Every method that changes sessions writes its audit
 * records in the same transaction, and returns only once the change is durable.
 *
 * Adapters throw `storeUnavailable(cause)` when their server cannot be reached, so requests
 * fail closed with SERVICE_UNAVAILABLE.
 */
export interface SessionStore {
  readonly kind: 'sqlite' | 'postgres' | 'redis' | 'redis-cluster';

  /**
   * Optional, synchronous and cheap: whether another process has written to the store since the
   * last call. A store that can tell (SQLite's data_version) lets a node keep an exact cache:
   * the service empties its cache whenever this answers true.
   */
  hasChangedElsewhere?(): boolean;

  /** Resolves when the store answers; throws SERVICE_UNAVAILABLE when it does not. */
  ping(): Promise<void>;
  close(): Promise<void>;

  // users
  /** Throws SessiondError DUPLICATE_USERNAME when the username is taken. */
  createUser(user: UserRecord): Promise<void>;
  findUserByUsername(username: string): Promise<UserRecord | null>;
  /** Ordered by username. */
  listUsers(): Promise<UserSummary[]>;
  /** Returns false when there is no such user. */
  setUserActive(username: string, active: boolean): Promise<boolean>;

  // sessions
  insertSession(session: SessionRecord): Promise<void>;
  findSessionByHash(idHash: string): Promise<SessionRecord | null>;
  /** Slides the idle timer. A no-op when the session is gone. */
  touchSession(idHash: string, lastSeenAt: number, idleExpiresAt: number): Promise<void>;
  /**
   * Ends sessions by ID hash in ONE transaction. Answers, per input position, the session that
   * entry ended, or null. `null` entries (malformed IDs) answer null. A session that exists but
   * has expired at `ctx.now` answers null (and is removed, audited as expired). A duplicate
   * later in the list finds its session already ended and answers null.
   */
  endSessionsByHash(idHashes: ReadonlyArray<string | null>, ctx: EndContext): Promise<Array<SessionRecord | null>>;
  /** As endSessionsByHash, by handle. */
  endSessionsByHandle(handles: ReadonlyArray<string | null>, ctx: EndContext): Promise<Array<SessionRecord | null>>;
  /** Ends every live session of one user in one transaction; answers the sessions it ended. */
  endSessionsOfUser(userId: string, ctx: EndContext): Promise<SessionRecord[]>;
  /** Keyset-paginated, ordered by (createdAt, handle); expired sessions are left out. */
  listSessions(filter: SessionListFilter, now: number): Promise<SessionPage>;
  /** Removes up to `limit` expired sessions, auditing each as expired; answers the ones it removed. */
  sweepExpiredSessions(now: number, limit: number): Promise<SessionRecord[]>;

  // audit
  appendAudit(records: ReadonlyArray<AuditRecord>): Promise<void>;
  /** Newest first. */
  listAudit(options: { limit: number; handle?: string }): Promise<AuditRecord[]>;

  // web sessions (the web tier's cookie sessions)
  insertWebSession(record: WebSessionRecord): Promise<void>;
  findWebSessionByHash(idHash: string): Promise<WebSessionRecord | null>;
  updateWebSession(idHash: string, change: Pick<WebSessionRecord, 'lastSeenAt' | 'idleExpiresAt' | 'data'>): Promise<void>;
  /** Answers whether a web session was removed. */
  deleteWebSession(idHash: string): Promise<boolean>;
  sweepExpiredWebSessions(now: number, limit: number): Promise<number>;
}

/**
 * Tells every node that sessions ended, so caches evict them. SQLite (one node) uses the
 * in-process bus; PostgreSQL uses LISTEN/NOTIFY; Redis uses pub/sub.
 */
export interface InvalidationBus {
  publish(idHashes: ReadonlyArray<string>): Promise<void>;
  subscribe(listener: (idHashes: ReadonlyArray<string>) => void): void;
  /**
   * Optional: called when messages may have been missed (the bus lost its connection, or got it
   * back), so a node drops its whole cache instead of waiting out the age bound.
   */
  onGap?(listener: () => void): void;
  close(): Promise<void>;
}

/** The in-process bus: enough when only one node uses the store. */
export class LocalInvalidationBus implements InvalidationBus {
  private listeners: Array<(idHashes: ReadonlyArray<string>) => void> = [];
  async publish(idHashes: ReadonlyArray<string>): Promise<void> {
    for (const listener of this.listeners) listener(idHashes);
  }
  subscribe(listener: (idHashes: ReadonlyArray<string>) => void): void {
    this.listeners.push(listener);
  }
  async close(): Promise<void> {
    this.listeners = [];
  }
}
