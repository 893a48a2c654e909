import type { ScriptArg } from './redis-commands.ts';

/**
 * Typed argument builders for the session scripts in redis-scripts.ts: each names its fields
 * and lays them out in the ARGV order its script reads, so no caller counts positions.
 */

/** [records per bucket, records per handle, per-handle retention ms], as every auditing script takes them. */
export type AuditCaps = readonly [number, number, number];

/** A sequence number reserved by the caller (Cluster), or '' to take it from the bucket's counter. */
export type FirstSeq = number | '';

const flag = (value: boolean): '1' | '0' => (value ? '1' : '0');

export function insertSessionArgs(a: {
  base: string;
  idHash: string;
  handle: string;
  userId: string;
  username: string;
  project: string;
  createdAt: number;
  lastSeenAt: number;
  idleExpiresAt: number;
  absoluteExpiresAt: number;
  ttlMs: number;
  seq: FirstSeq;
  caps: AuditCaps;
  writeHandle: boolean;
  handleTtlMs: number;
  ip: string | null;
  userAgent: string | null;
}): ScriptArg[] {
  return [
    a.base, a.idHash, a.handle, a.userId, a.username, a.project, a.createdAt, a.lastSeenAt, a.idleExpiresAt, a.absoluteExpiresAt,
    a.ttlMs, a.seq, ...a.caps, flag(a.writeHandle), a.handleTtlMs, a.ip ?? '', a.userAgent ?? '',
  ];
}

export function touchSessionArgs(a: { base: string; idHash: string; lastSeenAt: number; idleExpiresAt: number; graceMs: number }): ScriptArg[] {
  return [a.base, a.idHash, a.lastSeenAt, a.idleExpiresAt, a.graceMs];
}

export function endSessionsArgs(a: {
  base: string;
  mode: 'ids' | 'check' | 'user';
  now: number;
  reason: string;
  actor: string | null;
  seq: FirstSeq;
  caps: AuditCaps;
  deleteHandles: boolean;
  /** ID hashes ('' for a position that names nothing), or for mode 'user' the one userId. */
  items: ReadonlyArray<string>;
}): ScriptArg[] {
  return [a.base, a.mode, a.now, a.reason, a.actor ?? '', a.seq, ...a.caps, flag(a.deleteHandles), ...a.items];
}

export function sweepSessionsArgs(a: { base: string; now: number; limit: number; seq: FirstSeq; caps: AuditCaps; deleteHandles: boolean }): ScriptArg[] {
  return [a.base, a.now, a.limit, a.seq, ...a.caps, flag(a.deleteHandles)];
}

export function listSessionsArgs(a: {
  base: string;
  index: string;
  /** '-' or '+' for the start, or '(member' for beyond a member. */
  bound: string;
  /** Sessions to answer; 0 counts them instead. */
  want: number;
  now: number;
  project: string | undefined;
  username: string | undefined;
  maxScan: number;
  direction: 'asc' | 'desc';
  /** Already folded to lower case ('' for none). */
  foldedPrefix: string;
}): ScriptArg[] {
  return [a.base, a.index, a.bound, a.want, a.now, a.project ?? '', a.username ?? '', a.maxScan, a.direction, a.foldedPrefix];
}

export function countSessionsArgs(a: { base: string; index: string; now: number; project: string | undefined; username: string | undefined; maxScan: number }): ScriptArg[] {
  return [a.base, a.index, a.now, a.project ?? '', a.username ?? '', a.maxScan];
}
