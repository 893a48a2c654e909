import Fastify from 'fastify';
import { BENCH_USER, HOST, peerPort, stopOnSignal } from './peer-env.mjs';

// The ceiling: a Fastify route that answers the same "whose session is it" shape from a
// constant, with no session lookup at all. Every other system is measured against it.
const app = Fastify({ logger: false });
app.get('/session', async () => ({ user: BENCH_USER }));

// The HTTP floor of invalidateSessions (bench/scenarios/invalidate-floor.ts): the same request
// and answer bodies as sessiond's REST route, and nothing in between (no store, no check).
const ENDED = Object.freeze({ success: true, errors: Object.freeze([]) });
app.post('/sessions/invalidate', async (request, reply) => {
  const ids = /** @type {{ sessionIds?: unknown }} */ (request.body)?.sessionIds;
  if (!Array.isArray(ids)) return reply.code(400).send({ error: 'sessionIds must be an array' });
  return { results: ids.map(() => ENDED) };
});

await app.listen({ port: peerPort(), host: HOST });
stopOnSignal(() => app.close());
