import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { ADMIN_PASSWORD, api, login, startTestServer } from '../helpers/server.ts';

/** Starting up: health, the store setting, and how the first admin comes to be. */

const HOW_TO_MAKE_AN_ADMIN = /no admin user exists: start with SESSIOND_ADMIN_PASSWORD set, or run `npx sessiond users add admin --admin`/g;

describe('server start-up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sessiond-startup-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('GET /healthz answers 200 once the store is open', async () => {
    const t = await startTestServer();
    try {
      const res = await api(t.url, 'GET', '/healthz');
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { status: 'ok', store: 'sqlite' });
    } finally {
      await t.close();
    }
  });

  test('the defaults are the documented ones', () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.host, '127.0.0.1');
    assert.deepEqual(config.store, { kind: 'sqlite', path: './data/sessiond.db' });
    assert.deepEqual(config.expiry, { idleTimeoutMs: 2 * 3600_000, absoluteLifetimeMs: 24 * 3600_000, touchIntervalMs: 60_000 });
    assert.deepEqual(config.login, { maxFailures: 10, maxFailuresPerAddress: 100, failureWindowSeconds: 900, lockoutSeconds: 900, perUserPerHour: 3600 });
    assert.equal(config.adminPassword, undefined);
  });

  test('SESSIOND_STORE with an unknown scheme, or bad numbers, are refused with a clear message', () => {
    assert.throws(
      () => loadConfig({ SESSIOND_STORE: 'mysql://db/sessions' }),
      (e: unknown) => e instanceof ConfigError && /SESSIOND_STORE: unknown store "mysql"; use sqlite:<path>, postgres:/.test(e.message),
    );
    assert.throws(() => loadConfig({ SESSIOND_STORE: 'sqlite:' }), /sqlite needs a path/);
    assert.throws(() => loadConfig({ PORT: 'eighty' }), /PORT/);
    assert.throws(() => loadConfig({ SESSIOND_IDLE_TIMEOUT_SECONDS: '-5' }), /SESSIOND_IDLE_TIMEOUT_SECONDS/);
    assert.throws(() => loadConfig({ SESSIOND_IDLE_TIMEOUT_SECONDS: '30' }), /SESSIOND_TOUCH_INTERVAL_SECONDS must be shorter/);
    assert.throws(() => loadConfig({ SESSIOND_PROJECTS: '{crm' }), /SESSIOND_PROJECTS/);
    for (const bad of ['0', '-1', '2.5', 'soon', '3601']) {
      assert.throws(() => loadConfig({ SESSIOND_SHUTDOWN_TIMEOUT_SECONDS: bad }), /SESSIOND_SHUTDOWN_TIMEOUT_SECONDS/, bad);
    }
    assert.equal(loadConfig({}).shutdownTimeoutMs, 10_000, 'the shutdown deadline defaults to 10 s');
    assert.equal(loadConfig({ SESSIOND_SHUTDOWN_TIMEOUT_SECONDS: '30' }).shutdownTimeoutMs, 30_000);
  });

  test('without SESSIOND_ADMIN_PASSWORD and no admin, the server starts and says once how to make one', async () => {
    const store = `sqlite:${join(dir, 'no-admin.db')}`;
    const t = await startTestServer({ SESSIOND_STORE: store, SESSIOND_ADMIN_PASSWORD: '' });
    try {
      assert.equal((await api(t.url, 'GET', '/healthz')).status, 200);
      assert.equal(t.logText().match(HOW_TO_MAKE_AN_ADMIN)?.length, 1);
      const res = await api(t.url, 'POST', '/api/v1/login', { body: { username: 'admin', password: ADMIN_PASSWORD } });
      assert.equal(res.status, 401, 'no admin was made up');
      // An admin under another name is enough: the next start does not ask for one.
      await t.server.ctx.users.createUser({ username: 'root', password: 'root-password-1', admin: true });
    } finally {
      await t.close();
    }
    const again = await startTestServer({ SESSIOND_STORE: store, SESSIOND_ADMIN_PASSWORD: '' });
    try {
      assert.equal(again.logText().match(HOW_TO_MAKE_AN_ADMIN), null);
    } finally {
      await again.close();
    }
  });

  test('SESSIOND_ADMIN_PASSWORD creates the admin once; a later start never changes its password', async () => {
    const store = `sqlite:${join(dir, 'bootstrap.db')}`;
    const first = await startTestServer({ SESSIOND_STORE: store, SESSIOND_ADMIN_PASSWORD: 'first-admin-password' });
    try {
      assert.match(first.logText(), /created the admin user from SESSIOND_ADMIN_PASSWORD/);
      assert.doesNotMatch(first.logText(), /first-admin-password/);
      const s = await login(first.url, 'admin', 'first-admin-password');
      assert.equal((await api(first.url, 'GET', '/api/v1/admin/users', { sessionId: s.sessionId })).status, 200, 'it is an admin');
    } finally {
      await first.close();
    }
    const second = await startTestServer({ SESSIOND_STORE: store, SESSIOND_ADMIN_PASSWORD: 'second-admin-password' });
    try {
      assert.doesNotMatch(second.logText(), /created the admin user/);
      await login(second.url, 'admin', 'first-admin-password');
      const res = await api(second.url, 'POST', '/api/v1/login', { body: { username: 'admin', password: 'second-admin-password' } });
      assert.equal(res.status, 401);
    } finally {
      await second.close();
    }
  });
});
