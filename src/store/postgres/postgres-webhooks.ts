import type { WebhookDeliveryState, WebhookRecord, Webhooks } from '../../core/ports/webhooks.ts';
import { WEBHOOK_COLUMNS, webhookFromRow, type WebhookRow } from '../sql-webhooks.ts';
import type { PostgresDb } from './postgres-db.ts';

/**
 * Webhooks in PostgreSQL (migration 8). The lease is one conditional UPDATE … RETURNING: of
 * several nodes asking at once, the row lock lets one through and the others find it taken.
 */
export class PostgresWebhooks implements Webhooks {
  constructor(private readonly db: PostgresDb) {}

  async create(r: WebhookRecord): Promise<void> {
    await this.db.query(`INSERT INTO webhooks (${WEBHOOK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, [
      r.id,
      r.url,
      r.secret,
      JSON.stringify(r.events),
      r.createdAt,
      r.cursor,
      r.failures,
      r.failingSince,
      r.nextAttemptAt,
      r.lastError,
      r.failed,
    ]);
  }

  async list(): Promise<WebhookRecord[]> {
    const { rows } = await this.db.query<WebhookRow>(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks ORDER BY created_at, id`);
    return rows.map(webhookFromRow);
  }

  async delete(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query('DELETE FROM webhooks WHERE id = $1', [id]);
    return (rowCount ?? 0) > 0;
  }

  async lease(id: string, holder: string, now: number, until: number): Promise<WebhookRecord | null> {
    const { rows } = await this.db.query<WebhookRow>(
      `UPDATE webhooks SET lease_holder = $1, lease_until = $2 WHERE id = $3 AND (lease_until < $4 OR lease_holder = $1) RETURNING ${WEBHOOK_COLUMNS}`,
      [holder, until, id, now],
    );
    return rows[0] ? webhookFromRow(rows[0]) : null;
  }

  async settle(id: string, holder: string, s: WebhookDeliveryState): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE webhooks SET delivered_seq = $3, failures = $4, failing_since = $5, next_attempt_at = $6, last_error = $7, failed = $8,
         lease_holder = '', lease_until = 0
       WHERE id = $1 AND lease_holder = $2`,
      [id, holder, s.cursor, s.failures, s.failingSince, s.nextAttemptAt, s.lastError, s.failed],
    );
    return (rowCount ?? 0) > 0;
  }
}
