import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PERMISSION_PATTERN, PROJECT_PATTERN, USERNAME_PATTERN } from '../../core/input-rules.ts';
import { MAX_IDS_PER_CALL } from '../../core/status-codes.ts';
import type { SessiondContext } from '../../http/context.ts';
import { decodeCursor, encodeCursor, sessionView as toSessionView } from '../session-view.ts';
import { userAnswer, userJson } from './account-routes.ts';
import { invalidateResults, sessionView } from './answers.ts';
import type { RestAuth } from './rest-auth.ts';
import { contractRoute, type RouteContract } from './route-contract.ts';

/** Admin API: users, sessions by handle, audit. Every route needs an admin session. */

const username = z.string().regex(USERNAME_PATTERN, 'must be 1-128 letters, digits or . _ @ + -');

const createUser = {
  method: 'POST',
  url: '/api/v1/admin/users',
  operationId: 'createUser',
  summary: 'Add a user',
  tag: 'Admin',
  access: 'admin',
  body: z
    .object({
      username,
      password: z.string(),
      admin: z.boolean().optional(),
      permissions: z
        .array(z.string().regex(PERMISSION_PATTERN, 'a permission name such as events'))
        .max(64)
        .optional()
        .describe('What the user may do beyond their own sessions: `events` lets its sessions read GET /api/v1/events'),
    })
    .strict(),
  status: 201,
  answer: z.object({ userId: z.string(), username: z.string() }).strict(),
  errors: ['DUPLICATE_USERNAME'],
} satisfies RouteContract;

const listUsers = {
  method: 'GET',
  url: '/api/v1/admin/users',
  operationId: 'listUsers',
  summary: 'List users (never a password hash)',
  tag: 'Admin',
  access: 'admin',
  answer: z.object({ users: z.array(userAnswer) }).strict(),
} satisfies RouteContract;

const listSessions = {
  method: 'GET',
  url: '/api/v1/admin/sessions',
  operationId: 'listSessions',
  summary: 'List live sessions by handle, newest first, keyset-paged',
  tag: 'Admin',
  access: 'admin',
  querystring: z
    .object({
      username: username.optional(),
      project: z.string().regex(PROJECT_PATTERN, 'not a valid project').optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
      cursor: z.string().max(512).optional().describe('The nextCursor of the page before'),
    })
    .strict(),
  answer: z.object({ sessions: z.array(sessionView), nextCursor: z.string().nullable() }).strict(),
} satisfies RouteContract;

const invalidateHandles = {
  method: 'POST',
  url: '/api/v1/admin/sessions/invalidate',
  operationId: 'invalidateSessionsByHandle',
  summary: 'End up to 200 sessions by handle',
  description: 'The same result shape and limit as invalidateSessions.',
  tag: 'Admin',
  access: 'admin',
  body: z.object({ handles: z.array(z.string()).describe(`At most ${MAX_IDS_PER_CALL}`) }).strict(),
  answer: invalidateResults,
  errors: ['EXCEEDED_ID_LIMIT'],
} satisfies RouteContract;

const endUserSessions = {
  method: 'POST',
  url: '/api/v1/admin/users/:username/sessions/invalidate',
  operationId: 'endSessionsOfUser',
  summary: "End every session of one user",
  tag: 'Admin',
  access: 'admin',
  params: z.object({ username: z.string().regex(USERNAME_PATTERN, 'not a valid username') }).strict(),
  answer: z.object({ ended: z.number().int().min(0) }).strict(),
  errors: ['NOT_FOUND'],
} satisfies RouteContract;

const audit = {
  method: 'GET',
  url: '/api/v1/admin/audit',
  operationId: 'listAudit',
  summary: 'The audit trail, newest first',
  tag: 'Admin',
  access: 'admin',
  querystring: z
    .object({
      limit: z.coerce.number().int().min(1).max(1000).default(100),
      handle: z.string().max(64).optional().describe("Only this session's records"),
    })
    .strict(),
  answer: z
    .object({
      records: z.array(
        z
          .object({
            at: z.iso.datetime(),
            event: z.string().describe('session.created, session.ended, pool.*, web.login, web.logout, user.created, …'),
            handle: z.string().nullable(),
            userId: z.string().nullable(),
            project: z.string().nullable(),
            reason: z.string().nullable().describe('Why a session ended (logout, invalidated, admin, expired, …)'),
            actor: z.string().nullable().describe('The handle of the session that asked, or cli, sweeper, system'),
          })
          .strict(),
      ),
    })
    .strict(),
} satisfies RouteContract;

export function registerAdminRoutes(app: FastifyInstance, ctx: SessiondContext, auth: RestAuth): void {
  app.route(
    contractRoute(auth, createUser, async (request, reply) => {
      const caller = await auth.admin(request);
      const user = await ctx.users.createUser({ ...request.body, actor: caller.session.handle });
      return reply.status(201).send({ userId: user.userId, username: user.username });
    }),
  );

  app.route(
    contractRoute(auth, listUsers, async (request) => {
      await auth.admin(request);
      const users = await ctx.users.listUsers();
      // Times as ISO text, as every other answer of this API gives them.
      return { users: users.map(userJson) };
    }),
  );

  app.route(
    contractRoute(auth, listSessions, async (request) => {
      await auth.admin(request);
      const q = request.query;
      const page = await ctx.service.listSessions({
        limit: q.limit,
        ...(q.username !== undefined ? { username: q.username } : {}),
        ...(q.project !== undefined ? { project: q.project } : {}),
        ...(q.cursor !== undefined ? { after: decodeCursor(q.cursor) } : {}),
      });
      return { sessions: page.sessions.map(toSessionView), nextCursor: encodeCursor(page.next) };
    }),
  );

  app.route(
    contractRoute(auth, invalidateHandles, async (request) => {
      const caller = await auth.admin(request);
      return { results: await ctx.service.invalidateByHandles(caller.session.handle, request.body.handles) };
    }),
  );

  app.route(
    contractRoute(auth, endUserSessions, async (request) => {
      const caller = await auth.admin(request);
      return { ended: await ctx.service.endSessionsOfUser(request.params.username, caller.session.handle) };
    }),
  );

  app.route(
    contractRoute(auth, audit, async (request) => {
      await auth.admin(request);
      const q = request.query;
      const records = await ctx.store.audit.list({ limit: q.limit, ...(q.handle !== undefined ? { handle: q.handle } : {}) });
      return { records: records.map((r) => ({ ...r, at: new Date(r.at).toISOString() })) };
    }),
  );
}
