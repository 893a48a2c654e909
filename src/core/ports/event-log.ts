import type { SessionEventRecord } from '../types.ts';

/**
 * The event log (issue 14): `session.created` and `session.ended`, each written by SessionRecords
 * in the same transaction (or script) as the change, numbered by a store-wide `seq` in commit
 * order. Kept apart from the audit trail because events carry the session's ID hash, which
 * validators match on and audit lists never show.
 */
export interface EventLog {
  /** Events with seq greater than `after`, oldest first, at most `limit`. */
  after(after: number, limit: number): Promise<SessionEventRecord[]>;
  /** The oldest seq still kept (null when none is kept) and the newest seq ever written (0 when none). */
  bounds(): Promise<{ oldest: number | null; newest: number }>;
  /** Deletes up to `limit` of the oldest events written before `before` (ms); answers how many. */
  prune(before: number, limit: number): Promise<number>;
}
