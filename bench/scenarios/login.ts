import { join } from 'node:path';
import { DEFAULT_SCRYPT, hashPassword, verifyPassword } from '../../src/core/password.ts';
import { runLoad } from '../load.ts';
import type { Row } from '../results.ts';
import { BENCH_PASSWORD, seedSqlite } from '../seed-sqlite.ts';
import { percentile } from '../sequential.ts';
import { startSessiond } from '../sessiond-server.ts';
import { expectJson, type BenchContext } from './context.ts';
import { removeSqliteFiles } from './validate-sqlite.ts';

/**
 * Login over REST on SQLite with the shipped scrypt cost, and, apart from it, the cost of the
 * password hash alone (src/core/password.ts timed in this process), which bounds login.
 */
export async function login(ctx: BenchContext): Promise<Row[]> {
  const dbPath = join(ctx.workDir, 'sessiond-login.db');
  const rows: Row[] = [];
  try {
    const seeded = await seedSqlite({ path: dbPath, sessions: 10_000, keepIds: 0, scrypt: DEFAULT_SCRYPT });
    const server = await startSessiond({ name: 'sessiond-login', store: `sqlite:${dbPath}`, logDir: ctx.workDir });
    try {
      const body = JSON.stringify({ username: seeded.username, password: BENCH_PASSWORD });
      const headers = { 'content-type': 'application/json' };
      const first = (await expectJson(await fetch(`${server.url}/api/v1/login`, { method: 'POST', headers, body }))) as {
        sessionId?: string;
      };
      if (typeof first.sessionId !== 'string') throw new Error('login answered no sessionId');
      const load = await runLoad({
        url: `${server.url}/api/v1/login`,
        method: 'POST',
        headers,
        body,
        connections: ctx.mode.loginConnections,
        durationSec: ctx.mode.loginDurationSec,
        warmupSec: Math.min(1, ctx.mode.warmupSec),
      });
      await server.stop();
      rows.push({
        status: 'ok',
        group: 'login',
        id: 'login-rest',
        label: `sessiond POST /api/v1/login (SQLite, scrypt N=${DEFAULT_SCRYPT.N})`,
        perSec: load.requestsPerSec,
        perSecUnit: 'logins/s',
        p50Ms: load.p50Ms,
        p99Ms: load.p99Ms,
        peakRssBytes: server.peakRss(),
        connections: load.connections,
        note: 'each login: one scrypt verify, one session insert + audit row, fsync (synchronous=FULL)',
      });
    } finally {
      await server.stop();
    }
  } finally {
    removeSqliteFiles(dbPath);
  }

  const hashMs: number[] = [];
  const verifyMs: number[] = [];
  for (let i = 0; i < ctx.mode.hashSamples; i++) {
    let t0 = process.hrtime.bigint();
    const stored = await hashPassword(BENCH_PASSWORD, DEFAULT_SCRYPT);
    hashMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    t0 = process.hrtime.bigint();
    if (!(await verifyPassword(BENCH_PASSWORD, stored))) throw new Error('verifyPassword refused the password it just hashed');
    verifyMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  rows.push({
    status: 'ok',
    group: 'login',
    id: 'scrypt-verify',
    label: `password verify alone (scrypt N=${DEFAULT_SCRYPT.N}, r=${DEFAULT_SCRYPT.r}, p=${DEFAULT_SCRYPT.p})`,
    perSec: 1000 / percentile(verifyMs, 50),
    perSecUnit: 'verifies/s on one thread',
    p50Ms: percentile(verifyMs, 50),
    p99Ms: percentile(verifyMs, 99),
    note: `${ctx.mode.hashSamples} samples in the bench process; hashing a new password: p50 ${percentile(hashMs, 50).toFixed(1)} ms`,
    extra: { verifyP50Ms: percentile(verifyMs, 50), hashP50Ms: percentile(hashMs, 50) },
  });
  return rows;
}
