import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PERMISSION_PATTERN, PROJECT_PATTERN, USERNAME_PATTERN } from '../../core/input-rules.ts';
import { SessiondError } from '../../core/errors.ts';
import { MAX_IDS_PER_CALL } from '../../core/status-codes.ts';
import { AUDIT_EVENT_NAMES } from '../../core/types.ts';
import type { SessiondContext } from '../../http/context.ts';
import { decodeAuditCursor, decodeCursor, encodeAuditCursor, encodeCursor, sessionView as toSessionView } from '../session-view.ts';
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

const cursorText = z.string().max(512);

const listSessions = {
  method: 'GET',
  url: '/api/v1/admin/sessions',
  operationId: 'listSessions',
  summary: 'List live sessions by handle, oldest first, keyset-paged both ways',
  description:
    'Pass a page\'s nextCursor as `cursor` for the page after it, or its previousCursor as `before` for the page before it (never both). ' +
    'With `count=true` the answer carries the total of live sessions matching the filter (it reads every one of them, so ask only when showing it).',
  tag: 'Admin',
  access: 'admin',
  querystring: z
    .object({
      username: username.optional().describe('Exactly this username'),
      usernamePrefix: z
        .string()
        .regex(/^[A-Za-z0-9._@+-]{1,128}$/, 'must be 1-128 letters, digits or . _ @ + -')
        .optional()
        .describe('Usernames starting with this, in any letter case'),
      project: z.string().regex(PROJECT_PATTERN, 'not a valid project').optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
      cursor: cursorText.optional().describe('The nextCursor of the page before: the page after it'),
      before: cursorText.optional().describe('The previousCursor of the page after: the page before it'),
      count: z.enum(['true', 'false']).default('false').describe('Whether to answer the total'),
    })
    .strict(),
  answer: z
    .object({
      sessions: z.array(sessionView),
      nextCursor: z.string().nullable(),
      previousCursor: z.string().nullable().describe('Null on the first page'),
      total: z.number().int().min(0).nullable().describe('Live sessions matching the filter; null unless count=true'),
    })
    .strict(),
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
  summary: 'The audit trail, newest first, filtered and keyset-paged',
  description: "Pass a page's nextCursor as `cursor` for older records. `username` names a user in the directory; a removed user's records are found by `userId`.",
  tag: 'Admin',
  access: 'admin',
  querystring: z
    .object({
      limit: z.coerce.number().int().min(1).max(1000).default(100),
      handle: z.string().max(64).optional().describe("Only this session's records"),
      username: username.optional().describe("Only this user's records"),
      userId: z.string().max(64).optional().describe("Only the records of the user with this ID"),
      event: z.enum(AUDIT_EVENT_NAMES).optional().describe('Only records of this event'),
      cursor: cursorText.optional().describe('The nextCursor of the page before: older records'),
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
      nextCursor: z.string().nullable().describe('Null when there are no older records'),
    })
    .strict(),
  errors: ['NOT_FOUND'],
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
      const filter = {
        ...(q.username !== undefined ? { username: q.username } : {}),
        ...(q.usernamePrefix !== undefined ? { usernamePrefix: q.usernamePrefix } : {}),
        ...(q.project !== undefined ? { project: q.project } : {}),
      };
      const [page, total] = await Promise.all([
        ctx.service.listSessions({
          ...filter,
          limit: q.limit,
          ...(q.cursor !== undefined ? { after: decodeCursor(q.cursor) } : {}),
          ...(q.before !== undefined ? { before: decodeCursor(q.before, 'before') } : {}),
        }),
        q.count === 'true' ? ctx.service.countSessions(filter) : null,
      ]);
      return {
        sessions: page.sessions.map(toSessionView),
        nextCursor: encodeCursor(page.next),
        previousCursor: encodeCursor(page.previous),
        total,
      };
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
      let userId = q.userId;
      if (q.username !== undefined) {
        const user = await ctx.users.findByUsername(q.username);
        if (!user) throw new SessiondError('NOT_FOUND', `username: no user named ${q.username}`);
        if (userId !== undefined && userId !== user.userId) return { records: [], nextCursor: null };
        userId = user.userId;
      }
      const page = await ctx.store.audit.page({
        limit: q.limit,
        ...(q.handle !== undefined ? { handle: q.handle } : {}),
        ...(userId !== undefined ? { userId } : {}),
        ...(q.event !== undefined ? { event: q.event } : {}),
        ...(q.cursor !== undefined ? { before: decodeAuditCursor(q.cursor) } : {}),
      });
      return { records: page.records.map((r) => ({ ...r, at: new Date(r.at).toISOString() })), nextCursor: encodeAuditCursor(page.next) };
    }),
  );
}
