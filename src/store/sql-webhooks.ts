import { SESSION_EVENT_TYPES, type SessionEventType } from '../core/types.ts';
import type { WebhookDeliveryState, WebhookRecord } from '../core/ports/webhooks.ts';

/** The webhooks table (migration 8) as the two SQL stores read it; SQLite stores the boolean as 0/1. */
export interface WebhookRow {
  id: string;
  url: string;
  secret: string;
  /** A JSON array of event types. */
  events: string;
  created_at: number;
  delivered_seq: number;
  failures: number;
  failing_since: number | null;
  next_attempt_at: number;
  last_error: string | null;
  failed: boolean | number;
}

export const WEBHOOK_COLUMNS = 'id, url, secret, events, created_at, delivered_seq, failures, failing_since, next_attempt_at, last_error, failed';

export function webhookFromRow(row: WebhookRow): WebhookRecord {
  const parsed: unknown = JSON.parse(row.events);
  const events = Array.isArray(parsed)
    ? parsed.filter((e): e is SessionEventType => (SESSION_EVENT_TYPES as readonly unknown[]).includes(e))
    : [];
  return {
    id: row.id,
    url: row.url,
    secret: row.secret,
    events,
    createdAt: Number(row.created_at),
    cursor: Number(row.delivered_seq),
    failures: Number(row.failures),
    failingSince: row.failing_since === null ? null : Number(row.failing_since),
    nextAttemptAt: Number(row.next_attempt_at),
    lastError: row.last_error,
    failed: Boolean(row.failed),
  };
}
