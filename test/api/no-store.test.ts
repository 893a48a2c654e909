import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, api, login, startTestServerAsAdmin, type TestServer } from '../helpers/server.ts';
import { envelope } from '../soap/raw-soap.ts';

/** No browser or proxy cache may keep an answer that carries a session ID or session data. */
describe('Cache-Control: no-store', () => {
  let t: TestServer;
  let admin: string;

  before(async () => {
    ({ t, admin } = await startTestServerAsAdmin());
  });
  after(() => t.close());

  test('REST answers with session IDs or session data, and their errors, are no-store', async () => {
    const answers = {
      login: await api(t.url, 'POST', '/api/v1/login', { body: { username: 'admin', password: ADMIN_PASSWORD } }),
      'failed login': await api(t.url, 'POST', '/api/v1/login', { body: { username: 'admin', password: 'wrong' } }),
      session: await api(t.url, 'GET', '/api/v1/session', { sessionId: admin }),
      'own sessions': await api(t.url, 'GET', '/api/v1/me/sessions', { sessionId: admin }),
      'admin session list': await api(t.url, 'GET', '/api/v1/admin/sessions', { sessionId: admin }),
      'admin user list': await api(t.url, 'GET', '/api/v1/admin/users', { sessionId: admin }),
      'unknown session': await api(t.url, 'GET', '/api/v1/session', { sessionId: 'nope' }),
    };
    for (const [name, res] of Object.entries(answers)) {
      assert.ok(res.status < 500, `${name}: ${res.status}`);
      assert.equal(res.headers.get('cache-control'), 'no-store', name);
    }
  });

  test('SOAP answers are no-store', async () => {
    const res = await fetch(`${t.url}/services/Soap/u/60.0`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' },
      body: envelope(`<login xmlns="urn:partner.soap.sforce.com"><username>admin</username><password>${ADMIN_PASSWORD}</password></login>`),
    });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<sessionId>/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });

  test('web pages are no-store; the public API document may be cached after revalidation', async () => {
    const page = await fetch(`${t.url}/web/login`);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    const doc = await fetch(`${t.url}/openapi.json`);
    assert.equal(doc.status, 200);
    assert.equal(doc.headers.get('cache-control'), 'no-cache');
  });
});
