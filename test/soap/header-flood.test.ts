import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
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

  test('is refused while it streams: the fault comes before the rest of the body is sent, on a connection that stays usable', async (t) => {
    const hostile = Buffer.from(hostileHeaderEnvelope(), 'utf8');
    const url = new URL(server.url);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    t.after(() => socket.destroy());
    const head = (length: number) =>
      `POST /services/Soap/u/60.0 HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: text/xml; charset=utf-8\r\nSOAPAction: ""\r\nContent-Length: ${length}\r\n\r\n`;
    // Only the first 16 KB of the 248 KB envelope: the answer cannot wait for the rest.
    socket.write(head(hostile.length));
    socket.write(hostile.subarray(0, 16 * 1024));
    const first = await readAnswer(socket);
    assert.match(first.head, /^HTTP\/1\.1 500 /);
    assert.match(first.body, /<faultcode>sf:INVALID_REQUEST<\/faultcode>/);
    assert.match(first.body, /The SOAP Header holds more than 16 entries/);
    assert.doesNotMatch(first.head, /connection: close/i);
    // The rest of the body is read and dropped; the same connection then serves the next request.
    socket.write(hostile.subarray(16 * 1024));
    const next = Buffer.from(envelopeFor('<getUserInfo xmlns="' + PARTNER + '"/>'), 'utf8');
    socket.write(head(next.length));
    socket.write(next);
    const second = await readAnswer(socket);
    assert.match(second.body, /<faultcode>sf:INVALID_SESSION_ID<\/faultcode>/);
  });
});

function envelopeFor(operationXml: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${SOAP_ENV}"><soapenv:Body>${operationXml}</soapenv:Body></soapenv:Envelope>`;
}

/** One HTTP/1.1 answer with a Content-Length from a raw socket. */
function readAnswer(socket: Socket): Promise<{ head: string; body: string }> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const split = buffered.indexOf('\r\n\r\n');
      if (split === -1) return;
      const head = buffered.subarray(0, split).toString('latin1');
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? NaN);
      if (buffered.length < split + 4 + length) return;
      clearTimeout(timer);
      socket.off('data', onData).off('error', reject).off('close', onClose);
      resolve({ head, body: buffered.subarray(split + 4, split + 4 + length).toString('utf8') });
    };
    const onClose = () => reject(new Error(`the connection closed before a whole answer: ${buffered.toString('latin1').slice(0, 200)}`));
    const timer = setTimeout(() => {
      socket.off('data', onData).off('error', reject).off('close', onClose);
      reject(new Error('no answer within 5 s'));
    }, 5000);
    socket.on('data', onData).once('error', reject).once('close', onClose);
  });
}

