import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import jsforce from 'jsforce';
import { ADMIN_PASSWORD, addUser, api, login as restLogin, startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * Interop with jsforce, the widely used Salesforce client for Node, unchanged: its SOAP login,
 * its SOAP logout, and the Partner calls of its `soap` API, pointed at sessiond's URL.
 */
const INVALIDATE_RESULT_SCHEMA = [{ success: 'boolean', errors: [{ fields: ['string'], message: 'string', statusCode: 'string' }] }];

describe('jsforce against sessiond', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
    const admin = await restLogin(server.url, 'admin', ADMIN_PASSWORD);
    await addUser(server.url, admin.sessionId, 'mo@example.com', 'mo-password-1');
  });
  after(() => server.close());

  // jsforce logs a deprecation warning for SOAP login; its logger is quiet at this level.
  const connect = () => new jsforce.Connection({ loginUrl: server.url, version: '60.0', logLevel: 'FATAL' });

  test('login over SOAP gives jsforce its instance URL, session and identity', async () => {
    const conn = connect();
    const identity = await conn.login('mo@example.com', 'mo-password-1');
    assert.equal(identity.organizationId, '00D000000000001AAA');
    assert.match(identity.id, /^005/);
    assert.equal(conn.instanceUrl, server.url);
    const check = await api(server.url, 'GET', '/api/v1/session', { sessionId: conn.accessToken! });
    assert.equal(check.status, 200);
    assert.equal(check.body.username, 'mo@example.com');
  });

  test('its soap API reads user info and the server time', async () => {
    const conn = connect();
    await conn.login('mo@example.com', 'mo-password-1');
    const info = await conn.soap.getUserInfo();
    assert.equal(info.userName, 'mo@example.com');
    assert.equal(info.userEmail, 'mo@example.com');
    assert.equal(info.organizationId, '00D000000000001AAA');
    const ts = await conn.soap.getServerTimestamp();
    assert.ok(Math.abs(Date.parse(ts.timestamp) - Date.now()) < 5000);
  });

  test('invalidateSessions through its Partner SOAP invoker: own session plus another, in order', async () => {
    // jsforce has no invalidateSessions method; soap._invoke is the one invoker its own Partner calls go through.
    const conn = connect();
    await conn.login('mo@example.com', 'mo-password-1');
    const other = await restLogin(server.url, 'admin', ADMIN_PASSWORD);
    const results = await conn.soap._invoke(
      'invalidateSessions',
      { sessionIds: [other.sessionId, 'sd1_unknown', conn.accessToken] },
      INVALIDATE_RESULT_SCHEMA,
    );
    assert.deepEqual(
      results.map((r: { success: boolean }) => r.success),
      [true, false, true],
    );
    assert.equal(results[1].errors[0].statusCode, 'INVALID_SESSION_ID');
    assert.equal((await api(server.url, 'GET', '/api/v1/session', { sessionId: other.sessionId })).status, 401);
  });

  test('a dead session is a fault jsforce recognises: without credentials it fails, with them it logs in again', async () => {
    const conn = connect();
    await conn.login('mo@example.com', 'mo-password-1');
    const dead = conn.accessToken!;
    await api(server.url, 'POST', '/api/v1/logout', { sessionId: dead });

    const bare = new jsforce.Connection({ instanceUrl: server.url, sessionId: dead, version: '60.0', logLevel: 'FATAL' });
    await assert.rejects(bare.soap.getUserInfo(), (error: Error & { errorCode?: string }) => {
      assert.equal(error.errorCode, 'sf:INVALID_SESSION_ID');
      assert.match(error.message, /^INVALID_SESSION_ID: /);
      return true;
    });

    // jsforce's own session-expiry test (HTTP 500 + faultcode …:INVALID_SESSION_ID) fires, and it re-logs in.
    const info = await conn.soap.getUserInfo();
    assert.equal(info.userName, 'mo@example.com');
    assert.notEqual(conn.accessToken, dead);
  });

  test('logout over SOAP ends the session; a wrong password is refused with the Salesforce message', async () => {
    const conn = connect();
    await conn.login('mo@example.com', 'mo-password-1');
    const sessionId = conn.accessToken!;
    await conn.logout();
    assert.equal((await api(server.url, 'GET', '/api/v1/session', { sessionId })).status, 401);

    await assert.rejects(connect().login('mo@example.com', 'wrong-password'), /^Error: INVALID_LOGIN: Invalid username, password, security token; or user locked out\.$/);
  });
});
