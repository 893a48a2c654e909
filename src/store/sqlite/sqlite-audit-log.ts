import { setImmediate as nextTurn } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import type { AuditLog } from '../../core/ports/audit-log.ts';
import { auditPageOf } from '../../core/audit.ts';
import type { AuditPage, AuditQuery, AuditRecord } from '../../core/types.ts';
import { auditPageQuery } from '../sql-audit-listing.ts';
import { toAuditEntry, type AuditRow } from '../sql-rows.ts';
import { withoutFsync } from './without-fsync.ts';

/** audit_keys' key for a record's handle or user. */
const KEY_PREFIX = { handle: 'h:', user_id: 'u:' } as const;

/** Records indexed in one transaction, with a turn of the event loop between them. */
const KEY_BATCH = 5000;

/**
 * The audit trail in SQLite. Writing a record appends to the table and to indexes that grow at
 * their end (by time, by event); the lookups by handle and by user (audit_keys, migration 10)
 * are filled only when a lookup asks (`indexKeys`), because an index on a random key costs a
 * random page per record, and those pages, written in the background, still went to disk with
 * the next request's fsync. A lookup first indexes the records written since the last one (past
 * audit_keys_upto), many at a time, so it pays once for the tail and shares the pages it touches.
 */
export class SqliteAuditLog implements AuditLog {
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      insert: db.prepare('INSERT INTO audit (at, event, handle, user_id, project, reason, actor) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      // In id order, which is time order: no index by time to keep up with every record (migration 11).
      oldest: db.prepare<[number], Pick<AuditRow, 'id' | 'handle' | 'user_id' | 'at'>>('SELECT id, handle, user_id, at FROM audit ORDER BY id LIMIT ?'),
      delete: db.prepare<[number]>('DELETE FROM audit WHERE id = ?'),
      upto: db.prepare<[], number>('SELECT upto FROM audit_keys_upto').pluck(),
      unindexed: db.prepare<[number, number], Pick<AuditRow, 'id' | 'handle' | 'user_id'>>(
        'SELECT id, handle, user_id FROM audit WHERE id > ? ORDER BY id LIMIT ?',
      ),
      addKey: db.prepare<[string, number]>('INSERT OR IGNORE INTO audit_keys (key, audit_id) VALUES (?, ?)'),
      dropKey: db.prepare<[string, number]>('DELETE FROM audit_keys WHERE key = ? AND audit_id = ?'),
      setUpto: db.prepare<[number]>('UPDATE audit_keys_upto SET upto = ?'),
    };
  }

  /** Writes records inside the caller's transaction (session changes audit in the same one). */
  write(records: ReadonlyArray<AuditRecord>): void {
    for (const r of records) this.stmt.insert.run(r.at, r.event, r.handle, r.userId, r.project, r.reason, r.actor);
  }

  async append(records: ReadonlyArray<AuditRecord>): Promise<void> {
    this.db.transaction(() => this.write(records)).immediate();
  }

  async prune(before: number, limit: number): Promise<number> {
    return this.db
      .transaction(() => {
        // Up to the first record made at or after `before`.
        const oldest = this.stmt.oldest.all(limit);
        const young = oldest.findIndex((row) => row.at >= before);
        const rows = young === -1 ? oldest : oldest.slice(0, young);
        for (const row of rows) {
          this.forEachKey(row, (key) => this.stmt.dropKey.run(key, row.id));
          this.stmt.delete.run(row.id);
        }
        return rows.length;
      })
      .immediate();
  }

  /**
   * Adds up to `batch` records written since the last call to the handle and user lookups, in
   * one transaction; answers how many. The caller commits it without its own fsync: lost to a
   * power failure, the keys and the new upto are lost together and made again.
   */
  private indexKeys(batch: number): number {
    return this.db
      .transaction(() => {
        const rows = this.stmt.unindexed.all(this.stmt.upto.get() as number, batch);
        for (const row of rows) this.forEachKey(row, (key) => this.stmt.addKey.run(key, row.id));
        if (rows.length > 0) this.stmt.setUpto.run(rows[rows.length - 1]!.id);
        return rows.length;
      })
      .immediate();
  }

  async page(query: AuditQuery): Promise<AuditPage> {
    if (query.handle !== undefined || query.userId !== undefined) await this.indexTail();
    const { sql, params } = auditPageQuery(query, () => '?', (column, param, value) => {
      // Indexed records through audit_keys, the unindexed tail by a scan of its rows.
      const key = param(KEY_PREFIX[column] + value);
      return `id IN (SELECT audit_id FROM audit_keys WHERE key = ${key} UNION ALL SELECT id FROM audit WHERE id > (SELECT upto FROM audit_keys_upto) AND ${column} = ${param(value)})`;
    });
    return auditPageOf(this.db.prepare<Array<string | number>, AuditRow>(sql).all(...params).map(toAuditEntry), query.limit);
  }

  /** Indexes every record written since the last lookup; their loss to a power failure is harmless (made again). */
  private async indexTail(): Promise<void> {
    while (this.db.open && withoutFsync(this.db, () => this.indexKeys(KEY_BATCH)) === KEY_BATCH) await nextTurn();
  }

  async list(options: { limit: number; handle?: string }): Promise<AuditRecord[]> {
    return (await this.page(options)).records;
  }

  private forEachKey(row: Pick<AuditRow, 'handle' | 'user_id'>, use: (key: string) => void): void {
    if (row.handle !== null) use(KEY_PREFIX.handle + row.handle);
    if (row.user_id !== null) use(KEY_PREFIX.user_id + row.user_id);
  }
}
