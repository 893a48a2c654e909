import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SessiondContext } from '../../http/context.ts';
import { decodeCursor, encodeCursor, sessionView } from '../session-view.ts';
import { parseInput } from '../validate-input.ts';
import { bearerSessionId } from './bearer.ts';
import { auditQuery, createUserBody, invalidateHandlesBody, listSessionsQuery, usernameParam } from './schemas.ts';

/** Admin API: users, sessions by handle, audit. Every route needs an admin session. */
export function registerAdminRoutes(app: FastifyInstance, ctx: SessiondContext): void {
  const admin = (request: FastifyRequest) => ctx.service.authenticateAdmin(bearerSessionId(request.headers.authorization));

  app.post('/api/v1/admin/users', async (request, reply) => {
    const caller = await admin(request);
    const body = parseInput(createUserBody, request.body);
    const user = await ctx.users.createUser({ ...body, actor: caller.session.handle });
    return reply.status(201).send({ userId: user.userId, username: user.username });
  });

  app.get('/api/v1/admin/users', async (request) => {
    await admin(request);
    const users = await ctx.users.listUsers();
    // Times as ISO text, as every other answer of this API gives them.
    return { users: users.map((u) => ({ ...u, createdAt: new Date(u.createdAt).toISOString() })) };
  });

  app.get('/api/v1/admin/sessions', async (request) => {
    await admin(request);
    const q = parseInput(listSessionsQuery, request.query, 'query');
    const page = await ctx.service.listSessions({
      limit: q.limit,
      ...(q.username !== undefined ? { username: q.username } : {}),
      ...(q.project !== undefined ? { project: q.project } : {}),
      ...(q.cursor !== undefined ? { after: decodeCursor(q.cursor) } : {}),
    });
    return { sessions: page.sessions.map(sessionView), nextCursor: encodeCursor(page.next) };
  });

  app.post('/api/v1/admin/sessions/invalidate', async (request) => {
    const caller = await admin(request);
    const body = parseInput(invalidateHandlesBody, request.body);
    return { results: await ctx.service.invalidateByHandles(caller.session.handle, body.handles) };
  });

  app.post('/api/v1/admin/users/:username/sessions/invalidate', async (request) => {
    const caller = await admin(request);
    const { username } = parseInput(usernameParam, request.params, 'path');
    return { ended: await ctx.service.endSessionsOfUser(username, caller.session.handle) };
  });

  app.get('/api/v1/admin/audit', async (request) => {
    await admin(request);
    const q = parseInput(auditQuery, request.query, 'query');
    const records = await ctx.store.listAudit({ limit: q.limit, ...(q.handle !== undefined ? { handle: q.handle } : {}) });
    return { records: records.map((r) => ({ ...r, at: new Date(r.at).toISOString() })) };
  });
}
