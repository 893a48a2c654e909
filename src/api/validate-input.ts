import type { FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';
import { SessiondError } from '../core/errors.ts';

/**
 * Validates one outside input against its schema, or throws INVALID_REQUEST naming what is
 * wrong (`sessionIds[3]: expected string`). Nothing has changed when it throws.
 */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, what = 'body'): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw inputError(result.error, value, what);
}

function inputError(error: z.ZodError, value: unknown, what: string): SessiondError {
  if ((value === undefined || value === null) && what === 'body') {
    return new SessiondError('INVALID_REQUEST', 'The request body is empty (or null); this call needs a JSON object.');
  }
  const problems = error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    return `${what}${path}: ${issue.message}`;
  });
  return new SessiondError('INVALID_REQUEST', problems.join('; '));
}

const PART_NAMES: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'headers' };

/**
 * Fastify's validator for the zod schemas REST routes declare (src/api/rest/route-contract.ts):
 * the same checks and messages as parseInput, run by Fastify before the handler.
 */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema, httpPart }) =>
  (value) => {
    const result = schema.safeParse(value);
    if (result.success) return { value: result.data };
    return { error: inputError(result.error, value, PART_NAMES[httpPart ?? 'body'] ?? 'input') };
  };
