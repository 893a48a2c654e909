import type { WebSessionRecords } from '../../core/ports/web-session-records.ts';
import type { WebSessionRecord } from '../../core/types.ts';
import { toWebSession, WEB_COLUMNS, type WebSessionRow } from '../sql-rows.ts';
import { LOCK_SWEEP_WEB_SESSIONS } from './migrations.ts';
import { tryXactLock, type PostgresDb } from './postgres-db.ts';

export class PostgresWebSessions implements WebSessionRecords {
  constructor(private readonly db: PostgresDb) {}

  async insert(r: WebSessionRecord): Promise<void> {
    await this.db.query(`INSERT INTO web_sessions (${WEB_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
      r.idHash, r.handle, r.createdAt, r.lastSeenAt, r.idleExpiresAt, r.absoluteExpiresAt, r.data,
    ]);
  }

  async find(idHash: string): Promise<WebSessionRecord | null> {
    const { rows } = await this.db.query<WebSessionRow>(`SELECT ${WEB_COLUMNS} FROM web_sessions WHERE id_hash = $1`, [idHash]);
    return rows[0] ? toWebSession(rows[0]) : null;
  }

  async update(idHash: string, change: Pick<WebSessionRecord, 'lastSeenAt' | 'idleExpiresAt' | 'data'>): Promise<void> {
    await this.db.query('UPDATE web_sessions SET last_seen_at = $2, idle_expires_at = $3, data = $4 WHERE id_hash = $1', [
      idHash, change.lastSeenAt, change.idleExpiresAt, change.data,
    ]);
  }

  async delete(idHash: string): Promise<boolean> {
    const { rowCount } = await this.db.query('DELETE FROM web_sessions WHERE id_hash = $1', [idHash]);
    return (rowCount ?? 0) > 0;
  }

  /** Only the node holding the sweep lock sweeps; another node asking at the same time answers 0 instead of waiting. */
  async sweepExpired(now: number, limit: number): Promise<number> {
    return this.db.transaction(async (client) => {
      if (!(await tryXactLock(client, LOCK_SWEEP_WEB_SESSIONS))) return 0;
      const { rowCount } = await client.query(
        `DELETE FROM web_sessions WHERE id_hash IN (
           SELECT id_hash FROM web_sessions WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED
         )`,
        [now, limit],
      );
      return rowCount ?? 0;
    });
  }
}
