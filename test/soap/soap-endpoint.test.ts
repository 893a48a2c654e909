import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, addUser, api, login as restLogin, startTestServer, type TestServer } from '../helpers/server.ts';
import { callSoap, envelope, faultOf, PARTNER, postSoap, SOAP_ENV, soapLogin } from './raw-soap.ts';

describe('SOAP endpoint /services/Soap/u/{version}', () => {
  let server: TestServer;
  let base: string;

  before(async () => {
    server = await startTestServer();
    base = server.url;
    const admin = await restLogin(base, 'admin', ADMIN_PASSWORD);
    await addUser(base, admin.sessionId, 'ada@example.com', 'ada-password-1');
  });
  after(() => server.close());

  test('login answers the Partner loginResponse a Salesforce client reads', async () => {
    const answer = await soapLogin(base, 'ada@example.com', 'ada-password-1');
    assert.equal(answer.status, 200);
    assert.match(answer.contentType ?? '', /^text\/xml/);
    // Clients such as jsforce find these by bare element name, so no prefix may sit on them.
    for (const name of ['serverUrl', 'sessionId', 'userId', 'organizationId', 'passwordExpired']) {
      assert.match(answer.text, new RegExp(`<${name}>[^<]+</${name}>`), name);
    }
    assert.match(answer.text, new RegExp(`xmlns="${PARTNER}"`));
    const r = answer.body.loginResponse.result[0];
    assert.equal(r.serverUrl, `${base}/services/Soap/u/60.0/00D000000000001AAA`);
    assert.equal(r.passwordExpired, 'false');
    assert.equal(r.sandbox, 'false');
    assert.match(r.sessionId, /^sd1_[A-Za-z0-9_-]{43}$/);
    assert.match(r.userId, /^005[A-Za-z0-9]{15}$/);
    assert.ok(r.metadataServerUrl.startsWith(base));
    assert.equal(r.userInfo.userName, 'ada@example.com');
    assert.equal(r.userInfo.userEmail, 'ada@example.com');
    assert.equal(r.userInfo.userId, r.userId);
    assert.equal(r.userInfo.organizationId, '00D000000000001AAA');
    // The default idle timeout is two hours; the answer counts down from it.
    assert.ok(Number(r.userInfo.sessionSecondsValid) >= 7190 && Number(r.userInfo.sessionSecondsValid) <= 7200);
    // The session works over REST too: one core behind both.
    const rest = await api(base, 'GET', '/api/v1/session', { sessionId: r.sessionId });
    assert.equal(rest.status, 200);
    assert.equal(rest.body.username, 'ada@example.com');
  });

  test('a later call may go to the serverUrl the login answered (with the organization ID)', async () => {
    const sessionId = (await soapLogin(base, 'ada@example.com', 'ada-password-1')).body.loginResponse.result[0].sessionId;
    const answer = await postSoap(base, envelope(`<getServerTimestamp xmlns="${PARTNER}"/>`, sessionId), {
      path: '/services/Soap/u/60.0/00D000000000001AAA',
    });
    assert.equal(answer.status, 200);
    assert.ok(answer.body.getServerTimestampResponse.result[0].timestamp);
  });

  test('a wrong password is one INVALID_LOGIN LoginFault, as for an unknown user', async () => {
    for (const [user, password] of [
      ['ada@example.com', 'wrong-password'],
      ['nobody', 'whatever-password'],
    ] as const) {
      const answer = await soapLogin(base, user, password);
      assert.equal(answer.status, 500);
      const fault = faultOf(answer);
      assert.equal(answer.fault!.faultcode, 'sf:INVALID_LOGIN');
      assert.equal(fault.faultstring, 'INVALID_LOGIN: Invalid username, password, security token; or user locked out.');
      assert.equal(fault.detailType, 'LoginFault');
      assert.equal(fault.exceptionCode, 'INVALID_LOGIN');
      assert.equal(fault.exceptionMessage, 'Invalid username, password, security token; or user locked out.');
      assert.match(answer.text, /xmlns:sf="urn:fault.partner.soap.sforce.com"/);
      assert.match(answer.text, /xsi:type="sf:LoginFault"/);
    }
  });

  test('getUserInfo and getServerTimestamp answer for a live session', async () => {
    const sessionId = (await soapLogin(base, 'ada@example.com', 'ada-password-1')).body.loginResponse.result[0].sessionId;
    const info = await callSoap(base, 'getUserInfo', '', sessionId);
    assert.equal(info.status, 200);
    const u = info.body.getUserInfoResponse.result[0];
    assert.equal(u.userName, 'ada@example.com');
    assert.equal(u.organizationName, 'sessiond');
    assert.ok(Number(u.sessionSecondsValid) > 7000 && Number(u.sessionSecondsValid) <= 7200);
    const before = Date.now();
    const ts = await callSoap(base, 'getServerTimestamp', '', sessionId);
    const at = Date.parse(ts.body.getServerTimestampResponse.result[0].timestamp);
    assert.ok(Math.abs(at - before) < 5000, 'the timestamp is the server clock');
  });

  test('invalidateSessions: own session plus another valid one plus a bad ID, in input order', async () => {
    const own = (await soapLogin(base, 'ada@example.com', 'ada-password-1')).body.loginResponse.result[0].sessionId;
    const other = (await restLogin(base, 'admin', ADMIN_PASSWORD)).sessionId;
    const answer = await callSoap(
      base,
      'invalidateSessions',
      `<sessionIds>${own}</sessionIds><sessionIds>not-a-session</sessionIds><sessionIds>${other}</sessionIds>`,
      own,
    );
    assert.equal(answer.status, 200);
    const results = answer.body.invalidateSessionsResponse.result;
    assert.equal(results.length, 3);
    assert.equal(results[0].success, 'true');
    assert.equal(results[1].success, 'false');
    assert.equal(results[1].errors[0].statusCode, 'INVALID_SESSION_ID');
    assert.equal(results[1].errors[0].message, 'Invalid session ID: unknown, expired, already ended or malformed.');
    assert.equal(results[2].success, 'true');
    // Both sessions are gone, on REST as on SOAP.
    assert.equal((await api(base, 'GET', '/api/v1/session', { sessionId: other })).status, 401);
    assert.equal(faultOf(await callSoap(base, 'getUserInfo', '', own)).code, 'INVALID_SESSION_ID');
  });

  test('201 IDs: fault EXCEEDED_ID_LIMIT and nothing is ended; an empty list answers nothing', async () => {
    const caller = (await soapLogin(base, 'ada@example.com', 'ada-password-1')).body.loginResponse.result[0].sessionId;
    const victim = (await restLogin(base, 'admin', ADMIN_PASSWORD)).sessionId;
    const ids = [victim, ...Array.from({ length: 200 }, (_, i) => `bogus-${i}`)];
    const answer = await callSoap(base, 'invalidateSessions', ids.map((id) => `<sessionIds>${id}</sessionIds>`).join(''), caller);
    assert.equal(answer.status, 500);
    const fault = faultOf(answer);
    assert.equal(fault.code, 'EXCEEDED_ID_LIMIT');
    assert.equal(fault.detailType, 'UnexpectedErrorFault');
    assert.equal(fault.exceptionCode, 'EXCEEDED_ID_LIMIT');
    assert.match(fault.faultstring, /^EXCEEDED_ID_LIMIT: /);
    assert.equal((await api(base, 'GET', '/api/v1/session', { sessionId: victim })).status, 200, 'nothing was ended');

    const empty = await callSoap(base, 'invalidateSessions', '', caller);
    assert.equal(empty.status, 200);
    assert.ok('invalidateSessionsResponse' in empty.body);
    assert.equal(empty.body.invalidateSessionsResponse.result, undefined);
  });

  test('logout ends the session; a dead, missing or foreign SessionHeader is sf:INVALID_SESSION_ID', async () => {
    const sessionId = (await soapLogin(base, 'ada@example.com', 'ada-password-1')).body.loginResponse.result[0].sessionId;
    const out = await callSoap(base, 'logout', '', sessionId);
    assert.equal(out.status, 200);
    assert.ok('logoutResponse' in out.body);
    for (const header of [sessionId, undefined, 'garbage', 'x'.repeat(5000)]) {
      for (const op of ['logout', 'getUserInfo', 'getServerTimestamp', 'invalidateSessions']) {
        const answer = await callSoap(base, op, '', header);
        assert.equal(answer.status, 500, `${op} with ${header?.slice(0, 10)}`);
        assert.equal(answer.fault!.faultcode, 'sf:INVALID_SESSION_ID');
        const fault = faultOf(answer);
        assert.equal(fault.faultstring, 'INVALID_SESSION_ID: Invalid Session ID found in SessionHeader: Illegal Session');
        assert.equal(fault.detailType, 'UnexpectedErrorFault');
        assert.equal(fault.exceptionCode, 'INVALID_SESSION_ID');
      }
    }
  });

  test('the partner namespace may sit on the operation, the Body or the Header', async () => {
    const sessionId = (await soapLogin(base, 'ada@example.com', 'ada-password-1')).body.loginResponse.result[0].sessionId;
    const onBody = `<se:Envelope xmlns:se="${SOAP_ENV}"><se:Header xmlns="${PARTNER}"><SessionHeader><sessionId>${sessionId}</sessionId></SessionHeader></se:Header><se:Body xmlns="${PARTNER}"><getUserInfo/></se:Body></se:Envelope>`;
    const prefixed = `<s:Envelope xmlns:s="${SOAP_ENV}" xmlns:p="${PARTNER}"><s:Header><p:SessionHeader><p:sessionId>${sessionId}</p:sessionId></p:SessionHeader></s:Header><s:Body><p:getUserInfo/></s:Body></s:Envelope>`;
    for (const xml of [onBody, prefixed]) {
      const answer = await postSoap(base, xml);
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.body.getUserInfoResponse.result[0].userName, 'ada@example.com');
    }
  });

  test('passwords with XML special characters and whitespace arrive intact', async () => {
    const admin = await restLogin(base, 'admin', ADMIN_PASSWORD);
    await addUser(base, admin.sessionId, 'grace', ' a<b&c>"d\' ');
    const escaped = await soapLogin(base, 'grace', ' a<b&c>"d\' ');
    assert.equal(escaped.status, 200, escaped.text);
    const cdata = await callSoap(base, 'login', `<username>grace</username><password><![CDATA[ a<b&c>"d' ]]></password>`);
    assert.equal(cdata.status, 200, cdata.text);
    // Tags written inside CDATA are text: they do not count towards the nesting bound.
    const angle = '<x>'.repeat(40);
    await addUser(base, admin.sessionId, 'hopper', `${angle}pw`);
    const deepLooking = await callSoap(base, 'login', `<username>hopper</username><password><![CDATA[${angle}pw]]></password>`);
    assert.equal(deepLooking.status, 200, deepLooking.text);
    const charRefs = await callSoap(base, 'login', '<username>grace</username><password>&#32;a&#x3C;b&amp;c&gt;&quot;d&apos; </password>');
    assert.equal(charRefs.status, 200, charRefs.text);
  });

  test('no session ID or password reaches the log', async () => {
    const login = await soapLogin(base, 'ada@example.com', 'ada-password-1');
    const sessionId = login.body.loginResponse.result[0].sessionId;
    await callSoap(base, 'invalidateSessions', `<sessionIds>${sessionId}</sessionIds>`, sessionId);
    await callSoap(base, 'logout', '', sessionId);
    await soapLogin(base, 'ada@example.com', 'ada-wrong-password-9');
    const log = server.logText();
    assert.ok(log.length > 0);
    assert.equal(log.includes(sessionId), false);
    assert.equal(log.includes('ada-password-1'), false);
    assert.equal(log.includes('ada-wrong-password-9'), false);
  });

  test('the WSDL names exactly the five calls, with this server as the service address', async () => {
    const res = await fetch(`${base}/services/Soap/u/58.0?wsdl`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/xml/);
    const wsdl = await res.text();
    assert.match(wsdl, new RegExp(`<soap:address location="${base}/services/Soap/u/58.0"/>`));
    const portOps = [...wsdl.matchAll(/<operation name="(\w+)"><input message/g)].map((m) => m[1]);
    assert.deepEqual(portOps.sort(), ['getServerTimestamp', 'getUserInfo', 'invalidateSessions', 'login', 'logout']);
    assert.match(wsdl, /targetNamespace="urn:partner.soap.sforce.com"/);
    assert.match(wsdl, /<element name="sessionIds" type="xsd:string" minOccurs="0" maxOccurs="200"\/>/);
    const upper = await fetch(`${base}/services/Soap/u/58.0?WSDL`);
    assert.equal(upper.status, 200);
  });

  test('a GET without ?wsdl and a malformed version are faults, not crashes', async () => {
    const get = await fetch(`${base}/services/Soap/u/60.0`);
    assert.equal(get.status, 500);
    assert.match(await get.text(), /<faultcode>sf:INVALID_REQUEST<\/faultcode>/);
    const bad = await postSoap(base, envelope(`<getUserInfo xmlns="${PARTNER}"/>`), { path: '/services/Soap/u/latest' });
    assert.equal(faultOf(bad).code, 'UNSUPPORTED_API_VERSION');
    assert.match(faultOf(bad).exceptionMessage, /version latest .*20\.0 to 66\.0/);
  });
});

describe('SOAP behind a proxy (SESSIOND_PUBLIC_URL)', () => {
  test('the WSDL address and the login serverUrl name the public URL', async () => {
    const server = await startTestServer({ SESSIOND_PUBLIC_URL: 'https://sessions.example.com' });
    try {
      // server.url is the public URL here; the test talks to the address it listens on.
      const { port } = server.server.app.server.address() as AddressInfo;
      const local = `http://127.0.0.1:${port}`;
      const wsdl = await (await fetch(`${local}/services/Soap/u/60.0?wsdl`)).text();
      assert.match(wsdl, /<soap:address location="https:\/\/sessions.example.com\/services\/Soap\/u\/60.0"\/>/);
      const login = await soapLogin(local, 'admin', ADMIN_PASSWORD);
      assert.equal(login.body.loginResponse.result[0].serverUrl, 'https://sessions.example.com/services/Soap/u/60.0/00D000000000001AAA');
    } finally {
      await server.close();
    }
  });
});
