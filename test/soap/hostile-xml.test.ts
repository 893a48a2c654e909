import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../helpers/server.ts';
import { envelope, faultOf, PARTNER, postSoap, SOAP_ENV, soapLogin } from './raw-soap.ts';

/**
 * Hostile or broken XML is refused with a SOAP fault, quickly, and the server keeps serving:
 * each case ends by logging in over SOAP.
 */
describe('hostile XML on the SOAP endpoint', () => {
  let server: TestServer;
  let base: string;

  before(async () => {
    server = await startTestServer({ SESSIOND_BODY_LIMIT_BYTES: String(64 * 1024) });
    base = server.url;
  });
  after(() => server.close());

  async function assertRefused(body: string, code: string, options: { contentType?: string; messageMatch?: RegExp } = {}) {
    const started = performance.now();
    const answer = await postSoap(base, body, options.contentType ? { contentType: options.contentType } : {});
    const elapsed = performance.now() - started;
    assert.equal(answer.status, 500, answer.text.slice(0, 300));
    const fault = faultOf(answer);
    assert.equal(fault.code, code, fault.faultstring);
    assert.equal(fault.exceptionCode, code);
    if (options.messageMatch) assert.match(fault.exceptionMessage, options.messageMatch);
    assert.ok(elapsed < 2000, `refused in ${Math.round(elapsed)} ms`);
    const alive = await soapLogin(base, 'admin', ADMIN_PASSWORD);
    assert.equal(alive.status, 200, 'the server still logs users in');
    return answer;
  }

  test('malformed XML', async () => {
    await assertRefused(`<soapenv:Envelope xmlns:soapenv="${SOAP_ENV}"><soapenv:Body><login></soapenv:Body>`, 'INVALID_REQUEST', {
      messageMatch: /not well-formed/,
    });
    await assertRefused('this is not xml at all', 'INVALID_REQUEST');
    await assertRefused('', 'INVALID_REQUEST', { messageMatch: /no body/ });
  });

  test('entity expansion ("billion laughs") is refused before parsing', async () => {
    const lol = [
      '<?xml version="1.0"?>',
      '<!DOCTYPE lolz [<!ENTITY lol "lol">',
      ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
      ']>',
      `<soapenv:Envelope xmlns:soapenv="${SOAP_ENV}"><soapenv:Body><login xmlns="${PARTNER}"><username>&lol9;</username><password>x</password></login></soapenv:Body></soapenv:Envelope>`,
    ].join('\n');
    await assertRefused(lol, 'INVALID_REQUEST', { messageMatch: /DTDs and entity declarations/ });
  });

  test('external entities are refused and nothing of the file comes back', async () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><soapenv:Envelope xmlns:soapenv="${SOAP_ENV}"><soapenv:Body><login xmlns="${PARTNER}"><username>&xxe;</username><password>x</password></login></soapenv:Body></soapenv:Envelope>`;
    const answer = await assertRefused(xxe, 'INVALID_REQUEST');
    assert.doesNotMatch(answer.text, /root:/);
    // An undeclared entity reference (no DTD) is refused too, not passed through.
    await assertRefused(
      envelope(`<login xmlns="${PARTNER}"><username>&xxe;</username><password>x</password></login>`),
      'INVALID_REQUEST',
    );
  });

  test('a body over the limit is refused without being read whole', async () => {
    const padding = `<sessionIds>${'a'.repeat(1000)}</sessionIds>`.repeat(100);
    await assertRefused(envelope(`<invalidateSessions xmlns="${PARTNER}">${padding}</invalidateSessions>`, 'x'), 'REQUEST_TOO_LARGE');
  });

  test('deep nesting is refused', async () => {
    const deep = `${'<a>'.repeat(5_000)}${'</a>'.repeat(5_000)}`;
    await assertRefused(envelope(`<getUserInfo xmlns="${PARTNER}">${deep}</getUserInfo>`, 'x'), 'INVALID_REQUEST', {
      messageMatch: /deeper than/,
    });
  });

  test('unknown operations, including names of object properties', async () => {
    for (const op of ['query', 'describeGlobal', 'Login']) {
      await assertRefused(envelope(`<${op} xmlns="${PARTNER}"/>`), 'INVALID_OPERATION', { messageMatch: /speaks login, logout/ });
    }
    for (const op of ['constructor', 'toString', 'hasOwnProperty', 'prototype']) {
      await assertRefused(envelope(`<${op} xmlns="${PARTNER}"/>`), 'INVALID_REQUEST', { messageMatch: /reserved element name/ });
    }
    await assertRefused(
      envelope(`<__proto__ xmlns="${PARTNER}"><polluted>yes</polluted></__proto__>`),
      'INVALID_REQUEST',
      { messageMatch: /reserved element name/ },
    );
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('missing, repeated or unexpected elements', async () => {
    await assertRefused(envelope(`<login xmlns="${PARTNER}"><username>admin</username></login>`), 'INVALID_REQUEST', {
      messageMatch: /login\.password/,
    });
    await assertRefused(
      envelope(`<login xmlns="${PARTNER}"><username>a</username><username>b</username><password>x</password></login>`),
      'INVALID_REQUEST',
      { messageMatch: /login\.username/ },
    );
    await assertRefused(
      envelope(`<login xmlns="${PARTNER}"><username>admin</username><password>x</password><isAdmin>true</isAdmin></login>`),
      'INVALID_REQUEST',
    );
    await assertRefused(`<soapenv:Envelope xmlns:soapenv="${SOAP_ENV}"/>`, 'INVALID_REQUEST', { messageMatch: /no Body/ });
    await assertRefused(`<notAnEnvelope/>`, 'INVALID_REQUEST', { messageMatch: /not a SOAP envelope/ });
    await assertRefused(envelope(`<logout xmlns="${PARTNER}"/><logout xmlns="${PARTNER}"/>`, 'x'), 'INVALID_REQUEST', {
      messageMatch: /exactly one operation/,
    });
    const session = (await soapLogin(base, 'admin', ADMIN_PASSWORD)).body.loginResponse.result[0].sessionId;
    await assertRefused(
      envelope(`<invalidateSessions xmlns="${PARTNER}"><sessionIds><nested>x</nested></sessionIds></invalidateSessions>`, session),
      'INVALID_REQUEST',
      { messageMatch: /invalidateSessions\.sessionIds\[0\]/ },
    );
  });

  test('a JSON body sent to the SOAP endpoint is a fault, not parsed as JSON', async () => {
    await assertRefused('{"username":"admin","password":"x"}', 'INVALID_REQUEST', { contentType: 'application/json' });
  });

  test('a burst of hostile requests leaves the server serving', async () => {
    const bad = [
      '<!DOCTYPE a []><a/>',
      '<a><b></a>',
      `${'<a>'.repeat(10_000)}`,
      envelope(`<nope xmlns="${PARTNER}"/>`),
    ];
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => postSoap(base, bad[i % bad.length]!)));
    for (const a of answers) assert.equal(a.status, 500);
    assert.equal((await soapLogin(base, 'admin', ADMIN_PASSWORD)).status, 200);
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
  });
});
