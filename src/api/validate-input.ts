import type { z } from 'zod';
import { SessiondError } from '../core/errors.ts';

/**
 * Validates one outside input against its schema, or throws INVALID_REQUEST naming what is
 * wrong (`sessionIds[3]: expected string`). Nothing has changed when it throws.
 */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, what = 'body'): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  if (value === undefined && what === 'body') throw new SessiondError('INVALID_REQUEST', 'The request body is empty; this call needs a JSON object.');
  const problems = result.error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    return `${what}${path}: ${issue.message}`;
  });
  throw new SessiondError('INVALID_REQUEST', problems.join('; '));
}
