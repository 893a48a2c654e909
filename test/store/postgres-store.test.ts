import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { hashSecretId, newHandle, newSessionId } from '../../src/core/secret-id.ts';
import type { SessionRecord } from '../../src/core/types.ts';
import { PostgresInvalidationBus } from '../../src/store/postgres/postgres-bus.ts';
import { LOCK_SWEEP_SESSIONS, POSTGRES_MIGRATIONS } from '../../src/store/postgres/migrations.ts';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { openStore } from '../../src/store/open-store.ts';
import { createThrowawayDatabase, sql, TEST_POSTGRES_OPTIONS, type ThrowawayDatabase } from '../helpers/postgres-db.ts';
import { POSTGRES_URL, skipUnlessService } from '../helpers/services.ts';

const skip = await skipUnlessService('postgres');

function session(now: number, lifetimeMs: number): SessionRecord {
  return {
    idHash: hashSecretId(newSessionId()),
    handle: newHandle(),
    userId: '005000000000000AAA',
    username: 'pg',
    project: 'default',
    createdAt: now,
    lastSeenAt: now,
    idleExpiresAt: now + lifetimeMs,
    absoluteExpiresAt: now + lifetimeMs,
    ip: null,
    userAgent: null,
  };
}

async function eventually(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(20);
  }
  assert.fail(`${what} did not happen within ${ms} ms`);
}

describe('PostgreSQL store: what several nodes on one database rely on', { skip }, () => {
  let db: ThrowawayDatabase;
  before(async () => {
    db = await createThrowawayDatabase();
  });
  after(async () => {
    await db?.drop();
  });

  test('nodes starting together apply each migration exactly once', async () => {
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore(db.url, TEST_POSTGRES_OPTIONS)));
    try {
      const { rows } = await sql(db.url, 'SELECT version FROM sessiond_schema_migrations ORDER BY version');
      assert.deepEqual(rows.map((r: { version: number }) => r.version), POSTGRES_MIGRATIONS.map((m) => m.version));
      await Promise.all(stores.map((s) => s.ping()));
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  test('lookups, keyset pages and sweeps are served by indexes', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('SET enable_seqscan = off');
      const plans: Record<string, string> = {
        'by hash': "SELECT * FROM sessions WHERE id_hash = 'x'",
        'by handle': "SELECT * FROM sessions WHERE handle = 'x'",
        'by user': "SELECT * FROM sessions WHERE user_id = 'x'",
        'keyset page': 'SELECT * FROM sessions WHERE expires_at > 0 AND (created_at, handle) > (0, \'x\') ORDER BY created_at, handle LIMIT 10',
        'sweep batch': 'SELECT id_hash FROM sessions WHERE expires_at <= 0 ORDER BY expires_at LIMIT 10',
        'web sweep batch': 'SELECT id_hash FROM web_sessions WHERE expires_at <= 0 ORDER BY expires_at LIMIT 10',
      };
      for (const [what, query] of Object.entries(plans)) {
        const { rows } = await client.query(`EXPLAIN ${query}`);
        const plan = rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
        assert.match(plan, /Index/, `${what} uses an index:\n${plan}`);
      }
    } finally {
      await client.end();
    }
  });

  test('only one node sweeps at a time: while another holds the sweep lock, a sweep removes nothing', async () => {
    const store = await openPostgresStore(db.url, TEST_POSTGRES_OPTIONS);
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      const now = Date.now();
      const stale = [session(now - 60_000, 1000), session(now - 60_000, 1000)];
      for (const s of stale) await store.sessions.insert(s);
      await holder.query('SELECT pg_advisory_lock($1)', [LOCK_SWEEP_SESSIONS]);
      assert.deepEqual(await store.sessions.sweepExpired(now, 100), []);
      assert.ok(await store.sessions.findByHash(stale[0]!.idHash), 'still there: the other node is sweeping');
      await holder.query('SELECT pg_advisory_unlock($1)', [LOCK_SWEEP_SESSIONS]);
      assert.equal((await store.sessions.sweepExpired(now, 100)).length, 2);
    } finally {
      await holder.end();
      await store.close();
    }
  });

  test('a store that cannot be reached answers SERVICE_UNAVAILABLE, at start and later', async () => {
    const closedPort = new URL(db.url);
    closedPort.port = '1'; // nothing listens on port 1
    await assert.rejects(openPostgresStore(closedPort.toString(), { ...TEST_POSTGRES_OPTIONS, timeoutMs: 2000 }), { code: 'SERVICE_UNAVAILABLE' });

    const store = await openPostgresStore(db.url, { ...TEST_POSTGRES_OPTIONS, timeoutMs: 2000 });
    await store.close();
    await assert.rejects(store.ping(), { code: 'SERVICE_UNAVAILABLE' });
  });

  test('the bus carries ends between nodes, in chunks NOTIFY accepts, ignores junk, and reconnects by itself', async () => {
    const gaps: string[] = [];
    const a = await PostgresInvalidationBus.open(db.url);
    const b = await PostgresInvalidationBus.open(db.url);
    try {
      b.onGap(() => gaps.push('gap'));
      const received: string[] = [];
      b.subscribe((hashes) => received.push(...hashes));

      const hashes = Array.from({ length: 400 }, () => hashSecretId(newSessionId()));
      await a.publish(hashes);
      await eventually('all 400 hashes arrive', () => received.length === 400);
      assert.deepEqual(received, hashes);

      await sql(db.url, "SELECT pg_notify('sessiond_invalidate', 'not,a,hash;DROP')");
      await a.publish([hashes[0]!]);
      await eventually('the next real message arrives', () => received.length === 401);
      assert.equal(received[400], hashes[0], 'junk was dropped, not delivered');

      await sql(
        POSTGRES_URL,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'",
        [db.name],
      );
      await eventually('b notices and comes back', () => gaps.length >= 2 && b.isListening);
      await a.publish([hashes[1]!]);
      await eventually('messages flow again', () => received.length === 402);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('an idle pooled connection whose server end goes away is logged, and the next request still succeeds', async () => {
    const logged: Array<{ details: { err: unknown }; message: string }> = [];
    const { store, bus } = await openStore({ kind: 'postgres', url: db.url }, { warn: (details, message) => logged.push({ details, message }) });
    try {
      await store.ping(); // leaves one idle connection in the pool
      await sql(
        POSTGRES_URL,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'sessiond' AND state = 'idle'",
        [db.name],
      );
      await eventually('the idle connection error is logged', () => logged.length > 0);
      assert.match(logged[0]!.message, /idle PostgreSQL connection/);
      assert.ok(logged[0]!.details.err instanceof Error, 'with its cause');
      await store.ping();
    } finally {
      await bus.close();
      await store.close();
    }
  });

  test('a database made by schema 1 upgrades to the newest: its users keep everything and have no permissions', async () => {
    const old = await createThrowawayDatabase();
    try {
      const client = new pg.Client({ connectionString: old.url });
      await client.connect();
      try {
        await client.query('CREATE TABLE sessiond_schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
        for (const m of POSTGRES_MIGRATIONS.filter((m) => m.version < 3)) {
          await client.query(m.sql);
          await client.query('INSERT INTO sessiond_schema_migrations (version, applied_at) VALUES ($1, 1)', [m.version]);
        }
        await client.query(
          "INSERT INTO users (user_id, username, password_hash, admin, active, created_at) VALUES ('005000000000000OLD', 'olga', 'scrypt$old-hash', true, true, 1234)",
        );
        await client.query("INSERT INTO audit (at, event, user_id, actor) VALUES (1234, 'user.created', '005000000000000OLD', 'cli'), (1235, 'login.failed', NULL, '192.0.2.1')");
      } finally {
        await client.end();
      }
      const store = await openPostgresStore(old.url, TEST_POSTGRES_OPTIONS);
      try {
        assert.deepEqual(await store.users.find('olga'), {
          userId: '005000000000000OLD',
          username: 'olga',
          passwordHash: 'scrypt$old-hash',
          admin: true,
          active: true,
          createdAt: 1234,
          permissions: [],
        });
        // Audit records from before migration 9 are found by user and by event.
        assert.deepEqual((await store.audit.page({ limit: 5, userId: '005000000000000OLD' })).records.map((r) => r.event), ['user.created']);
        assert.deepEqual((await store.audit.page({ limit: 5, event: 'login.failed' })).records.map((r) => r.actor), ['192.0.2.1']);
      } finally {
        await store.close();
      }
      const { rows } = await sql(old.url, 'SELECT version FROM sessiond_schema_migrations ORDER BY version');
      assert.deepEqual(rows.map((r: { version: number }) => r.version), POSTGRES_MIGRATIONS.map((m) => m.version).sort((a, b) => a - b));
    } finally {
      await old.drop();
    }
  });

  test('a database whose users share names in another case upgrades: each keeps its row and exact name, an ambiguous case finds nobody, new names in any of those cases are refused', async () => {
    const old = await createThrowawayDatabase();
    try {
      const client = new pg.Client({ connectionString: old.url });
      await client.connect();
      try {
        await client.query('CREATE TABLE sessiond_schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
        // Schema 6 without 5, as main had it: migration 5 then runs after 6.
        for (const m of POSTGRES_MIGRATIONS.filter((m) => m.version !== 5)) {
          await client.query(m.sql);
          await client.query('INSERT INTO sessiond_schema_migrations (version, applied_at) VALUES ($1, 1)', [m.version]);
        }
        for (const [id, name, at] of [
          ['005000000000000C01', 'carol', 1000],
          ['005000000000000C02', 'Carol', 2000],
          ['005000000000000C03', 'CAROL', 3000],
          ['005000000000000D01', 'Dave', 1000],
        ] as const) {
          await client.query('INSERT INTO users (user_id, username, password_hash, admin, active, created_at) VALUES ($1, $2, $3, false, true, $4)', [id, name, 'scrypt$x', at]);
        }
      } finally {
        await client.end();
      }
      const store = await openPostgresStore(old.url, TEST_POSTGRES_OPTIONS);
      try {
        assert.deepEqual((await store.users.list()).map((u) => u.username), ['CAROL', 'Carol', 'Dave', 'carol']);
        assert.equal((await store.users.find('carol'))?.userId, '005000000000000C01');
        assert.equal((await store.users.find('Carol'))?.userId, '005000000000000C02');
        assert.equal((await store.users.find('CAROL'))?.userId, '005000000000000C03');
        assert.equal(await store.users.find('cArOl'), null, 'no exact match among several: nobody');
        assert.equal((await store.users.find('dave'))?.username, 'Dave');
        const user = (username: string) => ({ userId: `005000000000000N${username.length}`, username, passwordHash: 'h', admin: false, active: true, createdAt: 5000, permissions: [] });
        await assert.rejects(store.users.create(user('caROL')), { code: 'DUPLICATE_USERNAME' });
        await assert.rejects(store.users.create(user('DAVE')), { code: 'DUPLICATE_USERNAME' });
        // The one the unique index holds goes: the others still refuse the name.
        assert.equal(await store.users.delete('carol'), true);
        await assert.rejects(store.users.create(user('caROL')), { code: 'DUPLICATE_USERNAME' });
      } finally {
        await store.close();
      }
      const { rows } = await sql(old.url, 'SELECT username FROM users WHERE legacy_case_duplicate ORDER BY username');
      assert.deepEqual(rows.map((r: { username: string }) => r.username), ['CAROL', 'Carol'], 'all but the oldest are marked');
    } finally {
      await old.drop();
    }
  });
});
