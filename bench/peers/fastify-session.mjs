import Fastify from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import { BENCH_USER, HOST, peerPort, stopOnSignal } from './peer-env.mjs';

// @fastify/session with its default in-memory store, as its README sets it up. POST /login
// creates the session once (the launcher keeps the cookie); GET /session is what is measured.
const app = Fastify({ logger: false });
await app.register(fastifyCookie);
await app.register(fastifySession, {
  secret: 'bench-secret-bench-secret-bench-secret-0123456789',
  saveUninitialized: false,
  // Plain HTTP on 127.0.0.1: a Secure cookie would never be sent back.
  cookie: { secure: false, httpOnly: true, maxAge: 2 * 60 * 60 * 1000 },
});
app.post('/login', async (request) => {
  request.session.set('user', BENCH_USER);
  return { ok: true };
});
app.get('/session', async (request, reply) => {
  const user = request.session.get('user');
  if (!user) return reply.status(401).send({ error: 'no session' });
  return { user };
});
await app.listen({ port: peerPort(), host: HOST });
stopOnSignal(() => app.close());
