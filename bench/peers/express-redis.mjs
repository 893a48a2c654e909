import { createServer } from 'node:http';
import express from 'express';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { BENCH_USER, HOST, peerPort, stopOnSignal } from './peer-env.mjs';

// express-session with connect-redis, as their READMEs set them up. Keys live under a prefix
// of this run only (BENCH_REDIS_PREFIX) and are removed on shutdown (and by the bench after).
const prefix = process.env.BENCH_REDIS_PREFIX;
if (!prefix) throw new Error('BENCH_REDIS_PREFIX must be set by the bench launcher');
const client = createClient({ url: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379' });
await client.connect();

const app = express();
app.disable('x-powered-by');
app.use(
  session({
    store: new RedisStore({ client, prefix }),
    secret: 'bench-secret-bench-secret-bench-secret-0123456789',
    resave: false,
    saveUninitialized: false,
    cookie: { secure: false, httpOnly: true, maxAge: 2 * 60 * 60 * 1000 },
  }),
);
app.post('/login', (req, res) => {
  req.session.user = BENCH_USER;
  res.json({ ok: true });
});
app.get('/session', (req, res) => {
  if (!req.session.user) return void res.status(401).json({ error: 'no session' });
  res.json({ user: req.session.user });
});

const server = createServer(app);
await new Promise((resolve) => server.listen(peerPort(), HOST, () => resolve(undefined)));

async function removeOwnKeys() {
  for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
    if (keys.length > 0) await client.del(keys);
  }
}

stopOnSignal(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(() => resolve(undefined)));
  await removeOwnKeys();
  await client.quit();
});
