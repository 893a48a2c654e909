import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createCore } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config.ts';
import { ManualClock } from '../../../src/core/clock.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { SessionPool, SHUTDOWN_CLOSE_CONCURRENCY, type PooledSession } from '../../../src/web/pool/session-pool.ts';
import { LocalUpstream } from '../../../src/web/local-upstream.ts';

/**
 * The pool's rules one by one, on a real in-process core and SQLite store (the upstream a
 * web tier uses when SESSIOND_UPSTREAM is unset) and a clock the test moves.
 */
const PASSWORD = 'pool-test-password-1';

async function withPool(limits: { max?: number; idleMs?: number }, run: (t: { pool: SessionPool; open: (user: string) => Promise<PooledSession>; upstream: LocalUpstream; clock: ManualClock; events: string[] }) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'sessiond-pool-'));
  const clock = new ManualClock(Date.now());
  const config = loadConfig({ SESSIOND_STORE: `sqlite:${join(dir, 'pool.db')}`, SESSIOND_SCRYPT_N: '1024', SESSIOND_LOG_LEVEL: 'silent' });
  const core = await createCore(config, { clock, logger: createLogger('silent') });
  try {
    for (const u of ['alice', 'bob']) await core.users.createUser({ username: u, password: PASSWORD });
    const upstream = new LocalUpstream(core.service, core.users, core.ownSessions, core.accounts);
    const pool = new SessionPool(upstream, { max: limits.max ?? 10, idleMs: limits.idleMs ?? 60_000, keepAliveMs: 60_000 }, () => clock.now());
    const events: string[] = [];
    for (const e of ['release', 'reuse', 'miss', 'evict', 'close-failed']) pool.on(e, (info: { handle?: string; reason?: string }) => events.push(`${e}${info.reason ? `:${info.reason}` : ''}`));
    const open = async (user: string) => {
      const s = await upstream.login({ username: user, password: PASSWORD, project: 'default', address: '127.0.0.1' });
      return { sessionId: s.sessionId, handle: s.handle, login: s.login, project: s.project };
    };
    await run({ pool, open, upstream, clock, events });
    await pool.closeAll();
  } finally {
    await core.bus.close();
    await core.store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('SessionPool', () => {
  test('hands the same session back under the same key, never under another', async () => {
    await withPool({}, async ({ pool, open, events }) => {
      const s = await open('alice');
      await pool.release('k-alice', s);
      assert.equal(await pool.acquire('k-bob'), null, 'another key: a miss');
      const got = await pool.acquire('k-alice');
      assert.equal(got?.sessionId, s.sessionId);
      assert.equal(await pool.acquire('k-alice'), null, 'handed out once');
      assert.deepEqual(events, ['release', 'miss', 'reuse', 'miss']);
    });
  });

  test('an admin evicts one pooled session by handle: it is closed upstream and no login gets it', async () => {
    await withPool({}, async ({ pool, open, upstream, events }) => {
      const kept = await open('alice');
      const gone = await open('bob');
      await pool.release('k-alice', kept);
      await pool.release('k-bob', gone);
      assert.equal(await pool.evictHandle('h_not_pooled', 'h_admin'), null, 'an unknown handle evicts nothing');
      assert.deepEqual(await pool.evictHandle(gone.handle, 'h_admin'), { closed: true });
      assert.equal(await upstream.isAlive(gone.sessionId), false, 'closed at the upstream');
      assert.equal(await pool.acquire('k-bob'), null);
      assert.deepEqual(pool.view().entries.map((e) => e.handle), [kept.handle], 'the other session stays');
      assert.deepEqual(events, ['release', 'release', 'evict:admin', 'miss']);
    });
  });

  test('two logins racing for one pooled session: exactly one gets it', async () => {
    await withPool({}, async ({ pool, open }) => {
      await pool.release('k', await open('alice'));
      const [a, b] = await Promise.all([pool.acquire('k'), pool.acquire('k')]);
      assert.equal([a, b].filter((x) => x !== null).length, 1);
    });
  });

  test('the newest session under a key is handed out first', async () => {
    await withPool({}, async ({ pool, open }) => {
      const older = await open('alice');
      const newer = await open('alice');
      await pool.release('k', older);
      await pool.release('k', newer);
      assert.equal((await pool.acquire('k'))?.handle, newer.handle);
    });
  });

  test('a session that ended upstream is dropped, not handed out', async () => {
    await withPool({}, async ({ pool, open, upstream, events }) => {
      const s = await open('alice');
      await pool.release('k', s);
      await upstream.close(s.sessionId);
      assert.equal(await pool.acquire('k'), null);
      assert.ok(events.includes('evict:dead'));
      assert.equal(pool.view().evictions, 1);
    });
  });

  test('over max the oldest is evicted and closed upstream; max 0 closes every released session', async () => {
    await withPool({ max: 1 }, async ({ pool, open, upstream }) => {
      const first = await open('alice');
      const second = await open('bob');
      await pool.release('a', first);
      await pool.release('b', second);
      assert.deepEqual(pool.view().entries.map((e) => e.handle), [second.handle]);
      assert.equal(await upstream.isAlive(first.sessionId), false, 'closed, not leaked');
    });
    await withPool({ max: 0 }, async ({ pool, open, upstream }) => {
      const s = await open('alice');
      await pool.release('a', s);
      assert.equal(pool.size, 0);
      assert.equal(await upstream.isAlive(s.sessionId), false);
    });
  });

  test('idle limit: sweep evicts and closes; an over-idle session is never handed out', async () => {
    await withPool({ idleMs: 10_000 }, async ({ pool, open, upstream, clock }) => {
      const a = await open('alice');
      const b = await open('bob');
      await pool.release('a', a);
      await pool.release('b', b);
      clock.advance(10_000);
      assert.equal(await pool.acquire('a'), null, 'too idle to hand out');
      await pool.sweep();
      assert.equal(pool.size, 0);
      assert.equal(await upstream.isAlive(a.sessionId), false);
      assert.equal(await upstream.isAlive(b.sessionId), false);
    });
  });

  test('closeAll closes every pooled session, and a release after shutdown closes at once', async () => {
    await withPool({}, async ({ pool, open, upstream }) => {
      const a = await open('alice');
      await pool.release('a', a);
      await pool.closeAll();
      assert.equal(await upstream.isAlive(a.sessionId), false);
      const late = await open('bob');
      await pool.release('b', late);
      assert.equal(pool.size, 0);
      assert.equal(await upstream.isAlive(late.sessionId), false);
    });
  });

  test('the view names sessions by handle and never holds a session ID', async () => {
    await withPool({}, async ({ pool, open, clock }) => {
      const s = await open('alice');
      await pool.release('k', s);
      clock.advance(3_500);
      const view = pool.view();
      assert.deepEqual(view.entries, [{ key: 'k', handle: s.handle, project: 'default', login: 'alice', idleSeconds: 3 }]);
      assert.ok(!JSON.stringify(view).includes(s.sessionId));
    });
  });

  test('closeAll closes in parallel, SHUTDOWN_CLOSE_CONCURRENCY at a time, and counts what is not closed yet', async () => {
    await withPool({ max: 40 }, async ({ open, upstream }) => {
      const total = SHUTDOWN_CLOSE_CONCURRENCY + 4;
      const sessions = [];
      for (let i = 0; i < total; i++) sessions.push(await open(i % 2 ? 'alice' : 'bob'));
      // The same pool rules over an upstream whose closes wait until the test lets them through.
      const waiting: Array<() => void> = [];
      const slow = new SessionPool(
        {
          isAlive: (id) => upstream.isAlive(id),
          close: (id) => new Promise<void>((resolve) => waiting.push(() => void upstream.close(id).then(resolve))),
        },
        { max: 40, idleMs: 60_000, keepAliveMs: 60_000 },
      );
      for (const [i, s] of sessions.entries()) await slow.release(`k${i}`, s);
      const closing = slow.closeAll();
      await new Promise((r) => setImmediate(r));
      assert.equal(waiting.length, SHUTDOWN_CLOSE_CONCURRENCY, 'the first batch is closing at once, not one by one');
      assert.equal(slow.unclosed, total);
      for (const let_ of waiting.splice(0)) let_();
      while (waiting.length < 4) await new Promise((r) => setImmediate(r));
      assert.ok(slow.unclosed <= 4);
      for (const let_ of waiting.splice(0)) let_();
      await closing;
      assert.equal(slow.unclosed, 0);
      for (const s of sessions) assert.equal(await upstream.isAlive(s.sessionId), false, 'closed upstream');
    });
  });
});

