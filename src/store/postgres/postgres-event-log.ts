import type { PoolClient } from 'pg';
import type { EventLog } from '../../core/ports/event-log.ts';
import type { SessionEventDraft, SessionEventRecord } from '../../core/types.ts';
import { EVENT_COLUMNS, toEvent, type EventRow } from '../sql-rows.ts';
import { LOCK_EVENTS } from './migrations.ts';
import type { PostgresDb } from './postgres-db.ts';

/**
 * Writes events inside the caller's transaction, as its last statement. Sequence numbers are
 * handed out when a row is inserted, not when it commits, so two transactions could commit
 * out of seq order and a reader that had moved past the later seq would skip the earlier one.
 * The transaction-level advisory lock LOCK_EVENTS, held from here to commit, makes seq order
 * commit order; taken last, it is held only for this insert and the commit.
 */
export async function insertEvents(client: PoolClient, drafts: ReadonlyArray<SessionEventDraft>): Promise<void> {
  if (drafts.length === 0) return;
  await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_EVENTS]);
  await client.query(
    `INSERT INTO session_events (${EVENT_COLUMNS})
     SELECT ${EVENT_COLUMNS}
     FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
       WITH ORDINALITY AS e(at, type, handle, id_hash, user_id, username, project, reason, position)
     ORDER BY position`,
    [
      drafts.map((e) => e.at),
      drafts.map((e) => e.type),
      drafts.map((e) => e.handle),
      drafts.map((e) => e.idHash),
      drafts.map((e) => e.userId),
      drafts.map((e) => e.username),
      drafts.map((e) => e.project),
      drafts.map((e) => e.reason),
    ],
  );
}

/** The event log in PostgreSQL (migration 4): a table numbered by its own sequence. */
export class PostgresEventLog implements EventLog {
  constructor(private readonly db: PostgresDb) {}

  async after(after: number, limit: number): Promise<SessionEventRecord[]> {
    const { rows } = await this.db.query<EventRow>('SELECT * FROM session_events WHERE seq > $1 ORDER BY seq LIMIT $2', [after, limit]);
    return rows.map(toEvent);
  }

  async bounds(): Promise<{ oldest: number | null; newest: number }> {
    const { rows } = await this.db.query<{ oldest: string | null; newest: string }>(
      `SELECT (SELECT min(seq) FROM session_events) AS oldest,
              (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM session_event_seq) AS newest`,
    );
    const row = rows[0]!;
    return { oldest: row.oldest === null ? null : Number(row.oldest), newest: Number(row.newest) };
  }

  async prune(before: number, limit: number): Promise<number> {
    const { rowCount } = await this.db.query(
      'DELETE FROM session_events WHERE seq IN (SELECT seq FROM session_events WHERE at < $1 ORDER BY seq LIMIT $2)',
      [before, limit],
    );
    return rowCount ?? 0;
  }
}
