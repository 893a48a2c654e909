import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Connection, SessiondApiError } from '@sessiond/client';
import { ADMIN_PASSWORD, addUser, api, login as restLogin, startTestServer, type TestServer } from '../helpers/server.ts';

/** The client's self-service calls against a running server: over REST, from a REST or a SOAP connection. */

describe('TypeScript client: the caller’s own sessions and password', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
    const admin = await restLogin(server.url, 'admin', ADMIN_PASSWORD);
    for (const transport of ['rest', 'soap']) await addUser(server.url, admin.sessionId, `pia-${transport}`, 'pia-password-1');
  });
  after(() => server.close());

  const alive = async (sessionId: string) => (await api(server.url, 'GET', '/api/v1/session', { sessionId })).status === 200;

  for (const transport of ['rest', 'soap'] as const) {
    test(`from a ${transport} connection: list, end one, sign out elsewhere, change the password`, async () => {
      const username = `pia-${transport}`;
      const connection = new Connection({ serverUrl: server.url, transport });
      await connection.login(username, 'pia-password-1');
      const elsewhere = await restLogin(server.url, username, 'pia-password-1');
      const third = await restLogin(server.url, username, 'pia-password-1', 'crm');

      const mine = await connection.getMySessions();
      assert.equal(mine.length, 3);
      const current = mine.filter((s) => s.current);
      assert.equal(current.length, 1);
      assert.ok(mine.every((s) => s.createdAt instanceof Date && s.expiresAt > s.lastSeenAt && s.ip === '127.0.0.1'));
      assert.deepEqual(mine.find((s) => s.handle === third.handle)?.project, 'crm');

      const results = await connection.invalidateMySessions([elsewhere.handle, 'h_somebody-else']);
      assert.deepEqual(results.map((r) => r.success), [true, false]);
      assert.equal(results[1]!.errors[0]!.statusCode, 'INVALID_SESSION_ID');
      assert.equal(await alive(elsewhere.sessionId), false);
      await assert.rejects(connection.invalidateMySessions(Array.from({ length: 201 }, () => third.handle)), (e: unknown) => {
        assert.ok(e instanceof SessiondApiError && e.statusCode === 'EXCEEDED_ID_LIMIT');
        return true;
      });

      assert.equal(await connection.invalidateOtherSessions(), 1);
      assert.equal(await alive(third.sessionId), false);

      const again = await restLogin(server.url, username, 'pia-password-1');
      await assert.rejects(connection.changePassword('not-the-password', 'pia-password-2'), (e: unknown) => {
        assert.ok(e instanceof SessiondApiError && e.statusCode === 'INVALID_LOGIN' && e.httpStatus === 401);
        return true;
      });
      assert.equal(await connection.changePassword('pia-password-1', 'pia-password-2'), 1);
      assert.equal(await alive(again.sessionId), false);
      assert.equal(await alive(connection.getConfig().getSessionId()), true);
      await restLogin(server.url, username, 'pia-password-2');
    });
  }

  test('without a session every self-service call rejects with INVALID_SESSION_ID before any request', async () => {
    const connection = new Connection({ serverUrl: server.url });
    for (const call of [
      () => connection.getMySessions(),
      () => connection.invalidateMySessions([]),
      () => connection.invalidateOtherSessions(),
      () => connection.changePassword('a', 'b'),
    ]) {
      await assert.rejects(call(), (e: unknown) => e instanceof SessiondApiError && e.statusCode === 'INVALID_SESSION_ID');
    }
  });
});
