import { sessionEndedAudit } from './audit.ts';
import { isExpired } from './expiry.ts';
import { usernameKey } from './input-rules.ts';
import type { AuditRecord, EndContext, SessionCountFilter, SessionCursor, SessionEventDraft, SessionListFilter, SessionPage, SessionRecord } from './types.ts';

/**
 * The rules every store follows when it changes sessions, each written once. SQL and memory
 * adapters call these inside their transaction; the Redis scripts mirror them in Lua (see
 * redis-scripts.ts) and the conformance suite proves the two agree.
 */

/** The audit record of one end: a session found expired at `ctx.now` is audited as expired, whatever ended it. */
export function endAudit(session: SessionRecord, ctx: EndContext): AuditRecord {
  return sessionEndedAudit(session, isExpired(session, ctx.now) ? { ...ctx, reason: 'expired' } : ctx);
}

/** What ending a batch does: the rows to mark ended, their audit records in input order, and the answers. */
export interface SettledEnds {
  /** Every session the batch ends, live or expired, each once, in input order. */
  ended: SessionRecord[];
  audits: AuditRecord[];
  /** Per input position: the live session it ended, or null. */
  answers: Array<SessionRecord | null>;
}

/**
 * Settles a batch of ends. `find` answers the stored session a key names (inside the
 * transaction). A null key answers null; a key that names nothing answers null; a duplicate
 * later in the batch finds its session already ended and answers null; a session expired at
 * `ctx.now` is ended and audited as expired but answers null, like an unknown one.
 */
export function settleEnds(
  keys: ReadonlyArray<string | null>,
  find: (key: string) => SessionRecord | null | undefined,
  ctx: EndContext,
): SettledEnds {
  const seen = new Set<string>();
  const ended: SessionRecord[] = [];
  const audits: AuditRecord[] = [];
  const answers = keys.map((key) => {
    if (key === null || seen.has(key)) return null;
    seen.add(key);
    const session = find(key);
    if (!session) return null;
    ended.push(session);
    audits.push(endAudit(session, ctx));
    return isExpired(session, ctx.now) ? null : session;
  });
  return { ended, audits, answers };
}

/** Ending all of a user's sessions: every one is ended and audited; only the live ones are answered. */
export function settleUserEnds(sessions: ReadonlyArray<SessionRecord>, ctx: EndContext): { audits: AuditRecord[]; live: SessionRecord[] } {
  return { audits: sessions.map((s) => endAudit(s, ctx)), live: sessions.filter((s) => !isExpired(s, ctx.now)) };
}

/** The audit records of one sweep batch: each session ended as expired, by the sweeper. */
export function sweepAudits(sessions: ReadonlyArray<SessionRecord>, now: number): AuditRecord[] {
  return sessions.map((s) => sessionEndedAudit(s, { reason: 'expired', now, actor: 'sweeper' }));
}

/**
 * The idle timer never moves back: nodes touch independently, so a touch carrying an older
 * time (a slower node, a clock behind) keeps what the store already holds.
 */
export function laterTimers(
  current: { lastSeenAt: number; idleExpiresAt: number },
  proposed: { lastSeenAt: number; idleExpiresAt: number },
): { lastSeenAt: number; idleExpiresAt: number } {
  return {
    lastSeenAt: Math.max(current.lastSeenAt, proposed.lastSeenAt),
    idleExpiresAt: Math.max(current.idleExpiresAt, proposed.idleExpiresAt),
  };
}

/** Listing order: (createdAt, handle), both ascending. */
export function compareListing(a: SessionCursor, b: SessionCursor): number {
  return a.createdAt - b.createdAt || (a.handle < b.handle ? -1 : a.handle > b.handle ? 1 : 0);
}

/** Whether a session matches a listing's filter (who, which project), cursors aside. */
export function matchesFilter(session: SessionRecord, filter: SessionCountFilter): boolean {
  if (filter.username !== undefined && session.username !== filter.username) return false;
  if (filter.usernamePrefix !== undefined && !usernameKey(session.username).startsWith(usernameKey(filter.usernamePrefix))) return false;
  return filter.project === undefined || session.project === filter.project;
}

/** Whether a session belongs in a listing: live at `now`, matching the filter, beyond the cursor. */
export function isListed(session: SessionRecord, filter: SessionListFilter, now: number): boolean {
  if (isExpired(session, now) || !matchesFilter(session, filter)) return false;
  if (filter.after !== undefined && compareListing(session, filter.after) <= 0) return false;
  return filter.before === undefined || compareListing(session, filter.before) < 0;
}

/** Whether a listing reads backwards from its cursor (a `before` page). */
export function readsBackward(filter: Pick<SessionListFilter, 'before'>): boolean {
  return filter.before !== undefined;
}

const cursorOf = (s: SessionRecord | undefined): SessionCursor | null => (s ? { createdAt: s.createdAt, handle: s.handle } : null);

/**
 * A keyset page from up to `limit + 1` listed sessions read in the filter's direction: in
 * listing order after `after` (or from the start), or in reverse listing order before `before`.
 * The page holds the `limit` nearest the cursor, in listing order. The side it was read towards
 * has a cursor when one more session was read; the side it came from has one when it came from
 * a cursor and the page is not empty (the session the cursor named may have ended since, so the
 * page there can be empty).
 */
export function pageOf(read: ReadonlyArray<SessionRecord>, filter: Pick<SessionListFilter, 'limit' | 'after' | 'before'>): SessionPage {
  const more = read.length > filter.limit;
  if (readsBackward(filter)) {
    const sessions = read.slice(0, filter.limit).reverse();
    return { sessions, next: cursorOf(sessions[sessions.length - 1]), previous: more ? cursorOf(sessions[0]) : null };
  }
  const sessions = read.slice(0, filter.limit);
  return {
    sessions,
    next: more ? cursorOf(sessions[sessions.length - 1]) : null,
    previous: filter.after !== undefined ? cursorOf(sessions[0]) : null,
  };
}

/**
 * Listed sessions in the order a page is read: listing order, or reversed for a `before` page.
 * The memory store sorts with it; the others read in the same order from their indexes.
 */
export function compareReading(filter: Pick<SessionListFilter, 'before'>): (a: SessionCursor, b: SessionCursor) => number {
  return readsBackward(filter) ? (a, b) => compareListing(b, a) : compareListing;
}

/**
 * The event-log entries of a change, one per session audit record (`audits[i]` is about
 * `sessions[i]`, as settleEnds, settleUserEnds and sweepAudits build them): written in the same
 * transaction as the change and its audit records.
 */
export function sessionEvents(sessions: ReadonlyArray<SessionRecord>, audits: ReadonlyArray<AuditRecord>): SessionEventDraft[] {
  return audits.map((audit, i) => {
    const session = sessions[i]!;
    return {
      type: audit.event === 'session.created' ? 'session.created' : 'session.ended',
      at: audit.at,
      handle: session.handle,
      idHash: session.idHash,
      userId: session.userId,
      username: session.username,
      project: session.project,
      reason: audit.event === 'session.created' ? null : audit.reason,
    };
  });
}
