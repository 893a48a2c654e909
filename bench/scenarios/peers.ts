import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { registerCleanup } from '../cleanup.ts';
import { launch, type Launched } from '../launcher.ts';
import type { NotMeasuredRow } from '../results.ts';
import { reachable, REDIS_URL } from '../services.ts';
import { cookieHeader, expectJson, type BenchContext } from './context.ts';
import type { RoundParticipant } from './validation-rounds.ts';

/**
 * The peer stacks, each its own process answering "is this session valid, and whose is it" for
 * sessions created before the measured run, loaded in the validation rounds with sessiond and
 * the bare Fastify route (validate-sqlite.ts).
 */
// Peers run as plain JavaScript, without the tsx loader (see peers/peer-env.mjs).
export const peer = (file: string) => [join('bench', 'peers', file)];

/** Sessions a peer's load rotates over, as the sessiond rows rotate over 1,000 Bearer IDs. */
const PEER_SESSIONS = 1000;

/**
 * Signs in PEER_SESSIONS times through the peer's POST /login (no password: these peers sign in
 * a fixed user), checks a cookie works, answers the load's header sets. Rotating costs the load
 * generator a request rebuild each time, on the same cores, as it does for the sessiond rows.
 */
async function loginCookies(url: string): Promise<Array<Record<string, string>>> {
  const cookies: string[] = [];
  for (let i = 0; i < PEER_SESSIONS; i++) {
    const login = await fetch(`${url}/login`, { method: 'POST' });
    await expectJson(login);
    cookies.push(cookieHeader(login));
  }
  const check = (await expectJson(await fetch(`${url}/session`, { headers: { cookie: cookies[0]! } }))) as { user?: { username?: string } };
  if (check.user?.username !== 'bench-user') throw new Error(`${url}/session did not answer the signed-in user`);
  return cookies.map((cookie) => ({ cookie }));
}

/** The peer stacks, by the ids of their rows. */
export const PEER_IDS = ['fastify-session', 'express-session-redis', 'better-auth'] as const;
export type PeerId = (typeof PEER_IDS)[number];

/** A peer started and signed in, ready to load in the rounds; or why it could not be. */
export type StartedPeer = { participant: RoundParticipant; cleanup: () => Promise<void> } | { skipped: NotMeasuredRow };

/**
 * Starts a peer and signs in its sessions, as a participant of the validation rounds
 * (validation-rounds.ts): loaded in turn with sessiond and the bare route, so the targets set
 * against the peers are judged on rates paired within each round, as the ones against the bare
 * route are. The rounds stop its server; `cleanup` removes what it left elsewhere (Redis keys).
 */
export function startPeer(ctx: BenchContext, id: PeerId): Promise<StartedPeer> {
  if (id === 'fastify-session') return fastifySession(ctx);
  if (id === 'express-session-redis') return expressRedis(ctx);
  return betterAuth(ctx);
}

const nothingToClean = async () => {};

/** The participant `make` answers, or the server stopped if it fails (signing in, say). */
async function withServer(server: Launched, make: () => Promise<RoundParticipant>): Promise<RoundParticipant> {
  try {
    return await make();
  } catch (error) {
    await server.stop();
    throw error;
  }
}

async function fastifySession(ctx: BenchContext): Promise<StartedPeer> {
  const server = await launch({ name: 'fastify-session', args: peer('fastify-session.mjs'), logDir: ctx.workDir, readyPath: '/session' });
  const participant = await withServer(server, async () => ({
    id: 'fastify-session',
    label: '@fastify/session (memory store)',
    note: `cookie rotates over ${PEER_SESSIONS.toLocaleString('en')} sessions`,
    server,
    path: '/session',
    headerSets: await loginCookies(server.url),
    peer: true,
  }));
  return { participant, cleanup: nothingToClean };
}

async function expressRedis(ctx: BenchContext): Promise<StartedPeer> {
  const id = 'express-session-redis';
  const label = 'express-session + connect-redis';
  if (!(await reachable(REDIS_URL, 6379))) return { skipped: { status: 'skipped', group: 'validation', id, label, reason: `Redis is not reachable at ${REDIS_URL}` } };
  const prefix = `sessiond-bench:${process.pid}:${randomBytes(4).toString('hex')}:sess:`;
  const cleanup = registerCleanup(() => removeRedisKeys(prefix));
  try {
    const server = await launch({
      name: 'express-redis',
      args: peer('express-redis.mjs'),
      env: { BENCH_REDIS_PREFIX: prefix, BENCH_REDIS_URL: REDIS_URL },
      logDir: ctx.workDir,
      readyPath: '/session',
    });
    const participant = await withServer(server, async () => ({
      id,
      label,
      note: `Redis on 127.0.0.1; cookie rotates over ${PEER_SESSIONS.toLocaleString('en')} sessions`,
      server,
      path: '/session',
      headerSets: await loginCookies(server.url),
      peer: true,
    }));
    return { participant, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** The peer removes its keys on a clean stop; this also covers a peer that was killed. */
async function removeRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function betterAuth(ctx: BenchContext): Promise<StartedPeer> {
  const server = await launch({
    name: 'better-auth',
    args: peer('better-auth.mjs'),
    env: { BENCH_SQLITE_PATH: join(ctx.workDir, 'better-auth.db') },
    logDir: ctx.workDir,
    readyPath: '/api/auth/ok',
  });
  const participant = await withServer(server, async () => {
    const signUp = await fetch(`${server.url}/api/auth/sign-up/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server.url },
      body: JSON.stringify({ email: 'bench-user@example.com', password: 'bench-password-1', name: 'bench-user' }),
    });
    await expectJson(signUp);
    const cookie = cookieHeader(signUp);
    const check = (await expectJson(await fetch(`${server.url}/api/auth/get-session`, { headers: { cookie } }))) as {
      user?: { email?: string };
    } | null;
    if (check?.user?.email !== 'bench-user@example.com') throw new Error('better-auth get-session did not answer the signed-up user');
    // One session (each sign-in costs a password hash), sent as a rotating header set all the
    // same, so the load generator rebuilds each request as it does for every other row.
    return {
      id: 'better-auth',
      label: 'better-auth get-session (SQLite)',
      note: 'better-sqlite3, node:http handler; one session',
      server,
      path: '/api/auth/get-session',
      headerSets: [{ cookie }],
      peer: true,
    };
  });
  return { participant, cleanup: nothingToClean };
}
