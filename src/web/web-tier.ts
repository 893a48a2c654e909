import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import type { FastifyError, FastifyInstance } from 'fastify';
import { loadEsm } from '../esm/load-esm.ts';
import { SafeEsm } from '../esm/safe-esm.ts';
import type { ServerSession } from '../esm/types.ts';
import type { SessiondContext } from '../http/context.ts';
import { toSessiondError } from '../api/rest/error-handler.ts';
import { SessionPool } from './pool/session-pool.ts';
import { CSRF_COOKIE, WEB_PATH } from './container-services.ts';
import { LocalUpstream } from './local-upstream.ts';
import { registerLoginRoutes } from './login-routes.ts';
import { registerLogoutRoute } from './logout-route.ts';
import { sendStylesheet } from './admin-console/console-routes.ts';
import { errorPage, sendPage } from './pages.ts';
import { registerPoolAdminRoute } from './pool-admin-route.ts';
import { observePool } from './pool-observer.ts';
import { registerProjectRoutes } from './project-routes.ts';
import { registerSessionsPage } from './sessions-page.ts';
import { RemoteUpstream } from './remote-upstream.ts';
import { ServerSessions } from './server-sessions.ts';
import type { Upstream } from './upstream.ts';
import type { WebDeps } from './web-context.ts';
import { WebSessions } from './web-sessions.ts';

export interface WebTier {
  /** Registers the /web routes (one encapsulated plugin with its own HTML error pages) and GET /api/v1/admin/pool. */
  mount(app: FastifyInstance): Promise<void>;
  pool: SessionPool;
  upstream: Upstream;
}

/**
 * Builds the web tier from config: loads the ESM (SESSIOND_ESM), picks the upstream
 * (in-process, or SESSIOND_UPSTREAM over the client), and starts the pool, which is closed at
 * shutdown so no pooled session is leaked. A module that cannot be loaded stops the start.
 */
export async function createWebTier(ctx: SessiondContext): Promise<WebTier> {
  const { config } = ctx;
  const upstream: Upstream = config.web.upstreamUrl ? new RemoteUpstream(config.web.upstreamUrl) : new LocalUpstream(ctx.service, ctx.users, ctx.ownSessions, ctx.accounts);
  const pool = new SessionPool(upstream, { max: config.web.poolMax, idleMs: config.web.poolIdleMs, keepAliveMs: config.web.poolKeepAliveMs }, () =>
    ctx.clock.now(),
  );
  const poolAudit = observePool(pool, ctx);
  const module = await loadEsm(config.web.esmPath, { settings: config.web.esmSettings });
  const esm: SafeEsm = new SafeEsm(module, ctx.logger, (value: unknown): value is ServerSession => sessions.isOwn(value));
  const sessions = new ServerSessions(upstream, pool, esm);
  pool.start();
  ctx.onShutdown({
    name: 'session pool',
    run: async () => {
      await pool.closeAll();
      await poolAudit.flush();
    },
    left: () => `${pool.unclosed} pooled server session(s) not closed at the upstream`,
  });

  const deps: WebDeps = {
    ctx,
    esm,
    sessions,
    webSessions: new WebSessions(ctx.store.webSessions, ctx.clock, { idleTimeoutMs: config.web.idleTimeoutMs, absoluteLifetimeMs: config.web.absoluteLifetimeMs }),
    limiter: ctx.webLoginThrottle,
    secureCookies: config.web.secureCookies,
  };
  if (config.web.esmPath) ctx.logger.info({ esm: config.web.esmPath, upstream: upstream.name }, 'web tier: external security module loaded');

  async function plugin(app: FastifyInstance): Promise<void> {
    if (!app.hasRequestDecorator('cookies')) await app.register(fastifyCookie);
    if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(fastifyFormbody);
    await app.register(fastifyCsrf, {
      sessionPlugin: '@fastify/cookie',
      cookieKey: CSRF_COOKIE,
      cookieOpts: { path: WEB_PATH, httpOnly: true, sameSite: 'lax', secure: config.web.secureCookies },
    });

    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error.code === 'FST_CSRF_MISSING_SECRET' || error.code === 'FST_CSRF_INVALID_TOKEN') {
        return sendPage(reply, 403, 'Forbidden', errorPage('This form has expired or did not come from this site. Go back, reload the page and try again.'));
      }
      if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
        return sendPage(reply, error.statusCode, 'Bad request', errorPage('The request is not valid.'));
      }
      // The page's error ID is the request ID, which the log line carries as reqId.
      const failure = toSessiondError(error);
      ctx.storeOutages.logFailure(request.log, failure, 'web request failed');
      if (failure.code === 'SERVICE_UNAVAILABLE') {
        return sendPage(reply.header('retry-after', '1'), 503, 'Unavailable', errorPage('Sessions are unavailable for a moment. Try again shortly.'));
      }
      return sendPage(reply, 500, 'Something went wrong', errorPage('Something went wrong.'));
    });
    app.setNotFoundHandler((_request, reply) => sendPage(reply, 404, 'Not found', errorPage('There is no such page.')));

    // The stylesheet the pages share with the admin console, from the package, under the console's headers.
    app.get('/console.css', (_request, reply) => sendStylesheet(reply));
    registerLoginRoutes(app, deps);
    registerProjectRoutes(app, deps);
    registerLogoutRoute(app, deps);
    registerSessionsPage(app, deps);
  }

  return {
    async mount(app) {
      await app.register(plugin, { prefix: WEB_PATH });
      registerPoolAdminRoute(app, ctx, pool);
    },
    pool,
    upstream,
  };
}
