import type { FastifyReply } from 'fastify';

/**
 * Every answer starts as `Cache-Control: no-store` (set from the root's one onRequest hook,
 * app.ts): logins carry session IDs, and session checks, lists and pages carry session data,
 * which no browser or proxy cache may keep. Routes whose answers are public (the OpenAPI
 * document, the docs' static files) set their own header, which replaces this one.
 */
export function setNoStore(reply: FastifyReply): void {
  void reply.header('cache-control', 'no-store');
}
