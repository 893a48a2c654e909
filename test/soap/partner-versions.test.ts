import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { Connection } from '@sessiond/client';
import { ADMIN_PASSWORD, addUser, login as restLogin, startTestServer, type TestServer } from '../helpers/server.ts';
import { SoapSchemaValidator } from '../helpers/xml-schema.ts';
import { envelope, faultOf, PARTNER, postSoap, SOAP_ENV, type SoapAnswer } from './raw-soap.ts';

/**
 * Each Partner API version gets answers exactly in its own shape: every answer and fault
 * validates (libxml2's XML Schema validator) against the WSDL served for that version, and
 * carries the elements Salesforce's WSDL of that version declares, in its order.
 */

// GetUserInfoResult as Salesforce's Partner WSDLs declare it (see src/api/soap/partner-versions.ts
// for which WSDL each comes from), written out here rather than read from sessiond's table.
const USER_INFO_20 = [
  'accessibilityMode', 'currencySymbol', 'orgDefaultCurrencyIsoCode', 'orgDisallowHtmlAttachments', 'orgHasPersonAccounts',
  'organizationId', 'organizationMultiCurrency', 'organizationName', 'profileId', 'roleId', 'userDefaultCurrencyIsoCode',
  'userEmail', 'userFullName', 'userId', 'userLanguage', 'userLocale', 'userName', 'userTimeZone', 'userType', 'userUiSkin',
];
const USER_INFO_27 = [
  'accessibilityMode', 'currencySymbol', 'orgAttachmentFileSizeLimit', 'orgDefaultCurrencyIsoCode', 'orgDisallowHtmlAttachments',
  'orgHasPersonAccounts', 'organizationId', 'organizationMultiCurrency', 'organizationName', 'profileId', 'roleId',
  'sessionSecondsValid', 'userDefaultCurrencyIsoCode', 'userEmail', 'userFullName', 'userId', 'userLanguage', 'userLocale',
  'userName', 'userTimeZone', 'userType', 'userUiSkin',
];
const USER_INFO_40 = [
  'accessibilityMode', 'chatterExternal', 'currencySymbol', 'orgAttachmentFileSizeLimit', 'orgDefaultCurrencyIsoCode',
  'orgDefaultCurrencyLocale', 'orgDisallowHtmlAttachments', 'orgHasPersonAccounts', 'organizationId', 'organizationMultiCurrency',
  'organizationName', 'profileId', 'roleId', 'sessionSecondsValid', 'userDefaultCurrencyIsoCode', 'userEmail', 'userFullName',
  'userId', 'userLanguage', 'userLocale', 'userName', 'userTimeZone', 'userType', 'userUiSkin',
];
const LOGIN_RESULT = ['metadataServerUrl', 'passwordExpired', 'sandbox', 'serverUrl', 'sessionId', 'userId', 'userInfo'];

const VERSIONS = [
  { version: '20.0', userInfo: USER_INFO_20, extendedErrorDetails: false },
  { version: '27.0', userInfo: USER_INFO_27, extendedErrorDetails: false },
  { version: '40.0', userInfo: USER_INFO_40, extendedErrorDetails: true },
  { version: '66.0', userInfo: USER_INFO_40, extendedErrorDetails: true },
];

/** Element names in document order (fast-xml-parser keeps order with preserveOrder). */
const ordered = new XMLParser({ preserveOrder: true, removeNSPrefix: true, ignoreAttributes: true });
function childNames(xml: string, path: string[]): string[] {
  let level = ordered.parse(xml) as Array<Record<string, unknown>>;
  for (const name of path) {
    const next = level.find((node) => name in node);
    assert.ok(next, `no ${name} in ${path.join('/')}`);
    level = next[name] as Array<Record<string, unknown>>;
  }
  return level.flatMap((node) => Object.keys(node).filter((k) => k !== '#text' && k !== ':@'));
}

/** The element names a WSDL declares for a complexType, in order. */
function declaredElements(wsdl: string, type: string): string[] {
  const match = new RegExp(`<complexType name="${type}"><sequence>([\\s\\S]*?)</sequence>`).exec(wsdl);
  assert.ok(match, `the WSDL declares ${type}`);
  return [...match[1]!.matchAll(/<element name="(\w+)"/g)].map((m) => m[1]!);
}

describe('Partner API versions: answers exact to the version in the URL', () => {
  let server: TestServer;
  let base: string;

  before(async () => {
    server = await startTestServer();
    base = server.url;
    const admin = await restLogin(base, 'admin', ADMIN_PASSWORD);
    await addUser(base, admin.sessionId, 'noor@example.com', 'noor-password-1');
    await addUser(base, admin.sessionId, 'plainname', 'plain-password-1');
  });
  after(() => server.close());

  for (const { version, userInfo, extendedErrorDetails } of VERSIONS) {
    describe(`/services/Soap/u/${version}`, () => {
      const path = `/services/Soap/u/${version}`;
      let wsdl: string;
      let schema: SoapSchemaValidator;

      before(async () => {
        wsdl = await (await fetch(`${base}${path}?wsdl`)).text();
        schema = SoapSchemaValidator.fromWsdl(wsdl);
      });
      after(() => schema.dispose());

      const call = (operation: string, inner: string, sessionId?: string): Promise<SoapAnswer> =>
        postSoap(base, envelope(inner === '' ? `<${operation} xmlns="${PARTNER}"/>` : `<${operation} xmlns="${PARTNER}">${inner}</${operation}>`, sessionId), {
          path,
        });
      const soapLogin = async (username: string, password: string) => {
        const answer = await call('login', `<username>${username}</username><password>${password}</password>`);
        schema.validate(answer.text);
        assert.equal(answer.status, 200);
        return answer;
      };

      test("the WSDL declares this version's elements, in Salesforce's order", () => {
        assert.deepEqual(declaredElements(wsdl, 'GetUserInfoResult'), userInfo);
        assert.deepEqual(declaredElements(wsdl, 'LoginResult'), LOGIN_RESULT);
        const errorElements = declaredElements(wsdl, 'Error');
        assert.deepEqual(errorElements, [...(extendedErrorDetails ? ['extendedErrorDetails'] : []), 'fields', 'message', 'statusCode']);
        assert.match(wsdl, new RegExp(`<soap:address location="${base}${path}"/>`));
      });

      test('login and getUserInfo carry exactly these elements, valid against the WSDL', async () => {
        for (const [username, password] of [
          ['noor@example.com', 'noor-password-1'],
          ['plainname', 'plain-password-1'],
        ] as const) {
          const login = await soapLogin(username, password);
          assert.deepEqual(childNames(login.text, ['Envelope', 'Body', 'loginResponse', 'result']), LOGIN_RESULT);
          assert.deepEqual(childNames(login.text, ['Envelope', 'Body', 'loginResponse', 'result', 'userInfo']), userInfo);
          const result = login.body.loginResponse.result[0];
          assert.equal(result.serverUrl, `${base}${path}/00D000000000001AAA`);
          const sessionId = result.sessionId;

          const info = await call('getUserInfo', '', sessionId);
          schema.validate(info.text);
          assert.deepEqual(childNames(info.text, ['Envelope', 'Body', 'getUserInfoResponse', 'result']), userInfo);
          const values = info.body.getUserInfoResponse.result[0];
          assert.equal(values.userName, username);
          // The schema allows no nil here: a username that is no address has an empty userEmail.
          assert.equal(values.userEmail, username.includes('@') ? username : '');
          assert.equal(values.profileId, '00e000000000001AAA');
          assert.equal(values.roleId['@_nil'], 'true', 'roleId is xsi:nil');
          if (userInfo.includes('sessionSecondsValid')) assert.ok(Number(values.sessionSecondsValid) > 7000);
        }
      });

      test('getServerTimestamp, invalidateSessions and logout are valid against the WSDL', async () => {
        const sessionId = (await soapLogin('noor@example.com', 'noor-password-1')).body.loginResponse.result[0].sessionId;
        const other = (await soapLogin('noor@example.com', 'noor-password-1')).body.loginResponse.result[0].sessionId;

        const timestamp = await call('getServerTimestamp', '', sessionId);
        schema.validate(timestamp.text);
        assert.ok(Math.abs(Date.parse(timestamp.body.getServerTimestampResponse.result[0].timestamp) - Date.now()) < 5000);

        const none = await call('invalidateSessions', '', sessionId);
        schema.validate(none.text);
        const some = await call('invalidateSessions', `<sessionIds>${other}</sessionIds><sessionIds>sd1_not-a-session</sessionIds>`, sessionId);
        schema.validate(some.text);
        const results = some.body.invalidateSessionsResponse.result;
        assert.equal(results[0].success, 'true');
        assert.equal(results[1].success, 'false');
        assert.equal(results[1].errors[0].statusCode, 'INVALID_SESSION_ID');

        const logout = await call('logout', '', sessionId);
        schema.validate(logout.text);
        assert.equal(logout.status, 200);
      });

      test('every fault is valid against the WSDL too', async () => {
        const sessionId = (await soapLogin('noor@example.com', 'noor-password-1')).body.loginResponse.result[0].sessionId;
        const faults: Array<[string, Promise<SoapAnswer>]> = [
          ['INVALID_LOGIN', call('login', '<username>noor@example.com</username><password>wrong-password</password>')],
          ['INVALID_SESSION_ID', call('getUserInfo', '', 'sd1_not-a-session')],
          ['EXCEEDED_ID_LIMIT', call('invalidateSessions', '<sessionIds>x</sessionIds>'.repeat(201), sessionId)],
          ['INVALID_REQUEST', call('login', '<username>noor@example.com</username>')],
          ['INVALID_OPERATION', call('describeGlobal', '', sessionId)],
          ['INVALID_REQUEST', postSoap(base, `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>`, { path })],
        ];
        for (const [code, pending] of faults) {
          const answer = await pending;
          assert.equal(answer.status, 500);
          assert.equal(faultOf(answer).exceptionCode, code);
          schema.validate(answer.text);
        }
      });

      test('the client over SOAP works at this version', async () => {
        const connection = new Connection({ serverUrl: base, transport: 'soap', version });
        const result = await connection.login('plainname', 'plain-password-1');
        assert.equal(result.serverUrl, `${base}${path}/00D000000000001AAA`);
        const info = await connection.getUserInfo();
        assert.equal(info.userName, 'plainname');
        assert.equal(info.userEmail, null, 'the same null REST answers');
        assert.equal(info.sessionSecondsValid === undefined, !userInfo.includes('sessionSecondsValid'));
        const other = await restLogin(base, 'plainname', 'plain-password-1');
        const results = await connection.invalidateSessions([other.sessionId, 'sd1_not-a-session']);
        assert.deepEqual(results.map((r) => r.success), [true, false]);
        await connection.logout();
        assert.equal(connection.getConfig().hasSession(), false);
      });
    });
  }

  test('the client defaults to the newest version sessiond serves', async () => {
    let asked = '';
    const connection = new Connection({ serverUrl: base, transport: 'soap' });
    const original = globalThis.fetch;
    globalThis.fetch = (input, init) => {
      asked = String(input);
      return original(input, init);
    };
    try {
      await connection.login('plainname', 'plain-password-1');
    } finally {
      globalThis.fetch = original;
    }
    assert.equal(asked, `${base}/services/Soap/u/66.0`);
  });

  test('a version outside 20.0-66.0 is refused with a fault that names the range, for calls and the WSDL', async () => {
    for (const version of ['19.0', '67.0', '9.0', '60.5', 'latest']) {
      const answer = await postSoap(base, envelope(`<getServerTimestamp xmlns="${PARTNER}"/>`, 'sd1_x'), { path: `/services/Soap/u/${version}` });
      assert.equal(answer.status, 500, version);
      const fault = faultOf(answer);
      assert.equal(fault.code, 'UNSUPPORTED_API_VERSION', version);
      assert.match(fault.exceptionMessage, /20\.0 to 66\.0/);
      const wsdl = await fetch(`${base}/services/Soap/u/${version}?wsdl`);
      assert.equal(wsdl.status, 500);
      assert.match(await wsdl.text(), /UNSUPPORTED_API_VERSION.*20\.0 to 66\.0/);
    }
  });
});

describe('the SOAP 1.1 envelope and the Partner namespace are checked', () => {
  let server: TestServer;
  let base: string;
  let sessionId: string;

  before(async () => {
    server = await startTestServer();
    base = server.url;
    sessionId = (await restLogin(base, 'admin', ADMIN_PASSWORD)).sessionId;
  });
  after(() => server.close());

  test('a SOAP 1.2 envelope gets the SOAP 1.1 VersionMismatch fault, with the Upgrade header', async () => {
    const soap12 = `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><login xmlns="${PARTNER}"><username>admin</username><password>${ADMIN_PASSWORD}</password></login></env:Body></env:Envelope>`;
    const answer = await postSoap(base, soap12, { contentType: 'application/soap+xml; charset=utf-8' });
    assert.equal(answer.status, 500);
    // The faultcode is a QName in the SOAP 1.1 envelope namespace.
    assert.match(answer.text, new RegExp(`xmlns:soapenv="${SOAP_ENV}"`));
    assert.equal(answer.fault?.faultcode, 'soapenv:VersionMismatch');
    assert.match(answer.fault?.faultstring ?? '', /SOAP 1\.2 envelope; this endpoint speaks SOAP 1\.1/);
    assert.match(answer.text, /<upg:Upgrade xmlns:upg="http:\/\/www.w3.org\/2003\/05\/soap-envelope"><upg:SupportedEnvelope qname="soap11:Envelope"/);
    assert.equal(faultOf(answer).exceptionCode, 'INVALID_REQUEST');
  });

  test('an Envelope in no namespace or another one is a VersionMismatch as well', async () => {
    for (const [open, close] of [
      ['<Envelope>', '</Envelope>'],
      ['<s:Envelope xmlns:s="urn:not-soap">', '</s:Envelope>'],
    ]) {
      const answer = await postSoap(base, `${open}<Body><logout xmlns="${PARTNER}"/></Body>${close}`);
      assert.equal(answer.fault?.faultcode, 'soapenv:VersionMismatch', open);
      assert.match(answer.fault?.faultstring ?? '', /Envelope element is in (no namespace|the namespace urn:not-soap)/);
    }
  });

  test('an operation outside the Partner namespace is INVALID_OPERATION naming the namespace', async () => {
    const enterprise = await postSoap(base, envelope(`<getUserInfo xmlns="urn:enterprise.soap.sforce.com"/>`, sessionId));
    assert.equal(faultOf(enterprise).code, 'INVALID_OPERATION');
    assert.match(faultOf(enterprise).exceptionMessage, /namespace urn:enterprise\.soap\.sforce\.com.*urn:partner\.soap\.sforce\.com/);
    const none = await postSoap(base, envelope(`<getUserInfo/>`, sessionId));
    assert.equal(faultOf(none).code, 'INVALID_OPERATION');
    assert.match(faultOf(none).exceptionMessage, /no namespace/);
  });

  test('prefixes are resolved wherever the namespace is declared', async () => {
    const onEnvelope = `<s:Envelope xmlns:s="${SOAP_ENV}" xmlns:p="${PARTNER}"><s:Header><p:SessionHeader><p:sessionId>${sessionId}</p:sessionId></p:SessionHeader></s:Header><s:Body><p:getServerTimestamp/></s:Body></s:Envelope>`;
    assert.equal((await postSoap(base, onEnvelope)).status, 200);
    const onBody = `<s:Envelope xmlns:s="${SOAP_ENV}"><s:Header><SessionHeader xmlns="${PARTNER}"><sessionId>${sessionId}</sessionId></SessionHeader></s:Header><s:Body xmlns="${PARTNER}"><getServerTimestamp/></s:Body></s:Envelope>`;
    assert.equal((await postSoap(base, onBody)).status, 200);
  });

  test('a SessionHeader outside the Partner namespace is no session', async () => {
    const xml = `<s:Envelope xmlns:s="${SOAP_ENV}"><s:Header><SessionHeader xmlns="urn:other"><sessionId>${sessionId}</sessionId></SessionHeader></s:Header><s:Body><getServerTimestamp xmlns="${PARTNER}"/></s:Body></s:Envelope>`;
    assert.equal(faultOf(await postSoap(base, xml)).code, 'INVALID_SESSION_ID');
  });

  test('a reserved name behind a prefix is refused like one without', async () => {
    const xml = envelope(`<p:login xmlns:p="${PARTNER}"><p:__proto__><polluted>yes</polluted></p:__proto__></p:login>`);
    const fault = faultOf(await postSoap(base, xml));
    assert.equal(fault.code, 'INVALID_REQUEST');
    assert.match(fault.exceptionMessage, /reserved element name/);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
