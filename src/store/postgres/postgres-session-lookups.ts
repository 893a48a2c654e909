import type { SessionRecord } from '../../core/types.ts';
import { SESSION_COLUMNS, toSession, type SessionRow } from '../sql-rows.ts';
import type { PostgresDb } from './postgres-db.ts';

/**
 * At most this many lookup queries in flight from one node. Lookups that arrive while they are
 * all busy wait and go together in the next query, so under load one round trip (one write, one
 * read, one statement on the server) answers many checks, and an idle node still sends each
 * lookup at once. A few in flight keep the server's cores busy while one batch travels.
 */
const MAX_IN_FLIGHT = 3;
/** Bounds one query's array (and the rows it answers); what is left waits for the next one. */
const MAX_BATCH = 256;

/**
 * Named, so each pooled connection parses and plans it once and then only binds and executes:
 * one round trip, no parse on the server.
 */
const FIND_MANY = {
  name: 'sessiond_find_sessions',
  text: `SELECT ${SESSION_COLUMNS} FROM sessions WHERE id_hash = ANY($1::text[])`,
};

interface Waiter {
  resolve(record: SessionRecord | null): void;
  reject(error: unknown): void;
}

/**
 * Session lookups by ID hash, coalesced (the validation hot path on PostgreSQL). Each waiter's
 * query is sent after its call was made, so it sees every change committed before the check
 * began: coalescing keeps the check exactly as fresh as a query of its own.
 */
export class PostgresSessionLookups {
  private waiting = new Map<string, Waiter[]>();
  private inFlight = 0;

  constructor(private readonly db: PostgresDb) {}

  find(idHash: string): Promise<SessionRecord | null> {
    return new Promise((resolve, reject) => {
      const waiters = this.waiting.get(idHash);
      if (waiters) waiters.push({ resolve, reject });
      else this.waiting.set(idHash, [{ resolve, reject }]);
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.waiting.size > 0) {
      const batch = this.take();
      this.inFlight++;
      void this.send(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  /** Answers every waiter of the batch; never rejects. */
  private async send(batch: Map<string, Waiter[]>): Promise<void> {
    try {
      const { rows } = await this.db.query<SessionRow>(FIND_MANY.text, [[...batch.keys()]], FIND_MANY.name);
      for (const row of rows) {
        const record = toSession(row);
        for (const waiter of batch.get(record.idHash) ?? []) waiter.resolve(record);
        batch.delete(record.idHash);
      }
      for (const waiters of batch.values()) for (const waiter of waiters) waiter.resolve(null);
    } catch (error) {
      for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
    }
  }

  private take(): Map<string, Waiter[]> {
    if (this.waiting.size <= MAX_BATCH) {
      const all = this.waiting;
      this.waiting = new Map();
      return all;
    }
    const batch = new Map<string, Waiter[]>();
    for (const [hash, waiters] of this.waiting) {
      batch.set(hash, waiters);
      this.waiting.delete(hash);
      if (batch.size === MAX_BATCH) break;
    }
    return batch;
  }
}
