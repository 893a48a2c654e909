import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, addUser, api, login, startTestServer, type TestServer } from '../helpers/server.ts';

/** Whole accounts over REST, for admins: each action, its audit record, and the last-admin rule. */

describe('admin account API', () => {
  let t: TestServer;
  let admin: { sessionId: string; handle: string };

  before(async () => {
    t = await startTestServer();
    admin = await login(t.url, 'admin', ADMIN_PASSWORD);
    for (const name of ['fay', 'gus', 'hal']) await addUser(t.url, admin.sessionId, name, `${name}-password-1`);
  });
  after(() => t.close());

  const isLive = async (sessionId: string) => (await api(t.url, 'GET', '/api/v1/session', { sessionId })).status === 200;
  const userEvents = async (userId: string) =>
    ((await api(t.url, 'GET', '/api/v1/admin/audit?limit=100', { sessionId: admin.sessionId })).body.records as Array<Record<string, string>>)
      .filter((r) => r.userId === userId && r.event!.startsWith('user.'))
      .map((r) => [r.event, r.actor, r.reason]);

  test('deactivate ends the user’s sessions and stops logins; activate lets them back; both audited with the admin as actor', async () => {
    const s = await login(t.url, 'fay', 'fay-password-1');
    const off = await api(t.url, 'POST', '/api/v1/admin/users/fay/deactivate', { sessionId: admin.sessionId });
    assert.deepEqual([off.status, off.body], [200, { ended: 1 }]);
    assert.equal(await isLive(s.sessionId), false);
    assert.equal((await api(t.url, 'POST', '/api/v1/login', { body: { username: 'fay', password: 'fay-password-1' } })).status, 401);
    const users = await api(t.url, 'GET', '/api/v1/admin/users', { sessionId: admin.sessionId });
    assert.equal(users.body.users.find((u: { username: string }) => u.username === 'fay').active, false);
    assert.deepEqual((await api(t.url, 'POST', '/api/v1/admin/users/fay/activate', { sessionId: admin.sessionId })).body, {});
    await login(t.url, 'fay', 'fay-password-1');
    const fay = users.body.users.find((u: { username: string }) => u.username === 'fay');
    assert.deepEqual((await userEvents(fay.userId)).slice(0, 2), [
      ['user.activated', admin.handle, null],
      ['user.deactivated', admin.handle, null],
    ]);
  });

  test('a password reset ends the user’s sessions; the new password works and the old one does not', async () => {
    const s = await login(t.url, 'gus', 'gus-password-1');
    const weak = await api(t.url, 'POST', '/api/v1/admin/users/gus/password', { sessionId: admin.sessionId, body: { newPassword: 'aaaaaaaaaa' } });
    assert.equal(weak.status, 400);
    assert.equal(await isLive(s.sessionId), true, 'a refused reset changes nothing');
    const res = await api(t.url, 'POST', '/api/v1/admin/users/gus/password', { sessionId: admin.sessionId, body: { newPassword: 'gus-password-2' } });
    assert.deepEqual([res.status, res.body], [200, { ended: 1 }]);
    assert.equal(await isLive(s.sessionId), false);
    assert.equal((await api(t.url, 'POST', '/api/v1/login', { body: { username: 'gus', password: 'gus-password-1' } })).status, 401);
    await login(t.url, 'gus', 'gus-password-2');
  });

  test('PATCH changes the admin flag and permissions; the new admin can use the admin API, and is audited', async () => {
    const res = await api(t.url, 'PATCH', '/api/v1/admin/users/hal', { sessionId: admin.sessionId, body: { admin: true, permissions: ['events', 'events'] } });
    assert.equal(res.status, 200);
    assert.deepEqual([res.body.username, res.body.admin, res.body.permissions], ['hal', true, ['events']]);
    const hal = await login(t.url, 'hal', 'hal-password-1');
    assert.equal((await api(t.url, 'GET', '/api/v1/admin/users', { sessionId: hal.sessionId })).status, 200);
    const bad = await api(t.url, 'PATCH', '/api/v1/admin/users/hal', { sessionId: admin.sessionId, body: { permissions: ['Not A Name'] } });
    assert.equal(bad.status, 400);
    assert.deepEqual((await userEvents(res.body.userId))[0], ['user.updated', admin.handle, 'admin=true permissions=events']);
    const demoted = await api(t.url, 'PATCH', '/api/v1/admin/users/hal', { sessionId: admin.sessionId, body: { admin: false } });
    assert.equal(demoted.body.admin, false);
    assert.equal((await api(t.url, 'GET', '/api/v1/admin/users', { sessionId: hal.sessionId })).status, 403);
  });

  test('the last active admin cannot be deactivated, deleted or demoted: 409 LAST_ADMIN and nothing changes', async () => {
    for (const [method, path, body] of [
      ['POST', '/api/v1/admin/users/admin/deactivate', undefined],
      ['DELETE', '/api/v1/admin/users/admin', undefined],
      ['PATCH', '/api/v1/admin/users/admin', { admin: false }],
    ] as const) {
      const res = await api(t.url, method, path, { sessionId: admin.sessionId, ...(body ? { body } : {}) });
      assert.equal(res.status, 409, `${method} ${path}`);
      assert.equal(res.body.errorCode, 'LAST_ADMIN');
      assert.match(res.body.message, /last active administrator/);
    }
    assert.equal(await isLive(admin.sessionId), true);
    const me = (await api(t.url, 'GET', '/api/v1/admin/users', { sessionId: admin.sessionId })).body.users.find((u: { username: string }) => u.username === 'admin');
    assert.deepEqual([me.admin, me.active], [true, true]);
  });

  test('DELETE removes the user and ends their sessions; the name can be taken again; non-admins are refused', async () => {
    const s = await login(t.url, 'gus', 'gus-password-2');
    const fay = await login(t.url, 'fay', 'fay-password-1');
    assert.equal((await api(t.url, 'DELETE', '/api/v1/admin/users/gus', { sessionId: fay.sessionId })).status, 403);
    const res = await api(t.url, 'DELETE', '/api/v1/admin/users/gus', { sessionId: admin.sessionId });
    assert.deepEqual([res.status, res.body], [200, { ended: 2 }], 'this session and the one from the reset test');
    assert.equal(await isLive(s.sessionId), false);
    assert.equal((await api(t.url, 'DELETE', '/api/v1/admin/users/gus', { sessionId: admin.sessionId })).status, 404);
    assert.equal((await api(t.url, 'POST', '/api/v1/login', { body: { username: 'gus', password: 'gus-password-2' } })).status, 401);
    await addUser(t.url, admin.sessionId, 'gus', 'gus-password-9');
    await login(t.url, 'gus', 'gus-password-9');
  });
});
