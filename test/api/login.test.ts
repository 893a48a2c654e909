import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, addUser, api, login, startTestServer, type TestServer } from '../helpers/server.ts';

/** POST /api/v1/login: the answer, refusals that do not tell users apart, and the rate limits. */

const INVALID_LOGIN = { errorCode: 'INVALID_LOGIN', message: 'Invalid username, password, security token; or user locked out.' };

function tryLogin(base: string, username: string, password: string, project?: string) {
  return api(base, 'POST', '/api/v1/login', { body: { username, password, ...(project ? { project } : {}) } });
}

describe('login', () => {
  let t: TestServer;
  let adminId: string;

  before(async () => {
    t = await startTestServer({ SESSIOND_PROJECTS: '{"crm":{"idleTimeoutSeconds":600}}' });
    adminId = (await login(t.url, 'admin', ADMIN_PASSWORD)).sessionId;
    await addUser(t.url, adminId, 'dave', 'dave-password-1');
    await addUser(t.url, adminId, 'erin', 'erin-password-1');
  });
  after(() => t.close());

  test('answers the session and where to use it', async () => {
    const before = Date.now();
    const res = await tryLogin(t.url, 'dave', 'dave-password-1');
    assert.equal(res.status, 200);
    const body = res.body;
    assert.deepEqual(Object.keys(body).sort(), [
      'expiresAt', 'handle', 'idleTimeoutSeconds', 'organizationId', 'project', 'serverUrl', 'sessionId', 'userId', 'username',
    ]);
    assert.match(body.sessionId, /^sd1_[A-Za-z0-9_-]{43}$/);
    assert.match(body.handle, /^h_[A-Za-z0-9_-]{22}$/);
    assert.match(body.userId, /^005[A-Za-z0-9]{15}$/);
    assert.equal(body.username, 'dave');
    assert.equal(body.organizationId, '00D000000000001AAA');
    assert.equal(body.project, 'default');
    assert.equal(body.serverUrl, t.url);
    assert.equal(body.idleTimeoutSeconds, 7200);
    const expires = Date.parse(body.expiresAt);
    assert.ok(expires >= before + 7200_000 && expires <= Date.now() + 7200_000, body.expiresAt);
    // The session works at once.
    const me = await api(t.url, 'GET', '/api/v1/session', { sessionId: body.sessionId });
    assert.equal(me.status, 200);
    assert.equal(me.body.handle, body.handle);
  });

  test('two logins give two different sessions', async () => {
    const a = await tryLogin(t.url, 'dave', 'dave-password-1');
    const b = await tryLogin(t.url, 'dave', 'dave-password-1');
    assert.notEqual(a.body.sessionId, b.body.sessionId);
    assert.notEqual(a.body.handle, b.body.handle);
  });

  test('a project is honoured with its own idle timeout; a bad project name is a 400', async () => {
    const res = await tryLogin(t.url, 'dave', 'dave-password-1', 'crm');
    assert.equal(res.status, 200);
    assert.equal(res.body.project, 'crm');
    assert.equal(res.body.idleTimeoutSeconds, 600);
    const bad = await tryLogin(t.url, 'dave', 'dave-password-1', 'no spaces/here');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errorCode, 'INVALID_REQUEST');
    assert.match(bad.body.message, /project/);
  });

  test('wrong password and unknown user get the same 401 and the same message', async () => {
    const wrong = await tryLogin(t.url, 'dave', 'not-the-password');
    const unknown = await tryLogin(t.url, 'nobody-here', 'dave-password-1');
    const empty = await tryLogin(t.url, 'dave', '');
    for (const res of [wrong, unknown, empty]) {
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, INVALID_LOGIN);
    }
  });

  test('an inactive user cannot log in, and is told nothing more than a wrong password', async () => {
    await addUser(t.url, adminId, 'frank', 'frank-password-1');
    await t.server.ctx.users.setActive('frank', false);
    const res = await tryLogin(t.url, 'frank', 'frank-password-1');
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, INVALID_LOGIN);
    await t.server.ctx.users.setActive('frank', true);
    assert.equal((await tryLogin(t.url, 'frank', 'frank-password-1')).status, 200);
  });

  test('a login is audited as session.created and logged by handle; the password is never logged', async () => {
    const res = await tryLogin(t.url, 'erin', 'erin-password-1');
    const audit = await api(t.url, 'GET', `/api/v1/admin/audit?handle=${res.body.handle}`, { sessionId: adminId });
    assert.deepEqual(
      audit.body.records.map((r: { event: string; userId: string }) => [r.event, r.userId]),
      [['session.created', res.body.userId]],
    );
    const log = t.logText();
    assert.match(log, new RegExp(`"event":"session.created","handle":"${res.body.handle}"`));
    assert.ok(!log.includes('erin-password-1'));
    assert.ok(!log.includes(res.body.sessionId));
  });
});

describe('login limits', () => {
  let t: TestServer;

  before(async () => {
    t = await startTestServer({
      SESSIOND_LOGIN_MAX_FAILURES: '3',
      SESSIOND_LOGIN_FAILURE_WINDOW_SECONDS: '600',
      SESSIOND_LOGIN_LOCKOUT_SECONDS: '1',
      SESSIOND_LOGINS_PER_USER_PER_HOUR: '3',
    });
    const admin = await login(t.url, 'admin', ADMIN_PASSWORD);
    for (const name of ['gina', 'hank', 'ivan', 'jane']) await addUser(t.url, admin.sessionId, name, `${name}-password-1`);
  });
  after(() => t.close());

  test('after too many failures the username/address pair is locked out, even with the right password, for the lockout time', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await tryLogin(t.url, 'gina', 'wrong-password')).status, 401);
    const locked = await tryLogin(t.url, 'gina', 'gina-password-1');
    assert.equal(locked.status, 429);
    assert.equal(locked.body.errorCode, 'LOGIN_RATE_EXCEEDED');
    assert.ok(locked.body.message.length > 0);
    const retryAfter = Number(locked.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 1, `retry-after ${retryAfter} should be the 1 s lockout`);
    // Another user from the same address is not locked out.
    assert.equal((await tryLogin(t.url, 'hank', 'hank-password-1')).status, 200);
    // The lockout ends after SESSIOND_LOGIN_LOCKOUT_SECONDS, not at the end of the failure window.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal((await tryLogin(t.url, 'gina', 'gina-password-1')).status, 200);
  });

  test('unknown usernames are locked out the same way (no way to tell them from real ones)', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await tryLogin(t.url, 'ghost', 'wrong-password')).status, 401);
    const locked = await tryLogin(t.url, 'ghost', 'wrong-password');
    assert.equal(locked.status, 429);
    assert.equal(locked.body.errorCode, 'LOGIN_RATE_EXCEEDED');
  });

  test('a good password forgets earlier failures', async () => {
    for (let i = 0; i < 2; i++) await tryLogin(t.url, 'ivan', 'wrong-password');
    assert.equal((await tryLogin(t.url, 'ivan', 'ivan-password-1')).status, 200);
    for (let i = 0; i < 2; i++) assert.equal((await tryLogin(t.url, 'ivan', 'wrong-password')).status, 401);
    assert.equal((await tryLogin(t.url, 'ivan', 'ivan-password-1')).status, 200);
  });

  test('successful logins are limited per user per hour: then 429 LOGIN_RATE_EXCEEDED with Retry-After', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await tryLogin(t.url, 'jane', 'jane-password-1')).status, 200);
    const over = await tryLogin(t.url, 'jane', 'jane-password-1');
    assert.equal(over.status, 429);
    assert.equal(over.body.errorCode, 'LOGIN_RATE_EXCEEDED');
    const retryAfter = Number(over.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= 3600, `retry-after ${retryAfter}`);
    // The limit is per user: others still log in.
    assert.equal((await tryLogin(t.url, 'hank', 'hank-password-1')).status, 200);
  });
});

describe('login timing', () => {
  test('an unknown user costs about as much as a wrong password, whatever scrypt cost the server uses', async () => {
    // A cheap server first, so a dummy hash made with other parameters would be cached already.
    const cheap = await startTestServer();
    try {
      await tryLogin(cheap.url, 'nobody', 'whatever-password');
    } finally {
      await cheap.close();
    }
    const t = await startTestServer({ SESSIOND_SCRYPT_N: '32768', SESSIOND_LOGIN_MAX_FAILURES: '100' });
    try {
      const time = async (username: string) => {
        const start = process.hrtime.bigint();
        const res = await tryLogin(t.url, username, 'wrong-password');
        assert.equal(res.status, 401);
        return Number(process.hrtime.bigint() - start) / 1e6;
      };
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      await time('admin');
      await time('nobody');
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 5; i++) {
        known.push(await time('admin'));
        unknown.push(await time(`nobody-${i}`));
      }
      const ratio = median(unknown) / median(known);
      assert.ok(ratio > 0.4 && ratio < 2.5, `unknown user ${median(unknown).toFixed(1)} ms vs wrong password ${median(known).toFixed(1)} ms`);
    } finally {
      await t.close();
    }
  });
});
