import { readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

const ASSETS = new URL('./assets/', import.meta.url);
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * The console's files (its page, its script modules, the stylesheet), read once at start: they
 * ship with the package and never change. Only these names are served; nothing is looked up
 * from a request's path.
 */
const files = new Map(
  readdirSync(ASSETS)
    .filter((name) => TYPES[extname(name)] !== undefined)
    .map((name) => [name, { body: readFileSync(new URL(name, ASSETS)), type: TYPES[extname(name)]! }]),
);

// The page runs only its own scripts and styles and talks only to this server; it may not be framed.
export const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function send(reply: FastifyReply, name: string): FastifyReply {
  const file = files.get(name)!;
  return reply.headers(SECURITY_HEADERS).type(file.type).send(file.body);
}

/** The stylesheet the console and the web tier's pages share, under the console's headers. */
export function sendStylesheet(reply: FastifyReply): FastifyReply {
  return send(reply, 'console.css');
}

/**
 * The admin console at /admin: a static page over the admin REST API. It holds no power of its
 * own; every action is an API call that checks the admin's Bearer session.
 */
export function registerAdminConsole(app: FastifyInstance): void {
  app.get('/admin', (_request, reply) => send(reply, 'index.html'));
  for (const name of files.keys()) {
    if (name !== 'index.html') app.get(`/admin/${name}`, (_request, reply) => send(reply, name));
  }
}
