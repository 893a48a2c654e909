import { z } from 'zod';
import type { AuditEntry, AuditRecord, SessionEventRecord, SessionEventType, SessionRecord, UserRecord, UserSummary, WebSessionRecord } from '../core/types.ts';

/**
 * The rows the two SQL stores (SQLite, PostgreSQL) share, and their mapping to core records.
 * The schemas name columns alike; only booleans differ (SQLite stores 0/1).
 */
export interface SessionRow {
  id_hash: string;
  handle: string;
  user_id: string;
  username: string;
  project: string;
  created_at: number;
  last_seen_at: number;
  idle_expires_at: number;
  absolute_expires_at: number;
  ip: string | null;
  user_agent: string | null;
}

export interface UserRow {
  user_id: string;
  username: string;
  password_hash: string;
  admin: boolean | number;
  active: boolean | number;
  created_at: number;
  /** PostgreSQL: text[]; SQLite: a JSON array as text (migration 3). */
  permissions: string[] | string;
}

const permissionList = z.array(z.string());

export interface AuditRow {
  /** The row's place in the trail: the page cursor. */
  id: number;
  at: number;
  event: AuditRecord['event'];
  handle: string | null;
  user_id: string | null;
  project: string | null;
  reason: string | null;
  actor: string | null;
}

export interface WebSessionRow {
  id_hash: string;
  handle: string;
  created_at: number;
  last_seen_at: number;
  idle_expires_at: number;
  absolute_expires_at: number;
  data: string;
}

/** A row of the event log (migration 4 in both stores); `seq` is the table's key. */
export interface EventRow {
  /** PostgreSQL's bigint arrives as text where no type parser makes it a number; toEvent copes with both. */
  seq: number | string;
  at: number | string;
  type: SessionEventType;
  handle: string;
  id_hash: string;
  user_id: string;
  username: string;
  project: string;
  reason: string | null;
}

export const SESSION_COLUMNS =
  'id_hash, handle, user_id, username, project, created_at, last_seen_at, idle_expires_at, absolute_expires_at, ip, user_agent';
export const WEB_COLUMNS = 'id_hash, handle, created_at, last_seen_at, idle_expires_at, absolute_expires_at, data';
/** The columns an event is written with; the store numbers it (`seq`). */
export const EVENT_COLUMNS = 'at, type, handle, id_hash, user_id, username, project, reason';

/**
 * A session row as an array in SESSION_COLUMNS order (better-sqlite3's `raw()` mode): building
 * an object per row costs a property transition and a name lookup per column, about a third of
 * the CPU of a lookup by hash (measured on the 200-ID invalidate).
 */
export type SessionTuple = [
  id_hash: string,
  handle: string,
  user_id: string,
  username: string,
  project: string,
  created_at: number,
  last_seen_at: number,
  idle_expires_at: number,
  absolute_expires_at: number,
  ip: string | null,
  user_agent: string | null,
];

export function tupleToSession(t: SessionTuple): SessionRecord {
  return {
    idHash: t[0],
    handle: t[1],
    userId: t[2],
    username: t[3],
    project: t[4],
    createdAt: t[5],
    lastSeenAt: t[6],
    idleExpiresAt: t[7],
    absoluteExpiresAt: t[8],
    ip: t[9],
    userAgent: t[10],
  };
}

export function toSession(row: SessionRow): SessionRecord {
  return {
    idHash: row.id_hash,
    handle: row.handle,
    userId: row.user_id,
    username: row.username,
    project: row.project,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    idleExpiresAt: row.idle_expires_at,
    absoluteExpiresAt: row.absolute_expires_at,
    ip: row.ip,
    userAgent: row.user_agent,
  };
}

export function toUser(row: UserRow): UserRecord {
  return {
    userId: row.user_id,
    username: row.username,
    passwordHash: row.password_hash,
    admin: row.admin === true || row.admin === 1,
    active: row.active === true || row.active === 1,
    createdAt: row.created_at,
    permissions: permissionList.parse(typeof row.permissions === 'string' ? JSON.parse(row.permissions) : row.permissions),
  };
}

/**
 * Of the rows whose name is `username` in some letter case, the one `find` answers: the exact
 * name, else the only one (names older users share only in case are ambiguous: none).
 */
export function pickUser(rows: ReadonlyArray<UserRow>, username: string): UserRow | null {
  return rows.find((r) => r.username === username) ?? (rows.length === 1 ? rows[0]! : null);
}

/** A user as lists show it: never the password hash. */
export function toUserSummary(row: UserRow): UserSummary {
  const { passwordHash: _hidden, ...summary } = toUser(row);
  return summary;
}

export function toAudit(row: AuditRow): AuditRecord {
  return {
    at: row.at,
    event: row.event,
    handle: row.handle,
    userId: row.user_id,
    project: row.project,
    reason: row.reason,
    actor: row.actor,
  };
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  return { position: row.id, record: toAudit(row) };
}

export function toWebSession(row: WebSessionRow): WebSessionRecord {
  return {
    idHash: row.id_hash,
    handle: row.handle,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    idleExpiresAt: row.idle_expires_at,
    absoluteExpiresAt: row.absolute_expires_at,
    data: row.data,
  };
}

export function toEvent(row: EventRow): SessionEventRecord {
  return {
    seq: Number(row.seq),
    type: row.type,
    at: Number(row.at),
    handle: row.handle,
    idHash: row.id_hash,
    userId: row.user_id,
    username: row.username,
    project: row.project,
    reason: row.reason,
  };
}
