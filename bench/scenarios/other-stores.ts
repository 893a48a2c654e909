import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config.ts';
import { newRecordId } from '../../src/core/secret-id.ts';
import type { SessionRecord } from '../../src/core/types.ts';
import { registerCleanup } from '../cleanup.ts';
import { launch, type Launched } from '../launcher.ts';
import type { Row } from '../results.ts';
import { POSTGRES_URL, reachable, REDIS_URL } from '../services.ts';
import { makeSessionIds } from '../session-ids.ts';
import { seededSessionTimes } from '../session-times.ts';
import { startSessiond } from '../sessiond-server.ts';
import { expectJson, type BenchContext } from './context.ts';
import { peer } from './peers.ts';
import { ROTATE_OVER } from './validate-sqlite.ts';
import { loadInRounds, type RoundParticipant } from './validation-rounds.ts';

/**
 * `GET /api/v1/session` with sessiond on PostgreSQL and on Redis, when their stores exist in
 * this tree and their servers answer; otherwise each is skipped with the reason. Each run gets
 * its own throwaway database (PostgreSQL) or key prefix (Redis), seeded through the store's own
 * insertSession, and removed afterwards. Requests rotate over up to 1,000 of the sessions. Every
 * server runs at once and they are loaded in rounds with a bare Fastify route of their own
 * (validation-rounds.ts), so each ratio pairs minutes of the same round.
 */
export interface StoreUnderTest {
  id: string;
  label: string;
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/**
 * The validation cache's age bound in the "cache on" rows: an operator's choice (how long a node
 * that missed an invalidation message may still accept an ended session), shown in the row.
 */
export const CACHED_MAX_AGE_MS = 10_000;

/** The bare route loaded in rounds with these rows, the ceiling their ratios are paired with. */
const BARE_ID = 'bare-fastify-other-stores';

export async function otherStores(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  const participants: RoundParticipant[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  try {
    for (const kind of ['postgres', 'redis'] as const) {
      const name = kind === 'postgres' ? 'PostgreSQL' : 'Redis';
      const sessions = ctx.mode.otherStoreSessions.toLocaleString('en');
      // The shipped default (cache off, every check asks the store) and, on PostgreSQL, the cache on.
      const variants: Array<{ id: string; label: string; env: Record<string, string>; note: string }> = [
        { id: `sessiond-${kind}`, label: `sessiond GET /api/v1/session, ${name}, ${sessions} sessions`, env: {}, note: '' },
        ...(kind === 'postgres'
          ? [
              {
                id: `sessiond-${kind}-cached`,
                label: `sessiond GET /api/v1/session, ${name}, ${sessions} sessions, cache on`,
                env: { SESSIOND_CACHE_MAX_AGE_MS: String(CACHED_MAX_AGE_MS) },
                note: `; SESSIOND_CACHE_MAX_AGE_MS=${CACHED_MAX_AGE_MS}`,
              },
            ]
          : []),
      ];
      const skip = (reason: string) => {
        for (const v of variants) rows.push({ status: 'skipped', group: 'validation', id: v.id, label: v.label, reason });
      };
      if (!existsSync(join('src', 'store', kind))) {
        skip(`src/store/${kind} does not exist in this tree`);
        continue;
      }
      const serviceUrl = kind === 'postgres' ? POSTGRES_URL : REDIS_URL;
      if (!(await reachable(serviceUrl, kind === 'postgres' ? 5432 : 6379))) {
        skip(`${kind} is not reachable at ${serviceUrl}`);
        continue;
      }
      const target = kind === 'postgres' ? await throwawayPostgres() : throwawayRedis();
      cleanups.push(target.cleanup);
      let seeded: Awaited<ReturnType<typeof seedThroughStore>>;
      try {
        seeded = await seedThroughStore(target.env, ctx.mode.otherStoreSessions);
      } catch (error) {
        skip(error instanceof Error ? error.message : String(error));
        continue;
      }
      ctx.print(`  seeded ${sessions} sessions in ${kind} in ${(seeded.seedMs / 1000).toFixed(1)} s`);
      const headerSets = seeded.ids.map((sessionId) => ({ authorization: `Bearer ${sessionId}` }));
      for (const variant of variants) {
        let server: Launched | undefined;
        try {
          const env = { ...target.env, ...variant.env };
          server = await startSessiond({ name: variant.id, store: env.SESSIOND_STORE!, env, logDir: ctx.workDir });
          const check = (await expectJson(await fetch(`${server.url}/api/v1/session`, { headers: headerSets[0]! }))) as { username?: string };
          if (check.username !== seeded.username) throw new Error(`${kind}: GET /api/v1/session did not answer the seeded session`);
          participants.push({
            id: variant.id,
            label: variant.label,
            note: `${kind} on 127.0.0.1; Bearer rotates over ${headerSets.length.toLocaleString('en')} sessions${variant.note}`,
            server,
            path: '/api/v1/session',
            headerSets,
          });
        } catch (error) {
          await server?.stop();
          rows.push({ status: 'failed', group: 'validation', id: variant.id, label: variant.label, reason: error instanceof Error ? error.message : String(error) });
        }
      }
    }
    if (participants.length > 0) {
      const server = await launch({ name: BARE_ID, args: peer('bare-fastify.mjs'), logDir: ctx.workDir, readyPath: '/session' });
      participants.unshift({ id: BARE_ID, label: 'bare Fastify route, in rounds with the PostgreSQL and Redis rows', note: 'fixed JSON user, no lookup; loaded with the same rotating Bearer headers as the rows it is compared with (it ignores them)', server, path: '/session' });
      rows.push(...(await loadInRounds(ctx, participants, BARE_ID)));
    }
  } finally {
    for (const p of participants) await p.server.stop();
    for (const cleanup of cleanups) await cleanup();
  }
  return rows;
}

export async function throwawayPostgres(): Promise<StoreUnderTest> {
  const name = `sessiond_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    id: 'postgres',
    label: 'PostgreSQL',
    env: { SESSIOND_STORE: url.toString() },
    cleanup: registerCleanup(async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    }),
  };
}

export function throwawayRedis(): StoreUnderTest {
  const prefix = `sessiond-bench:${process.pid}:${randomBytes(3).toString('hex')}:`;
  return {
    id: 'redis',
    label: 'Redis',
    env: { SESSIOND_STORE: REDIS_URL, SESSIOND_REDIS_PREFIX: prefix },
    cleanup: registerCleanup(async () => {
      const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await redis.connect();
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          if (keys.length > 0) await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    }),
  };
}

/**
 * Seeds through the store's own port (as the composition root opens it from the same settings
 * the server gets), many inserts in flight at once. Answers the first live session IDs.
 */
export async function seedThroughStore(env: Record<string, string>, count: number): Promise<{ ids: string[]; username: string; seedMs: number }> {
  const started = Date.now();
  const { openStore } = await import('../../src/store/open-store.ts');
  const { store, bus } = await openStore(loadConfig(env).store, console);
  try {
    const owners = Array.from({ length: 1000 }, (_, i) => ({ userId: newRecordId('005'), username: i === 0 ? 'bench-user' : `owner-${i}` }));
    const ids = makeSessionIds(count);
    const now = Date.now();
    const record = (i: number): SessionRecord => {
      const owner = owners[i % owners.length]!;
      const row = ids[i]!;
      return {
        idHash: row.hash,
        handle: row.handle,
        userId: owner.userId,
        username: owner.username,
        project: 'default',
        ...seededSessionTimes(now, count - i),
        ip: null,
        userAgent: null,
      };
    };
    let next = 0;
    const worker = async () => {
      while (next < count) await store.sessions.insert(record(next++));
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    return { ids: ids.slice(0, ROTATE_OVER).map((r) => r.id), username: owners[0]!.username, seedMs: Date.now() - started };
  } finally {
    await bus.close();
    await store.close();
  }
}
