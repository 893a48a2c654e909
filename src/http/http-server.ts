import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FastifyServerFactory } from 'fastify';

/** Answers a request before Fastify sees it and says true, or says false and leaves it alone. */
export type AnswerFirst = (request: IncomingMessage, response: ServerResponse) => boolean;

/**
 * Fastify's `serverFactory`: the HTTP server Fastify would make (its timeouts from Fastify's
 * options), with `answerFirst` in front of Fastify's request handler.
 */
export function serverAnsweringFirst(answerFirst: AnswerFirst): FastifyServerFactory<Server> {
  return (fastifyHandler, options) => {
    const server = createServer((request, response) => {
      if (!answerFirst(request, response)) fastifyHandler(request, response);
    });
    // What Fastify sets on a server it makes itself (fastify/lib/server.js).
    if (typeof options.keepAliveTimeout === 'number') server.keepAliveTimeout = options.keepAliveTimeout;
    if (typeof options.requestTimeout === 'number') server.requestTimeout = options.requestTimeout;
    if (typeof options.connectionTimeout === 'number') server.setTimeout(options.connectionTimeout);
    if (typeof options.maxRequestsPerSocket === 'number' && options.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = options.maxRequestsPerSocket;
    return server;
  };
}
