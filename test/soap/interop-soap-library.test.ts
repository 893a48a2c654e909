import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import soap from 'soap';
import { ADMIN_PASSWORD, addUser, api, login as restLogin, startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * Interop with the npm `soap` library (node-soap), which nobody here wrote: it builds its
 * client from the WSDL sessiond serves for a Partner API version and calls every operation
 * through it, unchanged. Run for the oldest version served, 27.0, 40.0 and the newest.
 */
for (const version of ['20.0', '27.0', '40.0', '66.0']) describe(`npm soap client generated from the WSDL served for ${version}`, () => {
  let server: TestServer;
  let wsdlUrl: string;

  before(async () => {
    server = await startTestServer();
    wsdlUrl = `${server.url}/services/Soap/u/${version}?wsdl`;
    const admin = await restLogin(server.url, 'admin', ADMIN_PASSWORD);
    await addUser(server.url, admin.sessionId, 'lin@example.com', 'lin-password-1');
  });
  after(() => server.close());

  async function loggedInClient(username = 'lin@example.com', password = 'lin-password-1') {
    const client = await soap.createClientAsync(wsdlUrl);
    const [answer] = await client.loginAsync({ username, password });
    const result = answer.result;
    // As Salesforce clients do: send later calls to serverUrl, with the SessionHeader.
    client.setEndpoint(result.serverUrl);
    client.addSoapHeader({ SessionHeader: { sessionId: result.sessionId } }, '', 'tns', 'urn:partner.soap.sforce.com');
    return { client, result };
  }

  test('the generated client knows exactly the five calls', async () => {
    const client = await soap.createClientAsync(wsdlUrl);
    const ops = Object.keys(client.describe().SforceService.Soap).sort();
    assert.deepEqual(ops, ['getServerTimestamp', 'getUserInfo', 'invalidateSessions', 'login', 'logout']);
  });

  test('login, getUserInfo and getServerTimestamp, typed by the WSDL', async () => {
    const { client, result } = await loggedInClient();
    assert.equal(result.passwordExpired, false);
    assert.equal(result.sandbox, false);
    assert.equal(result.serverUrl, `${server.url}/services/Soap/u/${version}/00D000000000001AAA`);
    assert.equal(result.userInfo.userName, 'lin@example.com');
    // sessionSecondsValid came with 21.0; the WSDL types it, so it arrives as a number.
    assert.equal(typeof result.userInfo.sessionSecondsValid, version === '20.0' ? 'undefined' : 'number');
    assert.equal(result.userInfo.accessibilityMode, false);
    assert.equal(result.userInfo.profileId, '00e000000000001AAA');

    const [info] = await client.getUserInfoAsync({});
    assert.equal(info.result.userId, result.userId);
    assert.equal(info.result.organizationId, '00D000000000001AAA');
    assert.equal(info.result.userEmail, 'lin@example.com');

    const [ts] = await client.getServerTimestampAsync({});
    assert.ok(ts.result.timestamp instanceof Date);
    assert.ok(Math.abs(ts.result.timestamp.getTime() - Date.now()) < 5000);
  });

  test("the seed's Java scenario: own session plus another valid session, plus a bad ID, in one call", async () => {
    const { client, result } = await loggedInClient();
    const other = await restLogin(server.url, 'admin', ADMIN_PASSWORD);
    const [answer] = await client.invalidateSessionsAsync({ sessionIds: [result.sessionId, other.sessionId, 'sd1_not-a-live-session'] });
    assert.equal(answer.result.length, 3);
    assert.equal(answer.result[0].success, true);
    assert.equal(answer.result[1].success, true);
    assert.equal(answer.result[2].success, false);
    assert.equal(answer.result[2].errors[0].statusCode, 'INVALID_SESSION_ID');
    assert.equal((await api(server.url, 'GET', '/api/v1/session', { sessionId: other.sessionId })).status, 401);

    // The caller's own session ended too: its next call is the dead-session fault.
    await assert.rejects(client.getUserInfoAsync({}), (error: any) => {
      assert.equal(error.response.status, 500);
      assert.equal(error.root.Envelope.Body.Fault.faultcode, 'sf:INVALID_SESSION_ID');
      assert.equal(error.root.Envelope.Body.Fault.detail.UnexpectedErrorFault.exceptionCode, 'INVALID_SESSION_ID');
      return true;
    });
  });

  test('logout ends the session; logging out again is the INVALID_SESSION_ID fault', async () => {
    const { client, result } = await loggedInClient();
    const [out] = await client.logoutAsync({});
    assert.ok(out === null || typeof out === 'object');
    assert.equal((await api(server.url, 'GET', '/api/v1/session', { sessionId: result.sessionId })).status, 401);
    await assert.rejects(client.logoutAsync({}), (error: any) => {
      assert.equal(error.root.Envelope.Body.Fault.faultcode, 'sf:INVALID_SESSION_ID');
      return true;
    });
  });

  test('a wrong password is the INVALID_LOGIN LoginFault', async () => {
    const client = await soap.createClientAsync(wsdlUrl);
    await assert.rejects(client.loginAsync({ username: 'lin@example.com', password: 'not-the-password' }), (error: any) => {
      const fault = error.root.Envelope.Body.Fault;
      assert.equal(fault.faultcode, 'sf:INVALID_LOGIN');
      assert.equal(fault.detail.LoginFault.exceptionCode, 'INVALID_LOGIN');
      return true;
    });
  });

  test('201 IDs through the generated client: EXCEEDED_ID_LIMIT, nothing ended', async () => {
    const { client, result } = await loggedInClient();
    const ids = [result.sessionId, ...Array.from({ length: 200 }, (_, i) => `id-${i}`)];
    await assert.rejects(client.invalidateSessionsAsync({ sessionIds: ids }), (error: any) => {
      assert.equal(error.root.Envelope.Body.Fault.faultcode, 'sf:EXCEEDED_ID_LIMIT');
      return true;
    });
    const [info] = await client.getUserInfoAsync({});
    assert.equal(info.result.userName, 'lin@example.com', 'the caller was not ended');
  });
});
