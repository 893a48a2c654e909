import type { SessionRecord } from '../../core/types.ts';
import { CoalescedLookups } from '../coalesced-lookups.ts';
import { SESSION_COLUMNS, toSession, type SessionRow } from '../sql-rows.ts';
import type { PostgresDb } from './postgres-db.ts';

/**
 * Named, so each pooled connection parses and plans it once and then only binds and executes:
 * one round trip, no parse on the server.
 */
const FIND_MANY = {
  name: 'sessiond_find_sessions',
  text: `SELECT ${SESSION_COLUMNS} FROM sessions WHERE id_hash = ANY($1::text[])`,
};

/**
 * Session lookups by ID hash for the validation hot path: concurrent checks share one query.
 * Few in flight: the database shares the machine's cores with the nodes, and a larger batch
 * costs it less than another statement.
 */
export function postgresSessionLookups(db: PostgresDb): CoalescedLookups<SessionRecord> {
  return new CoalescedLookups(
    async (hashes) => {
      const { rows } = await db.query<SessionRow>(FIND_MANY.text, [hashes], FIND_MANY.name);
      return new Map(rows.map((row) => [row.id_hash, toSession(row)]));
    },
    { maxInFlight: 2, maxBatch: 256 },
  );
}
