import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, addUser, api, login, startTestServer, type TestServer } from '../helpers/server.ts';
import { envelope } from '../soap/raw-soap.ts';

/** A signed-in user's own sessions and password over REST, and where each session came from. */

const INVALID = {
  success: false,
  errors: [{ statusCode: 'INVALID_SESSION_ID', message: 'Invalid session ID: unknown, expired, already ended or malformed.', fields: [] }],
};
const OK = { success: true, errors: [] };

interface OwnSession {
  handle: string;
  project: string;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

async function loginFrom(base: string, username: string, password: string, headers: Record<string, string>) {
  const res = await api<{ sessionId: string; handle: string }>(base, 'POST', '/api/v1/login', { body: { username, password }, headers });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

describe('self-service sessions and where they came from', () => {
  let t: TestServer;
  let proxied: TestServer;
  let admin: string;

  before(async () => {
    t = await startTestServer({ SESSIOND_LOGIN_MAX_FAILURES: '3' });
    proxied = await startTestServer({ SESSIOND_TRUST_PROXY: '1' });
    admin = (await login(t.url, 'admin', ADMIN_PASSWORD)).sessionId;
    for (const name of ['ada', 'bo', 'cy', 'di']) await addUser(t.url, admin, name, `${name}-password-1`);
  });
  after(async () => {
    await t.close();
    await proxied.close();
  });

  const isLive = async (sessionId: string) => (await api(t.url, 'GET', '/api/v1/session', { sessionId })).status === 200;

  test('GET /api/v1/me/sessions lists only the caller’s sessions, with address, user agent and which one is current', async () => {
    const laptop = await loginFrom(t.url, 'ada', 'ada-password-1', { 'user-agent': 'Firefox/130 (laptop)' });
    const phone = await loginFrom(t.url, 'ada', 'ada-password-1', { 'user-agent': `Phone/${'z'.repeat(300)}` });
    await login(t.url, 'bo', 'bo-password-1');
    const res = await api<{ sessions: OwnSession[] }>(t.url, 'GET', '/api/v1/me/sessions', { sessionId: laptop.sessionId });
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.sessions.map((s) => [s.handle, s.project, s.ip, s.userAgent, s.current]),
      [
        [laptop.handle, 'default', '127.0.0.1', 'Firefox/130 (laptop)', true],
        [phone.handle, 'default', '127.0.0.1', `Phone/${'z'.repeat(250)}`, false],
      ],
    );
    const text = JSON.stringify(res.body);
    assert.ok(!text.includes(laptop.sessionId) && !text.includes(phone.sessionId), 'never a session ID');
    assert.ok(!t.logText().includes('Firefox/130'), 'the user agent is not logged');

    // The admin list shows the same.
    const listed = await api<{ sessions: OwnSession[] }>(t.url, 'GET', '/api/v1/admin/sessions?username=ada', { sessionId: admin });
    assert.deepEqual(listed.body.sessions.map((s) => [s.handle, s.userAgent]), [
      [laptop.handle, 'Firefox/130 (laptop)'],
      [phone.handle, `Phone/${'z'.repeat(250)}`],
    ]);
  });

  test('behind SESSIOND_TRUST_PROXY the forwarded address is recorded; without it, the peer’s', async () => {
    const padmin = (await login(proxied.url, 'admin', ADMIN_PASSWORD)).sessionId;
    const s = await loginFrom(proxied.url, 'admin', ADMIN_PASSWORD, { 'x-forwarded-for': '198.51.100.23', 'user-agent': 'Behind/1' });
    const mine = await api<{ sessions: OwnSession[] }>(proxied.url, 'GET', '/api/v1/me/sessions', { sessionId: padmin });
    assert.deepEqual(mine.body.sessions.find((x) => x.handle === s.handle)?.ip, '198.51.100.23');
    const direct = await loginFrom(t.url, 'di', 'di-password-1', { 'x-forwarded-for': '198.51.100.23' });
    const listed = await api<{ sessions: OwnSession[] }>(t.url, 'GET', '/api/v1/me/sessions', { sessionId: direct.sessionId });
    assert.equal(listed.body.sessions[0]?.ip, '127.0.0.1', 'a header from an untrusted peer is ignored');
  });

  test('a SOAP login records its address and user agent too', async () => {
    const res = await fetch(`${t.url}/services/Soap/u/60.0`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""', 'user-agent': 'SoapClient/9' },
      body: envelope('<login xmlns="urn:partner.soap.sforce.com"><username>cy</username><password>cy-password-1</password></login>'),
    });
    assert.equal(res.status, 200);
    const listed = await api<{ sessions: OwnSession[] }>(t.url, 'GET', '/api/v1/admin/sessions?username=cy', { sessionId: admin });
    assert.deepEqual(listed.body.sessions.map((s) => [s.ip, s.userAgent]), [['127.0.0.1', 'SoapClient/9']]);
  });

  test('ending one’s own sessions by handle: another user’s handle answers exactly like an unknown one and stays live', async () => {
    const mine = await login(t.url, 'bo', 'bo-password-1');
    const mySecond = await login(t.url, 'bo', 'bo-password-1');
    const theirs = await login(t.url, 'ada', 'ada-password-1');
    const res = await api(t.url, 'POST', '/api/v1/me/sessions/invalidate', {
      sessionId: mine.sessionId,
      body: { handles: [theirs.handle, mySecond.handle, 'h_doesnotexist', mySecond.handle] },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.results, [INVALID, OK, INVALID, INVALID]);
    assert.equal(await isLive(theirs.sessionId), true);
    assert.equal(await isLive(mySecond.sessionId), false);
    assert.equal(await isLive(mine.sessionId), true);
    const tooMany = await api(t.url, 'POST', '/api/v1/me/sessions/invalidate', {
      sessionId: mine.sessionId,
      body: { handles: Array.from({ length: 201 }, () => mine.handle) },
    });
    assert.equal(tooMany.body.errorCode, 'EXCEEDED_ID_LIMIT');
    assert.equal(await isLive(mine.sessionId), true, 'nothing ended');
  });

  test('sign out everywhere else ends every other session of the caller, in any project, and no one else’s', async () => {
    const here = await login(t.url, 'cy', 'cy-password-1');
    const there = [await login(t.url, 'cy', 'cy-password-1'), await login(t.url, 'cy', 'cy-password-1', 'crm')];
    const bystander = await login(t.url, 'ada', 'ada-password-1');
    const res = await api(t.url, 'POST', '/api/v1/me/sessions/invalidate-others', { sessionId: here.sessionId });
    assert.equal(res.status, 200);
    assert.ok(res.body.ended >= 2);
    for (const s of there) assert.equal(await isLive(s.sessionId), false);
    assert.equal(await isLive(here.sessionId), true);
    assert.equal(await isLive(bystander.sessionId), true);
    const again = await api(t.url, 'POST', '/api/v1/me/sessions/invalidate-others', { sessionId: here.sessionId });
    assert.deepEqual(again.body, { ended: 0 });
  });

  test('changing the password: a wrong current one is 401 INVALID_LOGIN and counts towards the lockout; a right one ends the other sessions', async () => {
    const here = await login(t.url, 'di', 'di-password-1');
    const other = await login(t.url, 'di', 'di-password-1');
    const wrong = await api(t.url, 'POST', '/api/v1/me/password', {
      sessionId: here.sessionId,
      body: { currentPassword: 'not-it-at-all', newPassword: 'di-password-2' },
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.errorCode, 'INVALID_LOGIN');
    assert.equal(await isLive(here.sessionId), true, 'a wrong password does not end the caller’s session');
    assert.equal(await isLive(other.sessionId), true);

    const weak = await api(t.url, 'POST', '/api/v1/me/password', { sessionId: here.sessionId, body: { currentPassword: 'di-password-1', newPassword: 'short' } });
    assert.equal(weak.status, 400);
    assert.match(weak.body.message, /at least 8 characters/);

    const ok = await api(t.url, 'POST', '/api/v1/me/password', {
      sessionId: here.sessionId,
      body: { currentPassword: 'di-password-1', newPassword: 'di-password-2' },
    });
    assert.deepEqual([ok.status, ok.body], [200, { endedOtherSessions: 2 }]);
    assert.equal(await isLive(other.sessionId), false);
    assert.equal(await isLive(here.sessionId), true);
    assert.equal((await api(t.url, 'POST', '/api/v1/login', { body: { username: 'di', password: 'di-password-1' } })).status, 401);
    await login(t.url, 'di', 'di-password-2');

    // Three wrong ones (SESSIOND_LOGIN_MAX_FAILURES) lock the username out, for logins too.
    for (let i = 0; i < 3; i++) {
      await api(t.url, 'POST', '/api/v1/me/password', { sessionId: here.sessionId, body: { currentPassword: 'nope-nope-1', newPassword: 'di-password-3' } });
    }
    const locked = await api(t.url, 'POST', '/api/v1/login', { body: { username: 'di', password: 'di-password-2' } });
    assert.equal(locked.status, 429, 'failed password changes count like failed logins');
    assert.ok(Number(locked.headers.get('retry-after')) > 0);
  });
});
