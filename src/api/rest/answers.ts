import { z } from 'zod';
import { MAX_IDS_PER_CALL } from '../../core/status-codes.ts';

/** Answer shapes more than one REST route gives, for the route contracts and the document. */
const isoTime = z.iso.datetime().describe('ISO 8601, UTC');

export const sessionView = z
  .object({
    handle: z.string().describe("The session's non-secret handle: safe to list and show."),
    userId: z.string(),
    username: z.string(),
    project: z.string(),
    createdAt: isoTime,
    lastSeenAt: isoTime,
    expiresAt: isoTime.describe('When the session expires unless used sooner (idle) or at the latest (absolute)'),
    ip: z.string().nullable().describe("The client's address at login (null for sessions from before it was recorded)"),
    userAgent: z.string().max(256).nullable().describe("The client's User-Agent at login, at most 256 characters; null when none was sent"),
  })
  .strict();

export const invalidateResults = z
  .object({
    results: z
      .array(
        z
          .object({
            success: z.boolean(),
            errors: z.array(
              z
                .object({
                  statusCode: z.enum(['INVALID_SESSION_ID']),
                  message: z.string().describe('One message for unknown, expired, already ended and malformed alike.'),
                  fields: z.array(z.string()),
                })
                .strict(),
            ),
          })
          .strict(),
      )
      .max(MAX_IDS_PER_CALL)
      .describe('One result per input, in input order.'),
  })
  .strict();
