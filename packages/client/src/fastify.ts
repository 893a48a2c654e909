/**
 * `@sessiond/client/fastify`: a Fastify plugin that puts the request's session on
 * `request.sessiond`, or answers 401 (no live session) or 503 (sessiond could not be asked),
 * for every route of the context it is registered in (and that context's children).
 *
 * ```ts
 * await app.register(async (api) => {
 *   await api.register(sessiondFastify, { validator });
 *   api.get('/api/me', async (request) => ({ user: request.sessiond!.username }));
 * });
 * ```
 *
 * Fastify is a peer: only its types are imported here.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { SessionInfo } from './types.ts';
import { sessionOf, type SessionMiddlewareOptions } from './validator/request-session.ts';
import type { SessionValidator } from './validator/session-validator.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's session, set by sessiondFastify; null on routes it does not cover. */
    sessiond: SessionInfo | null;
  }
}

export interface SessiondFastifyOptions extends SessionMiddlewareOptions<FastifyRequest> {
  validator: SessionValidator;
}

const plugin: FastifyPluginAsync<SessiondFastifyOptions> = async (app, options) => {
  if (!app.hasRequestDecorator('sessiond')) app.decorateRequest('sessiond', null);
  app.addHook('onRequest', async (request, reply) => {
    const outcome = await sessionOf(options.validator, request, options.getToken);
    if ('session' in outcome) {
      request.sessiond = outcome.session;
      return;
    }
    return reply.code(outcome.refusal.status).headers(outcome.refusal.headers).send(outcome.refusal.body);
  });
};

// What fastify-plugin would set: the hook applies to the context the plugin is registered in,
// not only to a context of its own.
Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@sessiond/client/fastify',
  [Symbol.for('plugin-meta')]: { name: '@sessiond/client/fastify', fastify: '>=4' },
});

export const sessiondFastify = plugin;
export default plugin;

export type { SessionInfo } from './types.ts';
