import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { RestAuth } from '../api/rest/rest-auth.ts';
import { contractRoute, type RouteContract } from '../api/rest/route-contract.ts';
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

/** GET /api/v1/admin/pool: what the pool holds and its counters. Admins only. */
export function registerPoolAdminRoute(app: FastifyInstance, ctx: SessiondContext, pool: SessionPool): void {
  const auth = new RestAuth(ctx.service);
  app.route(
    contractRoute(auth, poolView, async (request) => {
      await auth.admin(request);
      return pool.view();
    }),
  );
}
