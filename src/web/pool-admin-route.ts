import type { FastifyInstance } from 'fastify';
import { bearerSessionId } from '../api/rest/bearer.ts';
import type { SessiondContext } from '../http/context.ts';
import type { SessionPool } from './pool/session-pool.ts';

/**
 * GET /api/v1/admin/pool: what the pool holds (key, handle, project, login, idle seconds) and
 * its counters. Admins only; session IDs are never in the view.
 */
export function registerPoolAdminRoute(app: FastifyInstance, ctx: SessiondContext, pool: SessionPool): void {
  app.get('/api/v1/admin/pool', async (request) => {
    await ctx.service.authenticateAdmin(bearerSessionId(request.headers.authorization));
    return pool.view();
  });
}
