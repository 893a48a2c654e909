import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { sessionView } from '../session-view.ts';
import { PASSWORD_MAX_LENGTH } from '../../core/input-rules.ts';
import { MAX_IDS_PER_CALL } from '../../core/status-codes.ts';
import type { SessionRecord } from '../../core/types.ts';
import type { SessiondContext } from '../../http/context.ts';
import { invalidateResults } from './answers.ts';
import type { RestAuth } from './rest-auth.ts';
import { contractRoute, type RouteContract } from './route-contract.ts';

/** Self-service: the caller's own sessions and password, by the caller's own session. */
const isoTime = z.iso.datetime().describe('ISO 8601, UTC');

export const ownSession = z
  .object({
    handle: z.string(),
    project: z.string(),
    createdAt: isoTime,
    lastSeenAt: isoTime,
    expiresAt: isoTime,
    ip: z.string().nullable().describe("The client's address at login"),
    userAgent: z.string().nullable().describe("The client's User-Agent at login, at most 256 characters"),
    current: z.boolean().describe('Whether this is the session making the call'),
  })
  .strict();

export function ownSessionJson(s: SessionRecord, caller: SessionRecord): z.output<typeof ownSession> {
  // The admin view without whose it is: the caller knows.
  const { userId: _userId, username: _username, ...view } = sessionView(s);
  return { ...view, current: s.handle === caller.handle };
}

const listMine = {
  method: 'GET',
  url: '/api/v1/me/sessions',
  operationId: 'getMySessions',
  summary: "The caller's own live sessions, oldest first, with where each came from",
  tag: 'Self-service',
  access: 'session',
  answer: z.object({ sessions: z.array(ownSession) }).strict(),
} satisfies RouteContract;

const invalidateMine = {
  method: 'POST',
  url: '/api/v1/me/sessions/invalidate',
  operationId: 'invalidateMySessions',
  summary: "End up to 200 of the caller's own sessions by handle",
  description:
    "The invalidateSessions result shape and limit. A handle that is not one of the caller's sessions answers exactly like an unknown one.",
  tag: 'Self-service',
  access: 'session',
  body: z.object({ handles: z.array(z.string().max(128)).describe(`At most ${MAX_IDS_PER_CALL}`) }).strict(),
  answer: invalidateResults,
  errors: ['EXCEEDED_ID_LIMIT'],
} satisfies RouteContract;

const invalidateOthers = {
  method: 'POST',
  url: '/api/v1/me/sessions/invalidate-others',
  operationId: 'invalidateOtherSessions',
  summary: "Sign out everywhere else: end every session of the caller's but this one",
  tag: 'Self-service',
  access: 'session',
  answer: z.object({ ended: z.number().int().min(0) }).strict(),
} satisfies RouteContract;

const changePassword = {
  method: 'POST',
  url: '/api/v1/me/password',
  operationId: 'changePassword',
  summary: "Change the caller's password; the caller's other sessions end",
  description:
    'A wrong current password answers 401 INVALID_LOGIN and counts as a failed login for the username and address; too many ' +
    'answer 429 LOGIN_RATE_EXCEEDED with Retry-After, as login does.',
  tag: 'Self-service',
  access: 'session',
  body: z
    .object({ currentPassword: z.string().max(PASSWORD_MAX_LENGTH), newPassword: z.string().max(PASSWORD_MAX_LENGTH) })
    .strict(),
  answer: z.object({ endedOtherSessions: z.number().int().min(0) }).strict(),
  errors: ['INVALID_LOGIN', 'LOGIN_RATE_EXCEEDED'],
} satisfies RouteContract;

export function registerMeRoutes(app: FastifyInstance, ctx: SessiondContext, auth: RestAuth): void {
  app.route(
    contractRoute(auth, listMine, async (request) => {
      const { session } = await auth.user(request);
      return { sessions: (await ctx.ownSessions.list(session)).map((s) => ownSessionJson(s, session)) };
    }),
  );
  app.route(
    contractRoute(auth, invalidateMine, async (request) => {
      const { session } = await auth.user(request);
      return { results: await ctx.ownSessions.invalidate(session, request.body.handles) };
    }),
  );
  app.route(
    contractRoute(auth, invalidateOthers, async (request) => {
      const { session } = await auth.user(request);
      return { ended: await ctx.ownSessions.endOthers(session) };
    }),
  );
  app.route(
    contractRoute(auth, changePassword, async (request) => {
      const caller = await auth.user(request);
      return ctx.accounts.changeOwnPassword(caller, { ...request.body, address: request.ip });
    }),
  );
}
