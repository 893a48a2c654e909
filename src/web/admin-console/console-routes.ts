import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

/** The console's three files, read once at start: they ship with the package and never change. */
const asset = (name: string) => readFileSync(new URL(`./assets/${name}`, import.meta.url));
const files = {
  html: asset('index.html'),
  js: asset('console.js'),
  css: asset('console.css'),
};

// The page runs only its own script and talks only to this server; it may not be framed.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/**
 * The admin console at /admin: a static page over the admin REST API. It holds no power of its
 * own; every action is an API call that checks the admin's Bearer session.
 */
export function registerAdminConsole(app: FastifyInstance): void {
  app.get('/admin', (_request, reply) => reply.headers(SECURITY_HEADERS).type('text/html; charset=utf-8').send(files.html));
  app.get('/admin/console.js', (_request, reply) => reply.headers(SECURITY_HEADERS).type('text/javascript; charset=utf-8').send(files.js));
  app.get('/admin/console.css', (_request, reply) => reply.headers(SECURITY_HEADERS).type('text/css; charset=utf-8').send(files.css));
}
