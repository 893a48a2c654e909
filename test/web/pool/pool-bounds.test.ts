import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { addUser, api, login } from '../../helpers/server.ts';
import { WebClient } from '../web-client.ts';
import { PASSWORD, RECORDING_ESM, setupWeb } from '../web-setup.ts';

/** The pool's rules, seen from outside: bounds, idle limit, keep-alive, shutdown, admin view, metrics, audit. */

const KEEP = { SESSIOND_ESM: RECORDING_ESM, SESSIOND_ESM_CLOSE: 'false' };

async function pooledSessionOf(url: string, user: string): Promise<string> {
  const browser = new WebClient(url);
  assert.equal((await browser.login(user, PASSWORD)).status, 303);
  const handle = WebClient.handleOf((await browser.get('/web/projects/default')).html)!;
  assert.equal((await browser.logout()).status, 303);
  return handle;
}

async function until(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(100);
  }
}

describe('pool bounds', () => {
  test('SESSIOND_POOL_MAX: over the bound the oldest is evicted and closed at the upstream', async () => {
    const w = await setupWeb({ ...KEEP, SESSIOND_POOL_MAX: '1' });
    try {
      const alices = await pooledSessionOf(w.url, 'alice');
      const carols = await pooledSessionOf(w.url, 'carol');
      const view = await w.pool();
      assert.deepEqual(view.entries.map((e) => e.handle), [carols]);
      assert.equal(view.evictions, 1);
      assert.deepEqual(await w.handlesOf('alice'), [], 'the evicted session was closed, not leaked');
      assert.notEqual(alices, carols);
      assert.deepEqual(await w.handlesOf('carol'), [carols]);
    } finally {
      await w.s.close();
    }
  });

  test('SESSIOND_POOL_IDLE_SECONDS: a session idle too long is evicted and closed', async () => {
    const w = await setupWeb({ ...KEEP, SESSIOND_POOL_IDLE_SECONDS: '1', SESSIOND_POOL_KEEPALIVE_SECONDS: '1' });
    try {
      await pooledSessionOf(w.url, 'alice');
      assert.equal((await w.pool()).entries.length, 1);
      await until(async () => (await w.pool()).entries.length === 0);
      assert.deepEqual(await w.handlesOf('alice'), []);
      assert.equal((await w.pool()).evictions, 1);
    } finally {
      await w.s.close();
    }
  });

  test('pooled sessions are kept alive while idle: they outlive the upstream idle timeout and are reused', async () => {
    const w = await setupWeb({
      ...KEEP,
      SESSIOND_IDLE_TIMEOUT_SECONDS: '3',
      SESSIOND_TOUCH_INTERVAL_SECONDS: '0',
      SESSIOND_POOL_KEEPALIVE_SECONDS: '1',
    });
    try {
      const handle = await pooledSessionOf(w.url, 'alice');
      await sleep(4500);
      assert.deepEqual(await w.handlesOf('alice'), [handle], 'still alive after more than its idle timeout');
      const browser = new WebClient(w.url);
      await browser.login('alice', PASSWORD);
      assert.equal(WebClient.handleOf((await browser.get('/web/projects/default')).html), handle);
    } finally {
      await w.s.close();
    }
  });

  test('at shutdown every pooled session is closed at the upstream', async () => {
    const w = await setupWeb(KEEP);
    try {
      const handle = await pooledSessionOf(w.url, 'alice');
      await w.s.server.close();
      const db = new Database(join(w.s.dir, 'sessiond.db'), { readonly: true });
      try {
        // An end is its session.ended event (the end log); the row stays until the sweep deletes it.
        const row = db
          .prepare(
            "SELECT count(*) AS n FROM sessions WHERE handle = ? AND ended_at IS NULL AND id_hash NOT IN (SELECT id_hash FROM session_events WHERE type = 'session.ended')",
          )
          .get(handle) as { n: number };
        assert.equal(row.n, 0, 'the pooled session was ended in the store');
        const audit = db.prepare("SELECT reason FROM audit WHERE event = 'pool.evicted' AND handle = ?").all(handle) as Array<{ reason: string }>;
        assert.deepEqual(audit.map((a) => a.reason), ['shutdown']);
      } finally {
        db.close();
      }
    } finally {
      await w.s.close();
    }
  });
});

describe('GET /api/v1/admin/pool, metrics and audit', () => {
  test('admins only; entries and counters, never session IDs; hits, misses and evictions are metrics and audit records', async () => {
    const w = await setupWeb({ ...KEEP, SESSIOND_POOL_MAX: '1' });
    try {
      assert.equal((await api(w.url, 'GET', '/api/v1/admin/pool')).status, 401);
      await addUser(w.url, w.admin, 'dave', PASSWORD);
      const dave = await login(w.url, 'dave', PASSWORD);
      assert.equal((await api(w.url, 'GET', '/api/v1/admin/pool', { sessionId: dave.sessionId })).status, 403);

      const first = await pooledSessionOf(w.url, 'alice'); // miss, release
      await pooledSessionOf(w.url, 'alice'); // hit, release
      await pooledSessionOf(w.url, 'carol'); // miss, release, evicts alice's
      const view = await w.pool();
      assert.equal(view.hits, 1);
      assert.equal(view.misses, 2);
      assert.equal(view.evictions, 1);
      assert.equal(view.entries.length, 1);
      const entry = view.entries[0]!;
      assert.deepEqual(Object.keys(entry).sort(), ['handle', 'idleSeconds', 'key', 'login', 'project']);
      assert.equal(entry.login, 'carol');
      assert.ok(!JSON.stringify(view).includes('sd1_'));

      const metrics = await (await fetch(`${w.url}/metrics`)).text();
      assert.match(metrics, /sessiond_pool_outcomes_total\{outcome="hit"\} 1/);
      assert.match(metrics, /sessiond_pool_outcomes_total\{outcome="miss"\} 2/);
      assert.match(metrics, /sessiond_pool_outcomes_total\{outcome="eviction"\} 1/);
      assert.match(metrics, /sessiond_pool_entries 1/);

      const audit = await api<{ records: Array<{ event: string; handle: string | null; reason: string | null }> }>(w.url, 'GET', '/api/v1/admin/audit?limit=200', {
        sessionId: w.admin,
      });
      const events = audit.body.records.map((r) => r.event);
      for (const e of ['pool.released', 'pool.reused', 'pool.missed', 'pool.evicted', 'web.login', 'web.logout']) assert.ok(events.includes(e), `audit has ${e}`);
      assert.ok(audit.body.records.some((r) => r.event === 'pool.evicted' && r.handle === first && r.reason === 'capacity'));
      assert.ok(!JSON.stringify(audit.body).includes('sd1_'));
    } finally {
      await w.s.close();
    }
  });
});
