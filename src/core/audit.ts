import type { AuditEntry, AuditPage, AuditQuery, AuditRecord, EndContext, SessionRecord } from './types.ts';

/** The audit rows stores write beside a session change, built in one place for every store. */
export function sessionCreatedAudit(session: SessionRecord): AuditRecord {
  return {
    at: session.createdAt,
    event: 'session.created',
    handle: session.handle,
    userId: session.userId,
    project: session.project,
    reason: null,
    actor: null,
  };
}

export function sessionEndedAudit(session: SessionRecord, ctx: EndContext): AuditRecord {
  return {
    at: ctx.now,
    event: 'session.ended',
    handle: session.handle,
    userId: session.userId,
    project: session.project,
    reason: ctx.reason,
    actor: ctx.actor,
  };
}

/**
 * An admin registered or deleted a webhook. The reason names the webhook and where it delivers
 * to by origin only: a receiver's path or query may carry a token, and the signing secret is
 * never written anywhere but the webhook's own record.
 */
export function webhookAudit(
  event: 'webhook.created' | 'webhook.deleted',
  webhook: { id: string; url: string },
  actor: string | null,
  at: number,
): AuditRecord {
  return { at, event, handle: null, userId: null, project: null, reason: `${webhook.id} ${originOf(webhook.url)}`, actor };
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'unknown';
  }
}

/** Whether an audit entry belongs in a listing: about the handle, user and event asked for, older than the cursor. */
export function matchesAudit(entry: AuditEntry, query: AuditQuery): boolean {
  const r = entry.record;
  if (query.handle !== undefined && r.handle !== query.handle) return false;
  if (query.userId !== undefined && r.userId !== query.userId) return false;
  if (query.event !== undefined && r.event !== query.event) return false;
  return query.before === undefined || entry.position < query.before;
}

/**
 * A page from up to `limit + 1` matching entries, newest first: the first `limit`, and the
 * position to continue from when there was one more.
 */
export function auditPageOf(newestFirst: ReadonlyArray<AuditEntry>, limit: number): AuditPage {
  const page = newestFirst.slice(0, limit);
  const last = page[page.length - 1];
  return { records: page.map((e) => e.record), next: newestFirst.length > limit && last ? last.position : null };
}
