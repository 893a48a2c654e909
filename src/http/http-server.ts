import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FastifyServerFactory } from 'fastify';

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/** Sees a request before Fastify: answers it, or passes it on with `toFastify` (now or later). */
export type InFrontOfFastify = (request: IncomingMessage, response: ServerResponse, toFastify: RequestListener) => void;

/**
 * Fastify's `serverFactory`: the HTTP server Fastify would make (its timeouts from Fastify's
 * options), with `inFront` between the server and Fastify's request handler.
 */
export function serverWithFront(inFront: InFrontOfFastify): FastifyServerFactory<Server> {
  return (fastifyHandler, options) => {
    const server = createServer((request, response) => inFront(request, response, fastifyHandler));
    // What Fastify sets on a server it makes itself (fastify/lib/server.js).
    if (typeof options.keepAliveTimeout === 'number') server.keepAliveTimeout = options.keepAliveTimeout;
    if (typeof options.requestTimeout === 'number') server.requestTimeout = options.requestTimeout;
    if (typeof options.connectionTimeout === 'number') server.setTimeout(options.connectionTimeout);
    if (typeof options.maxRequestsPerSocket === 'number' && options.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = options.maxRequestsPerSocket;
    return server;
  };
}
