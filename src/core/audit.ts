import type { AuditRecord, EndContext, SessionRecord } from './types.ts';

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
