import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { registerCleanup } from '../cleanup.ts';
import { launch } from '../launcher.ts';
import type { Row } from '../results.ts';
import { reachable, REDIS_URL } from '../services.ts';
import { cookieHeader, expectJson, measureValidation, type BenchContext } from './context.ts';

/**
 * The peer stacks, each its own process answering "is this session valid, and whose is it" for
 * one session created before the measured run. (The bare Fastify baseline runs in the validation
 * rounds, validate-sqlite.ts.)
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

export async function fastifySession(ctx: BenchContext): Promise<Row> {
  const server = await launch({ name: 'fastify-session', args: peer('fastify-session.mjs'), logDir: ctx.workDir, readyPath: '/session' });
  try {
    const headerSets = await loginCookies(server.url);
    return await measureValidation(
      ctx,
      server,
      { id: 'fastify-session', label: '@fastify/session (memory store)', note: `cookie rotates over ${PEER_SESSIONS.toLocaleString('en')} sessions` },
      { path: '/session', headers: headerSets[0]!, headerSets },
    );
  } finally {
    await server.stop();
  }
}

export async function expressRedis(ctx: BenchContext): Promise<Row> {
  const id = 'express-session-redis';
  const label = 'express-session + connect-redis';
  if (!(await reachable(REDIS_URL, 6379))) return { status: 'skipped', group: 'validation', id, label, reason: `Redis is not reachable at ${REDIS_URL}` };
  const prefix = `sessiond-bench:${process.pid}:${randomBytes(4).toString('hex')}:sess:`;
  const cleanup = registerCleanup(() => removeRedisKeys(prefix));
  const server = await launch({
    name: 'express-redis',
    args: peer('express-redis.mjs'),
    env: { BENCH_REDIS_PREFIX: prefix, BENCH_REDIS_URL: REDIS_URL },
    logDir: ctx.workDir,
    readyPath: '/session',
  });
  try {
    const headerSets = await loginCookies(server.url);
    return await measureValidation(
      ctx,
      server,
      { id, label, note: `Redis on 127.0.0.1; cookie rotates over ${PEER_SESSIONS.toLocaleString('en')} sessions` },
      { path: '/session', headers: headerSets[0]!, headerSets },
    );
  } finally {
    await server.stop();
    await cleanup();
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

export async function betterAuth(ctx: BenchContext): Promise<Row> {
  const server = await launch({
    name: 'better-auth',
    args: peer('better-auth.mjs'),
    env: { BENCH_SQLITE_PATH: join(ctx.workDir, 'better-auth.db') },
    logDir: ctx.workDir,
    readyPath: '/api/auth/ok',
  });
  try {
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
    return await measureValidation(
      ctx,
      server,
      { id: 'better-auth', label: 'better-auth get-session (SQLite)', note: 'better-sqlite3, node:http handler; one session' },
      { path: '/api/auth/get-session', headers: { cookie }, headerSets: [{ cookie }] },
    );
  } finally {
    await server.stop();
  }
}
