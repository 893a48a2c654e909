import { sessionCreatedAudit } from '../../core/audit.ts';
import type { SessionRecords } from '../../core/ports/session-records.ts';
import { pageOf, sessionEvents, settleEnds, settleUserEnds, sweepAudits } from '../../core/session-rules.ts';
import type { EndContext, SessionCountFilter, SessionListFilter, SessionPage, SessionRecord } from '../../core/types.ts';
import { countQuery, listingQuery } from '../sql-listing.ts';
import { EVENT_COLUMNS, SESSION_COLUMNS, toSession, type SessionRow } from '../sql-rows.ts';
import { LOCK_EVENTS, LOCK_SWEEP_SESSIONS } from './migrations.ts';
import { insertAudit, tryXactLock, type PostgresDb } from './postgres-db.ts';
import { insertEvents } from './postgres-event-log.ts';

/** Sessions in PostgreSQL: ending a session deletes its row, with its audit rows in the same transaction. */
export class PostgresSessionRecords implements SessionRecords {
  constructor(private readonly db: PostgresDb) {}

  async insert(s: SessionRecord): Promise<void> {
    // One statement is one transaction: the session, its audit row and its event, in a single
    // round trip. The event row is inserted (and its seq drawn) only after the `ordered` lock is
    // held, which lasts to commit: seq order is commit order, as insertEvents explains.
    const a = sessionCreatedAudit(s);
    await this.db.query(
      `WITH ordered AS (SELECT pg_advisory_xact_lock($19)),
       inserted AS (
         INSERT INTO sessions (${SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $17, $18) RETURNING 1
       ),
       audited AS (
         INSERT INTO audit (at, event, handle, user_id, project, reason, actor)
         SELECT $10, $11, $12, $13, $14, $15, $16 FROM inserted
       )
       INSERT INTO session_events (${EVENT_COLUMNS})
       SELECT $10, 'session.created', $2, $1, $3, $4, $5, NULL FROM inserted, ordered`,
      [
        s.idHash, s.handle, s.userId, s.username, s.project, s.createdAt, s.lastSeenAt, s.idleExpiresAt, s.absoluteExpiresAt,
        a.at, a.event, a.handle, a.userId, a.project, a.reason, a.actor, s.ip, s.userAgent, LOCK_EVENTS,
      ],
    );
  }

  async findByHash(idHash: string): Promise<SessionRecord | null> {
    const { rows } = await this.db.query<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id_hash = $1`, [idHash]);
    return rows[0] ? toSession(rows[0]) : null;
  }

  async touch(idHash: string, lastSeenAt: number, idleExpiresAt: number): Promise<void> {
    // core's laterTimers, in SQL: nodes touch independently; never move a timer back.
    await this.db.query(
      `UPDATE sessions SET last_seen_at = GREATEST(last_seen_at, $2), idle_expires_at = GREATEST(idle_expires_at, $3)
       WHERE id_hash = $1`,
      [idHash, lastSeenAt, idleExpiresAt],
    );
  }

  endByHash(idHashes: ReadonlyArray<string | null>, ctx: EndContext): Promise<Array<SessionRecord | null>> {
    return this.endByKey('id_hash', idHashes, ctx);
  }

  endByHandle(handles: ReadonlyArray<string | null>, ctx: EndContext): Promise<Array<SessionRecord | null>> {
    return this.endByKey('handle', handles, ctx);
  }

  /**
   * One transaction for the whole batch. DELETE … RETURNING takes each row's lock, so two
   * batches racing over one session end it once; core's settleEnds then answers each position.
   */
  private async endByKey(column: 'id_hash' | 'handle', keys: ReadonlyArray<string | null>, ctx: EndContext): Promise<Array<SessionRecord | null>> {
    const wanted = [...new Set(keys.filter((k): k is string => k !== null))];
    if (wanted.length === 0) return keys.map(() => null);
    return this.db.transaction(async (client) => {
      const { rows } = await client.query<SessionRow>(`DELETE FROM sessions WHERE ${column} = ANY($1::text[]) RETURNING ${SESSION_COLUMNS}`, [wanted]);
      const removed = new Map(rows.map(toSession).map((s) => [column === 'id_hash' ? s.idHash : s.handle, s]));
      const settled = settleEnds(keys, (key) => removed.get(key), ctx);
      await insertAudit(client, settled.audits);
      await insertEvents(client, sessionEvents(settled.ended, settled.audits));
      return settled.answers;
    });
  }

  async endOfUser(userId: string, ctx: EndContext): Promise<SessionRecord[]> {
    return this.db.transaction(async (client) => {
      const { rows } = await client.query<SessionRow>(`DELETE FROM sessions WHERE user_id = $1 RETURNING ${SESSION_COLUMNS}`, [userId]);
      const sessions = rows.map(toSession);
      const { audits, live } = settleUserEnds(sessions, ctx);
      await insertAudit(client, audits);
      await insertEvents(client, sessionEvents(sessions, audits));
      return live;
    });
  }

  async list(filter: SessionListFilter, now: number): Promise<SessionPage> {
    const { sql, params } = listingQuery(SESSION_COLUMNS, filter, now, (n) => `$${n}`);
    const { rows } = await this.db.query<SessionRow>(sql, params);
    return pageOf(rows.map(toSession), filter);
  }

  async count(filter: SessionCountFilter, now: number): Promise<number> {
    const { sql, params } = countQuery(filter, now, (n) => `$${n}`);
    const { rows } = await this.db.query<{ n: string }>(sql, params);
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * One batch of the sweep, on the expiry index. Only the node holding the sweep lock sweeps;
   * another node asking at the same time answers an empty batch instead of waiting.
   */
  async sweepExpired(now: number, limit: number): Promise<SessionRecord[]> {
    return this.db.transaction(async (client) => {
      if (!(await tryXactLock(client, LOCK_SWEEP_SESSIONS))) return [];
      const { rows } = await client.query<SessionRow>(
        `DELETE FROM sessions WHERE id_hash IN (
           SELECT id_hash FROM sessions WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED
         ) RETURNING ${SESSION_COLUMNS}`,
        [now, limit],
      );
      const sessions = rows.map(toSession);
      const audits = sweepAudits(sessions, now);
      await insertAudit(client, audits);
      await insertEvents(client, sessionEvents(sessions, audits));
      return sessions;
    });
  }
}
