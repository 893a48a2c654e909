import type { AuditQuery } from '../core/types.ts';

/**
 * The audit page query both SQL stores run: the records matching the query (core's
 * matchesAudit), newest first by row id, `limit + 1` of them so core's auditPageOf can tell
 * whether older ones exist. `placeholder(n)` spells the n-th parameter.
 */
export function auditPageQuery(
  query: AuditQuery,
  placeholder: (n: number) => string,
  /** How a store finds records by handle or user: an indexed column by default (see SqliteAuditLog for another way). */
  keyed: (column: 'handle' | 'user_id', param: (value: string) => string, value: string) => string = (column, param, value) =>
    `${column} = ${param(value)}`,
): { sql: string; params: Array<string | number> } {
  const params: Array<string | number> = [];
  const param = (value: string | number): string => {
    params.push(value);
    return placeholder(params.length);
  };
  const where: string[] = [];
  if (query.handle !== undefined) where.push(keyed('handle', param, query.handle));
  if (query.userId !== undefined) where.push(keyed('user_id', param, query.userId));
  if (query.event !== undefined) where.push(`event = ${param(query.event)}`);
  if (query.before !== undefined) where.push(`id < ${param(query.before)}`);
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')} ` : '';
  return { sql: `SELECT * FROM audit ${filter}ORDER BY id DESC LIMIT ${param(query.limit + 1)}`, params };
}
