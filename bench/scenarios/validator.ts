import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createSigner, createVerifier } from 'fast-jwt';
import { jwtVerify, SignJWT } from 'jose';
import { SessionValidator } from '@sessiond/client';
import { runLoad } from '../load.ts';
import type { Launched } from '../launcher.ts';
import type { MeasuredRow, Row } from '../results.ts';
import { POSTGRES_URL, reachable, REDIS_URL } from '../services.ts';
import { percentile } from '../sequential.ts';
import { startSessiond } from '../sessiond-server.ts';
import type { BenchContext } from './context.ts';
import { throwawayPostgres, throwawayRedis } from './other-stores.ts';
import { removeSqliteFiles } from './validate-sqlite.ts';

/**
 * Issue 14's figures in one run:
 * - SessionValidator.check on a warm cache, checks per second on one core (this process,
 *   one check awaited after another), beside verifying an HS256 JWT with fast-jwt (its cache
 *   off) and with jose's jwtVerify, and beside GET /api/v1/session over HTTP (autocannon);
 * - revocation latency: from the answer of the end call (a logout) to check answering null,
 *   on one node (SQLite) and across two nodes (ended on A, validator subscribed to B) on
 *   PostgreSQL and on Redis.
 * Logins here use a cheap password hash (SESSIOND_SCRYPT_N=1024): nothing measured logs in.
 */
const PASSWORD = 'bench-validator-admin-1';
const SESSIONS = 1000;
/** An end not seen by the validator within this long fails the run. */
const GIVE_UP_MS = 5000;
/** The issue's bound: ends seen later than this are counted. */
const BOUND_MS = 50;

const serverEnv = { SESSIOND_ADMIN_PASSWORD: PASSWORD, SESSIOND_SCRYPT_N: '1024' };

export async function validatorScenario(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  const ends = ctx.mode.name === 'quick' ? 50 : 300;
  const seconds = ctx.mode.durationSec;

  const dbPath = join(ctx.workDir, 'sessiond-validator.db');
  const node = await startSessiond({ name: 'sessiond-validator-sqlite', store: `sqlite:${dbPath}`, logDir: ctx.workDir, env: serverEnv });
  try {
    const admin = await loginOn(node.url);
    const ids = await sessionsOn(node.url, SESSIONS);
    const validator = new SessionValidator({ serverUrl: node.url, sessionId: admin });
    await validator.start();
    try {
      for (const id of ids) if (!(await validator.check(id))) throw new Error('a fresh session was refused by the validator');
      const checks = await rate(seconds, ctx.mode.warmupSec, async (i) => {
        if ((await validator.check(ids[i % SESSIONS]!)) === null) throw new Error('a live session was refused');
      });
      const { serverChecks } = validator.stats();
      rows.push(rateRow('validator-check', 'SessionValidator.check, warm cache', checks, `${SESSIONS.toLocaleString('en')} sessions; ${(1e9 / checks).toFixed(0)} ns a check; the server was asked ${serverChecks - SESSIONS} times during the run`));
      rows.push(...(await jwtRows(seconds, ctx.mode.warmupSec)));
      rows.push(await httpRow(ctx, node, ids));
      rows.push(await revocationRow('revocation-sqlite', 'revocation latency, one node (SQLite)', node.url, node.url, validator, ends));
    } finally {
      validator.close();
    }
  } catch (error) {
    rows.push(failed('validator-check', 'SessionValidator on SQLite', error));
  } finally {
    await node.stop();
    removeSqliteFiles(dbPath);
  }

  for (const kind of ['postgres', 'redis'] as const) {
    const id = `revocation-${kind}`;
    const label = `revocation latency, across two nodes (${kind === 'postgres' ? 'PostgreSQL' : 'Redis'})`;
    if (!(await reachable(kind === 'postgres' ? POSTGRES_URL : REDIS_URL, kind === 'postgres' ? 5432 : 6379))) {
      rows.push({ status: 'skipped', group: 'validator', id, label, reason: `${kind} is not reachable` });
      continue;
    }
    const target = kind === 'postgres' ? await throwawayPostgres() : throwawayRedis();
    const nodes: Launched[] = [];
    try {
      for (const name of ['a', 'b']) {
        nodes.push(await startSessiond({ name: `sessiond-validator-${kind}-${name}`, store: target.env.SESSIOND_STORE!, logDir: ctx.workDir, env: { ...serverEnv, ...target.env } }));
      }
      const [a, b] = nodes as [Launched, Launched];
      const validator = new SessionValidator({ serverUrl: b.url, sessionId: await loginOn(b.url) });
      await validator.start();
      try {
        rows.push(await revocationRow(id, label, a.url, b.url, validator, ends));
      } finally {
        validator.close();
      }
    } catch (error) {
      rows.push(failed(id, label, error));
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
      await target.cleanup();
    }
  }
  return rows;
}

/** Operations per second of `op`, called one after another (awaited), after a warm-up. */
async function rate(seconds: number, warmupSeconds: number, op: (i: number) => unknown): Promise<number> {
  const run = async (ms: number) => {
    let n = 0;
    const started = performance.now();
    let now = started;
    while (now - started < ms) {
      for (let k = 0; k < 1000; k++) await op(n++);
      now = performance.now();
    }
    return n / ((now - started) / 1000);
  };
  await run(warmupSeconds * 1000);
  return run(seconds * 1000);
}

function rateRow(id: string, label: string, perSec: number, note: string): MeasuredRow {
  return { status: 'ok', group: 'validator', id, label, perSec, perSecUnit: 'checks/s', note };
}

/** HS256 JWTs, 1,000 of them (one per session), verified the fastest way each library offers. */
async function jwtRows(seconds: number, warmupSeconds: number): Promise<MeasuredRow[]> {
  const secret = randomBytes(32);
  const now = Math.floor(Date.now() / 1000);
  const claims = (i: number) => ({ sub: `005${String(i).padStart(15, '0')}`, sid: `h_${i}`, iat: now, exp: now + 3600 });
  const sign = createSigner({ key: secret, algorithm: 'HS256' });
  const tokens = Array.from({ length: SESSIONS }, (_, i) => sign(claims(i)));
  const verify = createVerifier({ key: secret, algorithms: ['HS256'], cache: false });
  const fast = await rate(seconds, warmupSeconds, (i) => {
    if (!verify(tokens[i % SESSIONS]!).sub) throw new Error('fast-jwt: no subject');
  });
  const joseTokens = await Promise.all(
    Array.from({ length: SESSIONS }, (_, i) => new SignJWT(claims(i)).setProtectedHeader({ alg: 'HS256' }).sign(secret)),
  );
  const jose = await rate(seconds, warmupSeconds, async (i) => {
    if (!(await jwtVerify(joseTokens[i % SESSIONS]!, secret, { algorithms: ['HS256'] })).payload.sub) throw new Error('jose: no subject');
  });
  return [
    rateRow('jwt-fast-jwt', 'JWT verify, fast-jwt (HS256, cache off)', fast, `${(1e9 / fast).toFixed(0)} ns a verify; signature and exp checked, cannot see a revocation`),
    rateRow('jwt-jose', 'JWT verify, jose jwtVerify (HS256)', jose, `${(1e9 / jose).toFixed(0)} ns a verify; cannot see a revocation`),
  ];
}

/** The same check over HTTP: autocannon against the same node, Bearer rotating over the same sessions. */
async function httpRow(ctx: BenchContext, node: Launched, ids: readonly string[]): Promise<MeasuredRow> {
  const load = await runLoad({
    url: `${node.url}/api/v1/session`,
    headerSets: ids.map((id) => ({ authorization: `Bearer ${id}` })),
    connections: ctx.mode.connections,
    durationSec: ctx.mode.durationSec,
    warmupSec: ctx.mode.warmupSec,
    serverPid: node.pid,
  });
  return {
    status: 'ok',
    group: 'validator',
    id: 'validator-http',
    label: 'GET /api/v1/session over HTTP (SQLite)',
    perSec: load.requestsPerSec,
    perSecUnit: 'checks/s',
    p50Ms: load.p50Ms,
    p99Ms: load.p99Ms,
    connections: load.connections,
    note: `autocannon and the server share the machine's cores${load.cpuUsPerRequest !== undefined ? `; ${load.cpuUsPerRequest.toFixed(0)} µs server CPU a check` : ''}`,
  };
}

/**
 * Logs `count` sessions in on `endOn`, has the validator (subscribed to its own node) cache
 * each, then ends them one at a time with a logout on `endOn`: each sample is the time from
 * the logout's answer to the first check that answers null. Checks go on meanwhile, one per
 * turn of the event loop.
 */
async function revocationRow(id: string, label: string, endOn: string, checkOn: string, validator: SessionValidator, count: number): Promise<MeasuredRow> {
  const sessions = await sessionsOn(endOn, count);
  for (const s of sessions) if (!(await validator.check(s))) throw new Error(`a fresh session was refused by the validator on ${checkOn}`);
  const samples: number[] = [];
  for (const sessionId of sessions) {
    const res = await fetch(`${endOn}/api/v1/logout`, { method: 'POST', headers: { authorization: `Bearer ${sessionId}` } });
    await res.arrayBuffer();
    const answeredAt = performance.now();
    if (res.status !== 200) throw new Error(`logout answered ${res.status}`);
    for (;;) {
      if ((await validator.check(sessionId)) === null) break;
      if (performance.now() - answeredAt > GIVE_UP_MS) throw new Error(`an ended session was still accepted ${GIVE_UP_MS} ms after its logout answered`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    samples.push(performance.now() - answeredAt);
  }
  const late = samples.filter((ms) => ms > BOUND_MS).length;
  const { serverChecks, cacheDrops } = validator.stats();
  return {
    status: 'ok',
    group: 'validator',
    id,
    label,
    p50Ms: percentile(samples, 50),
    p99Ms: percentile(samples, 99),
    note: `${count} logouts one at a time${endOn === checkOn ? '' : ' on node A, validator subscribed to node B'}; max ${Math.max(...samples).toFixed(1)} ms; ${late} of ${count} later than ${BOUND_MS} ms; cache drops ${cacheDrops}, server checks ${serverChecks}`,
    extra: { maxMs: Math.max(...samples), lateOverBound: late, samples: count },
  };
}

async function loginOn(url: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: PASSWORD }),
  });
  const body = (await res.json()) as { sessionId?: string };
  if (res.status !== 200 || !body.sessionId) throw new Error(`login on ${url} answered ${res.status}`);
  return body.sessionId;
}

/** `count` admin sessions on `url`, eight logins at a time. */
async function sessionsOn(url: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      ids.push(await loginOn(url));
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return ids;
}

function failed(id: string, label: string, error: unknown): Row {
  return { status: 'failed', group: 'validator', id, label, reason: error instanceof Error ? error.message : String(error) };
}
