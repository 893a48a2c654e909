import { z } from 'zod';
import { AUDIT_EVENT_NAMES, type AuditRecord, type SessionRecord, type UserRecord, type WebSessionRecord } from '../../core/types.ts';

/**
 * Turns what Redis holds back into records. What comes out of the store is checked like any
 * other outside input: a key someone else wrote, or a layout from another version, is refused
 * with a clear error instead of turning into a half-filled record.
 */
const digits = z.string().regex(/^-?\d+$/).transform(Number);
const text = z.string();
const nullableText = z.string().nullable();

/** ip and ua follow in answers (null when not known); the expiry index's members leave them out. */
const sessionTuple = z.union([
  z.tuple([text, text, text, text, text, digits, digits, digits, digits, nullableText, nullableText]),
  z.tuple([text, text, text, text, text, digits, digits, digits, digits]).transform((t) => [...t, null, null] as const),
]);

export class CorruptRecordError extends Error {
  override name = 'CorruptRecordError';
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new CorruptRecordError(`Redis holds a malformed ${what}: ${result.error.issues[0]?.message ?? 'unknown'}`);
  return result.data;
}

/**
 * A session as the scripts encode it: [idHash, handle, userId, username, project, createdAt,
 * lastSeenAt, idleExpiresAt, absoluteExpiresAt, ip?, userAgent?].
 */
export function sessionFromJson(json: string): SessionRecord {
  const [idHash, handle, userId, username, project, createdAt, lastSeenAt, idleExpiresAt, absoluteExpiresAt, ip, userAgent] = parse(
    sessionTuple,
    JSON.parse(json),
    'session record',
  );
  return { idHash, handle, userId, username, project, createdAt, lastSeenAt, idleExpiresAt, absoluteExpiresAt, ip, userAgent };
}

const INTEGER = /^-?\d+$/;

/**
 * A session hash read with HMGET h u n p c l i a ip ua. The validation hot path on Redis: checked
 * field by field as sessionTuple would, without a JSON round trip.
 */
export function sessionFromFields(idHash: string, fields: ReadonlyArray<string | null>): SessionRecord | null {
  const [handle, userId, username, project, createdAt, lastSeenAt, idleExpiresAt, absoluteExpiresAt, ip, ua] = fields;
  if (handle === null || handle === undefined) return null;
  return {
    idHash,
    handle,
    userId: textField(userId, 'userId'),
    username: textField(username, 'username'),
    project: textField(project, 'project'),
    createdAt: timeField(createdAt, 'createdAt'),
    lastSeenAt: timeField(lastSeenAt, 'lastSeenAt'),
    idleExpiresAt: timeField(idleExpiresAt, 'idleExpiresAt'),
    absoluteExpiresAt: timeField(absoluteExpiresAt, 'absoluteExpiresAt'),
    ip: ip || null,
    userAgent: ua || null,
  };
}

function textField(value: string | null | undefined, name: string): string {
  if (typeof value !== 'string') throw new CorruptRecordError(`Redis holds a malformed session record: ${name} is missing`);
  return value;
}

function timeField(value: string | null | undefined, name: string): number {
  if (typeof value !== 'string' || !INTEGER.test(value)) throw new CorruptRecordError(`Redis holds a malformed session record: ${name} is not an integer`);
  return Number(value);
}

const auditTuple = z.tuple([
  z.number().int(),
  z.number(),
  z.enum(AUDIT_EVENT_NAMES),
  nullableText,
  nullableText,
  nullableText,
  nullableText,
  nullableText,
]);

/** An audit list entry: [seq, at, event, handle, userId, project, reason, actor]. */
export function auditFromJson(json: string): { seq: number; record: AuditRecord } {
  const [seq, at, event, handle, userId, project, reason, actor] = parse(auditTuple, JSON.parse(json), 'audit record');
  return { seq, record: { at, event, handle, userId, project, reason, actor } };
}

/** The JSON a script appends: [offset, at, event, handle, userId, project, reason, actor]. */
export function auditToJson(offset: number, r: AuditRecord): string {
  return JSON.stringify([offset, r.at, r.event, r.handle, r.userId, r.project, r.reason, r.actor]);
}

/** A user's permissions: a JSON array of names; absent ('' or null) for users written before permissions existed. */
const permissions = z
  .string()
  .nullable()
  .transform((value, ctx) => {
    if (value === null || value === '') return [];
    try {
      return z.array(z.string()).parse(JSON.parse(value));
    } catch {
      ctx.addIssue({ code: 'custom', message: 'permissions are not a JSON array of names' });
      return z.NEVER;
    }
  });

/** A user hash read with HMGET id pw ad ac c pm. */
export function userFromFields(username: string, fields: ReadonlyArray<string | null>): UserRecord | null {
  if (fields[0] === null || fields[0] === undefined) return null;
  const [userId, passwordHash, admin, active, createdAt, granted] = parse(
    z.tuple([text, text, z.enum(['0', '1']), z.enum(['0', '1']), digits, permissions]),
    [...fields.slice(0, 5), fields[5] ?? null],
    'user record',
  );
  return { userId, username, passwordHash, admin: admin === '1', active: active === '1', createdAt, permissions: granted };
}

/** A web session hash read with HMGET h c l i a d. */
export function webSessionFromFields(idHash: string, fields: ReadonlyArray<string | null>): WebSessionRecord | null {
  if (fields[0] === null || fields[0] === undefined) return null;
  const [handle, createdAt, lastSeenAt, idleExpiresAt, absoluteExpiresAt, data] = parse(
    z.tuple([text, digits, digits, digits, digits, text]),
    [...fields],
    'web session record',
  );
  return { idHash, handle, createdAt, lastSeenAt, idleExpiresAt, absoluteExpiresAt, data };
}
