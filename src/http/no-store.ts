import type { FastifyInstance } from 'fastify';

/**
 * Every answer starts as `Cache-Control: no-store`: logins carry session IDs, and session checks,
 * lists and pages carry session data, which no browser or proxy cache may keep. Routes whose
 * answers are public (the OpenAPI document, the docs' static files) set their own header, which
 * replaces this one.
 */
export function registerNoStore(app: FastifyInstance): void {
  app.addHook('onRequest', (_request, reply, done) => {
    reply.header('cache-control', 'no-store');
    done();
  });
}
