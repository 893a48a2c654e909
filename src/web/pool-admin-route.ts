import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { RestAuth } from '../api/rest/rest-auth.ts';
import { contractRoute, type RouteContract } from '../api/rest/route-contract.ts';
import { SessiondError } from '../core/errors.ts';
import type { SessiondContext } from '../http/context.ts';
import type { SessionPool } from './pool/session-pool.ts';

const poolView = {
  method: 'GET',
  url: '/api/v1/admin/pool',
  operationId: 'getPool',
  summary: "The web tier's pool: pooled sessions and its counters",
  description: 'Pooled server sessions by key, handle, project, upstream login and idle seconds; never a session ID.',
  tag: 'Admin',
  access: 'admin',
  answer: z
    .object({
      entries: z.array(
        z
          .object({
            key: z.string().describe('The pool key: upstream, project, upstream principal (and what the ESM adds)'),
            handle: z.string(),
            project: z.string(),
            login: z.string().describe('The upstream login name'),
            idleSeconds: z.number().int().min(0),
          })
          .strict(),
      ),
      hits: z.number().int().min(0),
      misses: z.number().int().min(0),
      evictions: z.number().int().min(0),
      closeFailures: z.number().int().min(0),
    })
    .strict(),
} satisfies RouteContract;

const evict = {
  method: 'DELETE',
  url: '/api/v1/admin/pool/:handle',
  operationId: 'evictPooledSession',
  summary: 'Evict one pooled session and close it at the upstream',
  description: 'Audited as pool.evicted with reason admin and the admin as actor. `closed` is false when the upstream could not close it (counted in closeFailures and logged).',
  tag: 'Admin',
  access: 'admin',
  params: z.object({ handle: z.string().min(1).max(64) }).strict(),
  answer: z.object({ closed: z.boolean() }).strict(),
  errors: ['NOT_FOUND'],
} satisfies RouteContract;

/** GET /api/v1/admin/pool: what the pool holds and its counters; DELETE …/{handle}: evict one. Admins only. */
export function registerPoolAdminRoute(app: FastifyInstance, ctx: SessiondContext, pool: SessionPool): void {
  const auth = new RestAuth(ctx.service);
  app.route(
    contractRoute(auth, poolView, async (request) => {
      await auth.admin(request);
      return pool.view();
    }),
  );
  app.route(
    contractRoute(auth, evict, async (request) => {
      const caller = await auth.admin(request);
      const evicted = await pool.evictHandle(request.params.handle, caller.session.handle);
      if (!evicted) throw new SessiondError('NOT_FOUND', 'handle: no pooled session has this handle');
      return evicted;
    }),
  );
}
