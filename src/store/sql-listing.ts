import { usernameKey } from '../core/input-rules.ts';
import { readsBackward } from '../core/session-rules.ts';
import type { SessionCountFilter, SessionListFilter } from '../core/types.ts';

type Params = Array<string | number>;

/** `_` is the one LIKE wildcard a username may hold (USERNAME_PATTERN has no `%` or `\`). */
const likePrefix = (prefix: string): string => `${usernameKey(prefix).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The WHERE terms of a filter (live at `now`, who, which project), as core's matchesFilter. */
function filterTerms(filter: SessionCountFilter, now: number, param: (value: string | number) => string, extraWhere: ReadonlyArray<string>): string[] {
  const where = [`expires_at > ${param(now)}`, ...extraWhere];
  if (filter.username !== undefined) where.push(`username = ${param(filter.username)}`);
  // lower() folds ASCII letters only in both SQLite and PostgreSQL, as core's usernameKey does.
  if (filter.usernamePrefix !== undefined) where.push(`lower(username) LIKE ${param(likePrefix(filter.usernamePrefix))} ESCAPE '\\'`);
  if (filter.project !== undefined) where.push(`project = ${param(filter.project)}`);
  return where;
}

function binder(placeholder: (n: number) => string): { params: Params; param: (value: string | number) => string } {
  const params: Params = [];
  return {
    params,
    param: (value) => {
      params.push(value);
      return placeholder(params.length);
    },
  };
}

/**
 * The listing query both SQL stores run: live sessions matching the filter, beyond the keyset
 * cursor, `limit + 1` rows in the order core's pageOf reads them (listing order after `after`,
 * reversed before `before`), so it can tell whether a page lies further on. `placeholder(n)`
 * spells the n-th parameter (`?` in SQLite, `$n` in PostgreSQL).
 */
export function listingQuery(
  columns: string,
  filter: SessionListFilter,
  now: number,
  placeholder: (n: number) => string,
  extraWhere: ReadonlyArray<string> = [],
): { sql: string; params: Params } {
  const { params, param } = binder(placeholder);
  const where = filterTerms(filter, now, param, extraWhere);
  if (filter.after) where.push(`(created_at, handle) > (${param(filter.after.createdAt)}, ${param(filter.after.handle)})`);
  if (filter.before) where.push(`(created_at, handle) < (${param(filter.before.createdAt)}, ${param(filter.before.handle)})`);
  const order = readsBackward(filter) ? 'created_at DESC, handle DESC' : 'created_at, handle';
  const limit = param(filter.limit + 1);
  return { sql: `SELECT ${columns} FROM sessions WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${limit}`, params };
}

/** How many sessions match a filter: the same terms as listingQuery's, without cursor or limit. */
export function countQuery(
  filter: SessionCountFilter,
  now: number,
  placeholder: (n: number) => string,
  extraWhere: ReadonlyArray<string> = [],
): { sql: string; params: Params } {
  const { params, param } = binder(placeholder);
  const where = filterTerms(filter, now, param, extraWhere);
  return { sql: `SELECT count(*) AS n FROM sessions WHERE ${where.join(' AND ')}`, params };
}
