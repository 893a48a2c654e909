import { expiresAt } from '../core/expiry.ts';
import { SessiondError } from '../core/errors.ts';
import type { SessionCursor, SessionRecord, SessionView } from '../core/types.ts';

/** How every API shows a session: by handle, with ISO times; never its ID or hash. */
export function sessionView(s: SessionRecord): SessionView {
  return {
    handle: s.handle,
    userId: s.userId,
    username: s.username,
    project: s.project,
    createdAt: new Date(s.createdAt).toISOString(),
    lastSeenAt: new Date(s.lastSeenAt).toISOString(),
    expiresAt: new Date(expiresAt(s)).toISOString(),
    ip: s.ip,
    userAgent: s.userAgent,
  };
}

const viewJson = new WeakMap<SessionRecord, string>();

/**
 * The session view as JSON text, made once per record. Validation is the hot path and a cached
 * session is the same record until it is touched, so most checks answer text made earlier.
 */
export function sessionViewJson(s: SessionRecord): string {
  let json = viewJson.get(s);
  if (json === undefined) {
    json = JSON.stringify(sessionView(s));
    viewJson.set(s, json);
  }
  return json;
}

/** Keyset cursors travel as opaque base64url text. */
export function encodeCursor(cursor: SessionCursor | null): string | null {
  return cursor ? Buffer.from(JSON.stringify([cursor.createdAt, cursor.handle])).toString('base64url') : null;
}

export function decodeCursor(text: string, name = 'cursor'): SessionCursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') {
      return { createdAt: value[0] as number, handle: value[1] };
    }
  } catch {
    // fall through to the clear error below
  }
  throw new SessiondError('INVALID_REQUEST', `${name}: not a cursor this server gave out`);
}

/** An audit page's cursor: the position to continue from, as opaque base64url text. */
export function encodeAuditCursor(position: number | null): string | null {
  return position === null ? null : Buffer.from(JSON.stringify(['a', position])).toString('base64url');
}

export function decodeAuditCursor(text: string): number {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && value[0] === 'a' && Number.isSafeInteger(value[1]) && (value[1] as number) >= 0) {
      return value[1] as number;
    }
  } catch {
    // fall through to the clear error below
  }
  throw new SessiondError('INVALID_REQUEST', 'cursor: not a cursor this server gave out');
}
