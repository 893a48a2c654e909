/** The records core works with. Times are milliseconds since the epoch. */

export interface UserRecord {
  userId: string;
  username: string;
  passwordHash: string;
  admin: boolean;
  active: boolean;
  createdAt: number;
  /** What the user may do beyond their own sessions (such as `events`); admins may do everything. */
  permissions: string[];
}

/** A user as lists show it: never the password hash. */
export type UserSummary = Omit<UserRecord, 'passwordHash'>;

export interface SessionRecord {
  /** SHA-256 of the session ID; the ID itself is never stored. */
  idHash: string;
  handle: string;
  userId: string;
  username: string;
  project: string;
  createdAt: number;
  lastSeenAt: number;
  /** lastSeenAt + the project's idle timeout. */
  idleExpiresAt: number;
  /** createdAt + the project's absolute lifetime. */
  absoluteExpiresAt: number;
  /** The client's address at login (behind SESSIOND_TRUST_PROXY: the forwarded one); null when not known. */
  ip: string | null;
  /** The client's User-Agent at login, at most USER_AGENT_MAX_LENGTH characters; null when not sent. */
  userAgent: string | null;
}

/** A session as lists and admins see it: by handle, never by ID or hash. */
export interface SessionView {
  handle: string;
  userId: string;
  username: string;
  project: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string | null;
  userAgent: string | null;
}

export type EndReason = 'logout' | 'invalidated' | 'admin' | 'expired' | 'user-sessions-ended' | 'password-changed';

/** Every audit event name, in one list every store validates against. */
export const AUDIT_EVENT_NAMES = [
  'session.created',
  'session.ended',
  'pool.released',
  'pool.reused',
  'pool.missed',
  'pool.evicted',
  'pool.close-failed',
  'web.login',
  'web.logout',
  'user.created',
  'user.activated',
  'user.deactivated',
  'user.updated',
  'user.deleted',
  'user.password-reset',
  'user.password-changed',
  'login.failed',
  'webhook.created',
  'webhook.deleted',
] as const;

export type AuditEventName = (typeof AUDIT_EVENT_NAMES)[number];

export interface AuditRecord {
  at: number;
  event: AuditEventName;
  /** The session's handle (or the web session's), when the event is about one. */
  handle: string | null;
  userId: string | null;
  project: string | null;
  /** Why a session ended, or other short detail; never a secret. */
  reason: string | null;
  /** Handle of the session that asked for it, or `cli`, `sweeper`, `system`; for `login.failed`, the client's address. */
  actor: string | null;
}

/**
 * Which audit records to list, newest first: those about one session handle, one user, one
 * kind of event, older than a page's `next` position. Every store answers what core's
 * matchesAudit and auditPageOf answer.
 */
export interface AuditQuery {
  limit: number;
  handle?: string;
  userId?: string;
  event?: AuditEventName;
  /** Only records older than this position (a page's `next`). */
  before?: number;
}

/** A record's position in its store's audit trail: later records have higher ones. Opaque to callers. */
export interface AuditEntry {
  position: number;
  record: AuditRecord;
}

export interface AuditPage {
  /** Newest first. */
  records: AuditRecord[];
  /** Pass as `before` for the older records; null when there are none. */
  next: number | null;
}

/** The kinds of entry in the event log (issue 14): what subscribers, webhooks and validators learn. */
export const SESSION_EVENT_TYPES = ['session.created', 'session.ended'] as const;
export type SessionEventType = (typeof SESSION_EVENT_TYPES)[number];

/** An event as a store writes it, beside the change it records; the store gives it its seq. */
export interface SessionEventDraft {
  type: SessionEventType;
  at: number;
  handle: string;
  /** The stored hash of the session ID (base64url SHA-256): how a validator matches its cache; never the ID. */
  idHash: string;
  userId: string;
  username: string;
  project: string;
  /** Why a session ended (an EndReason); null for session.created. */
  reason: string | null;
}

/** An event in the log: `seq` increases store-wide, in the order the changes committed. */
export interface SessionEventRecord extends SessionEventDraft {
  seq: number;
}

/** What a store is told when sessions end, so it can write the audit rows in the same transaction. */
export interface EndContext {
  reason: EndReason;
  now: number;
  actor: string | null;
}

export interface SessionListFilter {
  username?: string;
  /** Usernames starting with this, in any letter case (see usernameKey). */
  usernamePrefix?: string;
  project?: string;
  limit: number;
  /** The page after this cursor (a page's `next`). */
  after?: SessionCursor;
  /** The page just before this cursor (a page's `previous`); never together with `after`. */
  before?: SessionCursor;
}

/** What a session count looks at: the filter's matches, without a page's limit or cursors. */
export type SessionCountFilter = Pick<SessionListFilter, 'username' | 'usernamePrefix' | 'project'>;

export interface SessionCursor {
  createdAt: number;
  handle: string;
}

export interface SessionPage {
  /** In listing order, whichever way the page was read. */
  sessions: SessionRecord[];
  /** Pass as `after` for the page after this one; null when there is none. */
  next: SessionCursor | null;
  /** Pass as `before` for the page before this one; null on the first page. */
  previous: SessionCursor | null;
}

/** A web tier session: hashed ID, timeouts, and a blob the web tier encrypts itself. */
export interface WebSessionRecord {
  idHash: string;
  handle: string;
  createdAt: number;
  lastSeenAt: number;
  idleExpiresAt: number;
  absoluteExpiresAt: number;
  /** Opaque to the store (the web tier encrypts it with a key only the cookie holder has). */
  data: string;
}
