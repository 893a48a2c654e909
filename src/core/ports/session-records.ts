import type { EndContext, SessionCountFilter, SessionListFilter, SessionPage, SessionRecord } from '../types.ts';

/**
 * Server sessions in a store. Every change writes its audit records in the same transaction (or
 * script) and returns once it is durable. The rules each method follows live in
 * core/session-rules.ts; adapters call those functions rather than restating them.
 */
export interface SessionRecords {
  /** Writes the session and its `session.created` audit record. */
  insert(session: SessionRecord): Promise<void>;
  /** The session, ended or not yet swept out; null when it was ended or never existed. */
  findByHash(idHash: string): Promise<SessionRecord | null>;
  /** Slides the idle timer; never moves either time back (see laterTimers). A no-op when the session is gone. */
  touch(idHash: string, lastSeenAt: number, idleExpiresAt: number): Promise<void>;
  /** Ends a batch by ID hash in one transaction; answers per position as settleEnds does. */
  endByHash(idHashes: ReadonlyArray<string | null>, ctx: EndContext): Promise<Array<SessionRecord | null>>;
  /** As endByHash, by handle. */
  endByHandle(handles: ReadonlyArray<string | null>, ctx: EndContext): Promise<Array<SessionRecord | null>>;
  /** Ends every session of one user in one transaction; answers the live ones it ended. */
  endOfUser(userId: string, ctx: EndContext): Promise<SessionRecord[]>;
  /**
   * One keyset page (see pageOf), ordered by (createdAt, handle), read forwards after `after` or
   * backwards before `before`; expired sessions left out (see isListed).
   */
  list(filter: SessionListFilter, now: number): Promise<SessionPage>;
  /** How many sessions are live at `now` and match the filter (see matchesFilter). */
  count(filter: SessionCountFilter, now: number): Promise<number>;
  /** Ends up to `limit` sessions expired at `now`, auditing each as expired by the sweeper; answers them. */
  sweepExpired(now: number, limit: number): Promise<SessionRecord[]>;
  /**
   * Optional, synchronous and cheap: whether another process has written since the last call.
   * A store that can tell (SQLite's data_version) lets a node keep an exact cache.
   */
  hasChangedElsewhere?(): boolean;
}
