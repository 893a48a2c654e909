import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StoreUrl } from '../../config.ts';
import type { SessiondContext } from '../../http/context.ts';
import type { SessionCache } from '../../core/session-cache.ts';
import { healthz, livez, metrics, readyz } from './operations-contracts.ts';
import { routeSchema } from './route-contract.ts';

/** The routes orchestrators and operators call: liveness, readiness (/readyz and /healthz) and metrics. */
export function registerOperationsRoutes(app: FastifyInstance, ctx: SessiondContext, cache: SessionCache): void {
  app.get(livez.url, { schema: routeSchema(livez) }, async () => ({ status: 'ok' as const }));

  const secrets = storeSecrets(ctx.config.store);
  const readiness = async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      await ctx.store.ping();
      return { status: 'ok', store: ctx.store.kind };
    } catch (error) {
      return reply.status(503).send({
        status: 'unavailable',
        store: ctx.store.kind,
        message: 'the session store does not answer',
        reason: `store: ${withoutSecrets(driverWords(error), secrets)}`,
        requestId: request.id,
      });
    }
  };
  app.get(readyz.url, { schema: routeSchema(readyz) }, readiness);
  app.get(healthz.url, { schema: routeSchema(healthz) }, readiness);

  app.get(metrics.url, { schema: routeSchema(metrics) }, async (_request, reply) => {
    ctx.metrics.cacheEntries.set(cache.size);
    return reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });
}

/** Why the store failed, for operators: the driver's own words (host, port, code). */
function driverWords(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause ?? error;
  return (cause instanceof Error ? cause.message : String(cause)).slice(0, 200);
}

/** The store URL's password and user, which a driver message must never carry into an answer. */
function storeSecrets(store: StoreUrl): string[] {
  if (store.kind !== 'postgres' && store.kind !== 'redis') return [];
  try {
    const url = new URL(store.url);
    return [decodeURIComponent(url.password), url.password].filter((s) => s.length > 0);
  } catch {
    return [];
  }
}

export function withoutSecrets(text: string, secrets: string[]): string {
  // Credentials in any URL the message quotes, then the configured password wherever it appears.
  let clean = text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1[redacted]@');
  for (const secret of secrets) clean = clean.split(secret).join('[redacted]');
  return clean;
}
