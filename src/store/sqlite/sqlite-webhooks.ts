import type Database from 'better-sqlite3';
import type { WebhookDeliveryState, WebhookRecord, Webhooks } from '../../core/ports/webhooks.ts';
import { WEBHOOK_COLUMNS, webhookFromRow, type WebhookRow } from '../sql-webhooks.ts';

/**
 * Webhooks in SQLite (migration 8). Every statement is one atomic write, so the lease's
 * compare-and-set is a single UPDATE … WHERE lease_until < now RETURNING.
 */
export class SqliteWebhooks implements Webhooks {
  private readonly stmt;

  constructor(db: Database.Database) {
    this.stmt = {
      insert: db.prepare(
        `INSERT INTO webhooks (${WEBHOOK_COLUMNS}) VALUES (@id, @url, @secret, @events, @createdAt, @cursor, @failures, @failingSince, @nextAttemptAt, @lastError, @failed)`,
      ),
      list: db.prepare<[], WebhookRow>(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks ORDER BY created_at, id`),
      delete: db.prepare<[string]>('DELETE FROM webhooks WHERE id = ?'),
      lease: db.prepare<[string, number, string, number, string], WebhookRow>(
        `UPDATE webhooks SET lease_holder = ?, lease_until = ? WHERE id = ? AND (lease_until < ? OR lease_holder = ?) RETURNING ${WEBHOOK_COLUMNS}`,
      ),
      settle: db.prepare(
        `UPDATE webhooks SET delivered_seq = @cursor, failures = @failures, failing_since = @failingSince, next_attempt_at = @nextAttemptAt,
           last_error = @lastError, failed = @failed, lease_holder = '', lease_until = 0
         WHERE id = @id AND lease_holder = @holder`,
      ),
    };
  }

  async create(record: WebhookRecord): Promise<void> {
    this.stmt.insert.run({ ...record, events: JSON.stringify(record.events), failed: record.failed ? 1 : 0 });
  }

  async list(): Promise<WebhookRecord[]> {
    return this.stmt.list.all().map(webhookFromRow);
  }

  async delete(id: string): Promise<boolean> {
    return this.stmt.delete.run(id).changes > 0;
  }

  async lease(id: string, holder: string, now: number, until: number): Promise<WebhookRecord | null> {
    const row = this.stmt.lease.get(holder, until, id, now, holder);
    return row ? webhookFromRow(row) : null;
  }

  async settle(id: string, holder: string, state: WebhookDeliveryState): Promise<boolean> {
    return this.stmt.settle.run({ ...state, failed: state.failed ? 1 : 0, id, holder }).changes > 0;
  }
}
