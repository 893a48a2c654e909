import type { WebSessionRecord } from '../types.ts';

/** The web tier's cookie sessions. */
export interface WebSessionRecords {
  insert(record: WebSessionRecord): Promise<void>;
  find(idHash: string): Promise<WebSessionRecord | null>;
  update(idHash: string, change: Pick<WebSessionRecord, 'lastSeenAt' | 'idleExpiresAt' | 'data'>): Promise<void>;
  /** Answers whether a web session was removed. */
  delete(idHash: string): Promise<boolean>;
  /** Removes up to `limit` web sessions expired at `now`; answers how many. */
  sweepExpired(now: number, limit: number): Promise<number>;
}
