import { z } from 'zod';
import { PASSWORD_MAX_LENGTH, PROJECT_PATTERN, USERNAME_PATTERN } from '../../core/input-rules.ts';

/** The REST API's request shapes. Bodies are strict: an unknown field is a mistake worth naming. */
export const loginBody = z
  .object({
    username: z.string().min(1).max(256),
    password: z.string().max(PASSWORD_MAX_LENGTH),
    project: z.string().regex(PROJECT_PATTERN, 'must be 1-64 letters, digits, _ or -').optional(),
  })
  .strict();

export const invalidateBody = z.object({ sessionIds: z.array(z.string()) }).strict();
export const invalidateHandlesBody = z.object({ handles: z.array(z.string()) }).strict();

export const createUserBody = z
  .object({
    username: z.string().regex(USERNAME_PATTERN, 'must be 1-128 letters, digits or . _ @ + -'),
    password: z.string(),
    admin: z.boolean().optional(),
  })
  .strict();

export const usernameParam = z.object({ username: z.string().regex(USERNAME_PATTERN, 'not a valid username') });

export const listSessionsQuery = z
  .object({
    username: z.string().regex(USERNAME_PATTERN, 'not a valid username').optional(),
    project: z.string().regex(PROJECT_PATTERN, 'not a valid project').optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: z.string().max(512).optional(),
  })
  .strict();

export const auditQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    handle: z.string().max(64).optional(),
  })
  .strict();
