import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, api, startTestServer, type TestServer } from '../helpers/server.ts';
import { callSoap, faultOf, PARTNER, postSoap, SOAP_ENV, soapLogin } from './raw-soap.ts';

/**
 * Issue 16's SOAP attack: a 248 KB envelope holding 62,000 empty elements in the Header, sent
 * unauthenticated, used to be parsed whole (130–330 ms of event loop each) before any session
 * was checked. It is refused by the pre-scan with the usual INVALID_REQUEST fault, and the
 * same server goes on logging in and checking sessions over SOAP and REST.
 */
function hostileHeaderEnvelope(operationXml = `<getUserInfo xmlns="${PARTNER}"/>`): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${SOAP_ENV}">` +
    `<soapenv:Header>${'<a/>'.repeat(62_000)}</soapenv:Header>` +
    `<soapenv:Body>${operationXml}</soapenv:Body></soapenv:Envelope>`
  );
}

describe('a SOAP Header flood', () => {
  let server: TestServer;

  // The shipped body limit (256 KiB): the attack envelope fits in it.
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  test('is refused with INVALID_REQUEST, and SOAP login and session checks still work', async () => {
    const hostile = hostileHeaderEnvelope();
    assert.ok(hostile.length > 248_000 && hostile.length < 256 * 1024, `${hostile.length} characters`);
    const answers = await Promise.all(Array.from({ length: 8 }, () => postSoap(server.url, hostile)));
    for (const answer of answers) {
      assert.equal(answer.status, 500, answer.text.slice(0, 300));
      const fault = faultOf(answer);
      assert.equal(fault.code, 'INVALID_REQUEST');
      assert.equal(fault.detailType, 'UnexpectedErrorFault');
      assert.equal(fault.exceptionCode, 'INVALID_REQUEST');
      assert.match(fault.exceptionMessage, /The SOAP Header holds more than 16 entries/);
    }

    const login = await soapLogin(server.url, 'admin', ADMIN_PASSWORD);
    assert.equal(login.status, 200, login.text.slice(0, 300));
    const sessionId: string = login.body.loginResponse.result[0].sessionId;
    const userInfo = await callSoap(server.url, 'getUserInfo', '', sessionId);
    assert.equal(userInfo.status, 200, userInfo.text.slice(0, 300));
    assert.equal(userInfo.body.getUserInfoResponse.result[0].userName, 'admin');
    const rest = await api(server.url, 'GET', '/api/v1/session', { sessionId });
    assert.equal(rest.status, 200);
  });

  test('a login hidden behind the flood is not attempted: no session, no failed-login count', async () => {
    const hostile = hostileHeaderEnvelope(`<login xmlns="${PARTNER}"><username>admin</username><password>${ADMIN_PASSWORD}</password></login>`);
    const answer = await postSoap(server.url, hostile);
    assert.equal(faultOf(answer).exceptionCode, 'INVALID_REQUEST');
    assert.doesNotMatch(answer.text, /sessionId/);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.doesNotMatch(metrics, /sessiond_login_failures_total\{[^}]*soap[^}]*\} [1-9]/);
  });
});
