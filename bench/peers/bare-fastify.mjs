import Fastify from 'fastify';
import { BENCH_USER, HOST, peerPort, stopOnSignal } from './peer-env.mjs';

// The ceiling: a Fastify route that answers the same "whose session is it" shape from a
// constant, with no session lookup at all. Every other system is measured against it.
const app = Fastify({ logger: false });
app.get('/session', async () => ({ user: BENCH_USER }));
await app.listen({ port: peerPort(), host: HOST });
stopOnSignal(() => app.close());
