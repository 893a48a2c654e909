import type { SessionListFilter } from '../core/types.ts';

/**
 * The listing query both SQL stores run: live sessions matching the filter, after the keyset
 * cursor, in listing order, `limit + 1` rows so core's pageOf can tell whether a next page
 * exists. `placeholder(n)` spells the n-th parameter (`?` in SQLite, `$n` in PostgreSQL).
 */
export function listingQuery(
  columns: string,
  filter: SessionListFilter,
  now: number,
  placeholder: (n: number) => string,
  extraWhere: ReadonlyArray<string> = [],
): { sql: string; params: Array<string | number> } {
  const params: Array<string | number> = [];
  const param = (value: string | number): string => {
    params.push(value);
    return placeholder(params.length);
  };
  const where = [`expires_at > ${param(now)}`, ...extraWhere];
  if (filter.username !== undefined) where.push(`username = ${param(filter.username)}`);
  if (filter.project !== undefined) where.push(`project = ${param(filter.project)}`);
  if (filter.after) where.push(`(created_at, handle) > (${param(filter.after.createdAt)}, ${param(filter.after.handle)})`);
  const limit = param(filter.limit + 1);
  return { sql: `SELECT ${columns} FROM sessions WHERE ${where.join(' AND ')} ORDER BY created_at, handle LIMIT ${limit}`, params };
}
