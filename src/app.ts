import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { registerAdminConsole } from './web/admin-console/console-routes.ts';
import { registerApiDocument } from './api/rest/openapi.ts';
import { registerOperationsRoutes } from './api/rest/operations-routes.ts';
import { restApi } from './api/rest/rest-api.ts';
import { SESSION_CHECK_URL, SessionCheckShortcut } from './api/rest/session-check-shortcut.ts';
import { restErrorHandler } from './api/rest/error-handler.ts';
import { soapApi } from './api/soap/soap-api.ts';
import type { Config } from './config.ts';
import { systemClock, type Clock } from './core/clock.ts';
import { ExpiryPolicies } from './core/expiry.ts';
import type { LoginThrottle } from './core/login-throttle.ts';
import { passwordSlots } from './core/password-slots.ts';
import { SessionCache } from './core/session-cache.ts';
import { SessionEvents } from './core/session-events.ts';
import { SessionService } from './core/session-service.ts';
import { UserDirectory } from './core/users.ts';
import { Accounts } from './core/accounts.ts';
import { Retention } from './core/retention.ts';
import { OwnSessions } from './core/own-sessions.ts';
import type { SessiondContext, ShutdownTask } from './http/context.ts';
import { lazyRequestLogs, registerRequestScopes, requestIdOptions, startRequest } from './http/request-id.ts';
import { serverWithFront } from './http/http-server.ts';
import { registerRequestMetrics } from './http/request-metrics.ts';
import { setNoStore } from './http/no-store.ts';
import { StoreLoginThrottle } from './limits/login-throttle.ts';
import { createLogger } from './observability/logger.ts';
import { Metrics } from './observability/metrics.ts';
import { sessionEventLog } from './observability/session-event-log.ts';
import { StoreOutages } from './observability/store-outages.ts';
import { EventFeed } from './events/event-feed.ts';
import { WebhookDelivery } from './events/webhook-delivery.ts';
import { openStore } from './store/open-store.ts';
import { createWebTier } from './web/web-tier.ts';

export interface SessiondOptions {
  clock?: Clock;
  logger?: Logger;
  /** For operator tools (the CLI) that must not be rate-limited. */
  throttle?: LoginThrottle;
}

export interface Sessiond {
  ctx: SessiondContext;
  app: FastifyInstance;
  /** Starts listening on the configured host and port; answers the base URL. */
  listen(): Promise<string>;
  /** Closes the web tier's pool, the HTTP server, the bus and the store, in that order. */
  close(): Promise<void>;
  /** What close() has not finished (for the log line when the shutdown deadline passes); empty when done. */
  shutdownLeft(): string[];
}

/**
 * Core and store only, with no HTTP: what the CLI's offline commands use. `role` 'server' lets
 * the store run work of its own beside the requests (SQLite's checkpoint thread).
 */
export async function createCore(config: Config, options: SessiondOptions = {}, role: 'server' | 'tool' = 'tool') {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  const { store, bus } = await openStore(config.store, logger, { eventsRetentionMs: config.events.retentionMs, serving: role === 'server' });
  const events = new SessionEvents();
  const metrics = new Metrics();
  const policies = new ExpiryPolicies(config.expiry, new Map(Object.entries(config.projects)));
  const users = new UserDirectory(store.users, store.audit, clock, events, config.passwords);
  passwordSlots.setLimit(config.passwordHashConcurrency);
  const cache = new SessionCache(config.cache);
  // The limits count in the store, so every node on it shares them; API and web count apart.
  const throttle = options.throttle ?? new StoreLoginThrottle(store.rateLimiters, config.login, 'api');
  const webLoginThrottle = options.throttle ?? new StoreLoginThrottle(store.rateLimiters, config.login, 'web');
  const service = new SessionService({ store, bus, cache, clock, policies, users, throttle, events });
  const ownSessions = new OwnSessions(service);
  const accounts = new Accounts(users, service, ownSessions, throttle);

  events.onBatch((batch) => metrics.recordEvents(batch));
  events.onBatch(sessionEventLog(logger));
  return { clock, logger, store, bus, events, metrics, users, cache, service, ownSessions, accounts, webLoginThrottle };
}

/**
 * The composition root: builds a whole server from its config. Nothing else reads config or
 * picks adapters.
 */
export async function createSessiond(config: Config, options: SessiondOptions = {}): Promise<Sessiond> {
  const core = await createCore(config, options, 'server');
  const { logger, store, bus, service, users, metrics, cache } = core;
  const shutdownTasks: ShutdownTask[] = [];
  let listeningUrl = `http://${config.host}:${config.port}`;
  const storeOutages = new StoreOutages(logger, () => store.ping());
  // Woken by this node's own changes, by other nodes' ends over the bus, and by its own poll.
  const eventFeed = new EventFeed(store.events, config.events.pollMs);
  core.events.onBatch(() => eventFeed.wake());
  bus.subscribe(() => eventFeed.wake());
  bus.onGap?.(() => eventFeed.wake());

  const ctx: SessiondContext = {
    config,
    clock: core.clock,
    store,
    bus,
    service,
    users,
    accounts: core.accounts,
    ownSessions: core.ownSessions,
    webLoginThrottle: core.webLoginThrottle,
    events: core.events,
    metrics,
    logger,
    storeOutages,
    eventFeed,
    baseUrl: () => config.publicUrl ?? listeningUrl,
    onShutdown: (task) => void shutdownTasks.unshift(task),
  };

  if (config.adminPassword) {
    if (await users.ensureAdmin(config.adminPassword)) logger.info('created the admin user from SESSIOND_ADMIN_PASSWORD');
  } else if (!(await users.listUsers()).some((u) => u.admin)) {
    logger.warn(
      'no admin user exists: start with SESSIOND_ADMIN_PASSWORD set, or run `npx sessiond users add admin --admin`',
    );
  }

  // Session checks that succeed are answered before Fastify is entered (session-check-shortcut.ts).
  const sessionChecks = new SessionCheckShortcut(service, metrics.httpRequestDuration.forRoute(SESSION_CHECK_URL), logger);
  const app: FastifyInstance = Fastify({
    serverFactory: serverWithFront((request, response, toFastify) => sessionChecks.handle(request, response, toFastify)),
    // A child of its own (no bindings: the same lines): lazyRequestLogs replaces this logger's
    // `child`, and the root logger core and the rest use keeps pino's.
    loggerInstance: logger.child({}) as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    // Request lines are off: a URL or header could carry a secret, and events are logged by core.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    ...requestIdOptions,
  });
  lazyRequestLogs(app);
  app.addHook('preClose', (done) => {
    sessionChecks.stop();
    done();
  });
  registerRequestScopes(app);
  const timeUnmatched = registerRequestMetrics(app, metrics);
  // One root onRequest hook for what every answer carries (and no root onResponse hook): each
  // hook is a pass through Fastify's hook runner on every request, the session check included.
  app.addHook('onRequest', (request, reply, done) => {
    setNoStore(reply);
    if (request.is404) timeUnmatched(request, reply);
    startRequest(request, reply, done);
  });
  app.setErrorHandler(restErrorHandler(storeOutages));
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ errorCode: 'NOT_FOUND', message: `No route for ${request.method} ${request.url.split('?')[0]}` }),
  );

  // Before any route: the OpenAPI document is built from the routes' contracts.
  await registerApiDocument(app);

  registerOperationsRoutes(app, ctx, cache);

  await app.register(restApi(ctx));
  await app.register(soapApi(ctx));
  registerAdminConsole(app);
  // The web tier (/web) and its pool view; the pool closes its sessions at shutdown.
  await (await createWebTier(ctx)).mount(app);

  // Webhooks go out in the background, woken by the event feed and a timer; session calls never wait on them.
  const webhookDelivery = new WebhookDelivery(store, eventFeed, core.clock, metrics, logger, config.webhooks);
  ctx.onShutdown({ name: 'webhook delivery', run: () => webhookDelivery.stop(), left: () => 'webhook deliveries were still being sent' });
  webhookDelivery.start();

  const auditRetention = new Retention(store.audit, core.clock, config.auditRetentionMs);
  const eventRetention = new Retention(store.events, core.clock, config.events.retentionMs);
  const sweeper = setInterval(() => {
    service.sweepExpired().catch((error: unknown) => logger.warn({ err: error }, 'expired-session sweep failed; will retry'));
    auditRetention
      .prune()
      .then((pruned) => pruned > 0 && logger.info({ pruned }, 'audit records past their retention deleted'))
      .catch((error: unknown) => logger.warn({ err: error }, 'audit pruning failed; will retry'));
    eventRetention.prune().catch((error: unknown) => logger.warn({ err: error }, 'event-log pruning failed; will retry'));
    store.webSessions
      .sweepExpired(core.clock.now(), 1000)
      .catch((error: unknown) => logger.warn({ err: error }, 'expired web-session sweep failed; will retry'));
    store.rateLimiters
      .sweep(core.clock.now())
      .catch((error: unknown) => logger.warn({ err: error }, 'login-counter sweep failed; will retry'));
  }, config.sweepIntervalMs);
  sweeper.unref();

  // Tasks the parts registered (the pool) first, then what the composition root opened.
  const finalSteps: ShutdownTask[] = [
    { name: 'HTTP server', run: () => app.close(), left: () => 'the HTTP server was not closed' },
    { name: 'invalidation bus', run: () => bus.close(), left: () => 'the invalidation bus was not closed' },
    { name: 'store', run: () => store.close(), left: () => 'the store was not closed' },
  ];
  const steps = () => [...shutdownTasks, ...finalSteps];
  const finished = new Set<ShutdownTask>();
  let closing: Promise<void> | undefined;
  return {
    ctx,
    app,
    async listen() {
      await app.listen({ port: config.port, host: config.host });
      const address = app.server.address();
      if (address && typeof address === 'object') {
        const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        listeningUrl = `http://${host}:${address.port}`;
      }
      return ctx.baseUrl();
    },
    close() {
      closing ??= (async () => {
        clearInterval(sweeper);
        storeOutages.stop();
        eventFeed.stop();
        for (const step of steps()) {
          try {
            await step.run();
          } catch (error) {
            logger.error({ err: error, step: step.name }, 'shutdown step failed');
          }
          finished.add(step);
        }
      })();
      return closing;
    },
    shutdownLeft() {
      return steps().filter((step) => !finished.has(step)).map((step) => step.left());
    },
  };
}
