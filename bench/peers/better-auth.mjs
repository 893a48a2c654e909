import { createServer } from 'node:http';
import Database from 'better-sqlite3';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { HOST, peerPort, stopOnSignal } from './peer-env.mjs';

// better-auth with email and password on SQLite (better-sqlite3), served by its Node handler.
// The launcher signs up one user through the API (which answers the session cookie) and then
// measures GET /api/auth/get-session with that cookie.
const dbPath = process.env.BENCH_SQLITE_PATH;
if (!dbPath) throw new Error('BENCH_SQLITE_PATH must be set by the bench launcher');
const port = peerPort();
const baseURL = `http://${HOST}:${port}`;

const db = new Database(dbPath);
db.pragma('journal_mode = WAL');
const auth = betterAuth({
  database: db,
  baseURL,
  secret: 'bench-secret-bench-secret-bench-secret-0123456789',
  emailAndPassword: { enabled: true },
  // The measured request is one session check; rate limiting would only refuse the load.
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
});
const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

const server = createServer(toNodeHandler(auth));
await new Promise((resolve) => server.listen(port, HOST, () => resolve(undefined)));

stopOnSignal(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(() => resolve(undefined)));
  db.close();
});
