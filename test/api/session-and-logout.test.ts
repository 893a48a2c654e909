import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { ADMIN_PASSWORD, addUser, api, login, startTestServer, type TestServer } from '../helpers/server.ts';

/** GET /api/v1/session (with its idle-timer slide) and POST /api/v1/logout, with time moved by hand. */

const MINUTE = 60_000;
const INVALID_SESSION = { errorCode: 'INVALID_SESSION_ID', message: 'Invalid Session ID found in SessionHeader: Illegal Session' };

describe('GET /api/v1/session and logout', () => {
  let t: TestServer;
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
  let admin: string;

  before(async () => {
    t = await startTestServer(
      { SESSIOND_IDLE_TIMEOUT_SECONDS: '600', SESSIOND_ABSOLUTE_LIFETIME_SECONDS: '1800', SESSIOND_TOUCH_INTERVAL_SECONDS: '60' },
      { clock },
    );
    admin = (await login(t.url, 'admin', ADMIN_PASSWORD)).sessionId;
    await addUser(t.url, admin, 'kim', 'kim-password-1');
  });
  after(() => t.close());

  test('answers the caller’s session by handle, never its ID', async () => {
    const s = await login(t.url, 'kim', 'kim-password-1', 'crm');
    const res = await api(t.url, 'GET', '/api/v1/session', { sessionId: s.sessionId });
    assert.equal(res.status, 200);
    const created = new Date(clock.now()).toISOString();
    assert.deepEqual(res.body, {
      handle: s.handle,
      userId: s.userId,
      username: 'kim',
      project: 'crm',
      createdAt: created,
      lastSeenAt: created,
      expiresAt: new Date(clock.now() + 10 * MINUTE).toISOString(),
      // Where it came from: Node's fetch sends `User-Agent: node`.
      ip: '127.0.0.1',
      userAgent: 'node',
    });
    assert.ok(!JSON.stringify(res.body).includes(s.sessionId));
  });

  test('a valid call slides the idle timer, at most once per touch interval, never past the absolute lifetime', async () => {
    const s = await login(t.url, 'kim', 'kim-password-1');
    const start = clock.now();
    const get = async () => {
      const res = await api(t.url, 'GET', '/api/v1/session', { sessionId: s.sessionId });
      assert.equal(res.status, 200);
      return res.body as { lastSeenAt: string; expiresAt: string };
    };
    const iso = (ms: number) => new Date(ms).toISOString();

    clock.advance(30_000); // inside the touch interval: nothing is written
    let view = await get();
    assert.equal(view.lastSeenAt, iso(start));
    assert.equal(view.expiresAt, iso(start + 10 * MINUTE));

    clock.advance(31_000); // 61 s: the timer slides
    view = await get();
    assert.equal(view.lastSeenAt, iso(start + 61_000));
    assert.equal(view.expiresAt, iso(start + 61_000 + 10 * MINUTE));

    // Kept alive by calls every 9 minutes, it outlives its first idle deadline…
    for (let i = 0; i < 3; i++) {
      clock.advance(9 * MINUTE);
      view = await get();
    }
    assert.ok(clock.now() > start + 10 * MINUTE);
    // …but never its absolute lifetime (30 min).
    assert.equal(view.expiresAt, iso(start + 30 * MINUTE));
    clock.set(start + 30 * MINUTE);
    const expired = await api(t.url, 'GET', '/api/v1/session', { sessionId: s.sessionId });
    assert.equal(expired.status, 401);
    assert.deepEqual(expired.body, INVALID_SESSION);
  });

  test('a session idle for longer than the idle timeout is refused', async () => {
    const s = await login(t.url, 'kim', 'kim-password-1');
    clock.advance(10 * MINUTE - 1);
    assert.equal((await api(t.url, 'GET', '/api/v1/session', { sessionId: s.sessionId })).status, 200);
    clock.advance(10 * MINUTE); // that call slid the deadline to 10 min after it: let exactly that pass
    const res = await api(t.url, 'GET', '/api/v1/session', { sessionId: s.sessionId });
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, INVALID_SESSION);
  });

  test('logout with `Content-Type: application/json` and no body (what many clients send) works', async () => {
    const mine = await login(t.url, 'kim', 'kim-password-1');
    const res = await api(t.url, 'POST', '/api/v1/logout', { sessionId: mine.sessionId, rawBody: '', headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, {});
    assert.equal((await api(t.url, 'GET', '/api/v1/session', { sessionId: mine.sessionId })).status, 401);
  });

  test('logout ends only the caller’s session, answers {}, and the session is refused afterwards', async () => {
    const mine = await login(t.url, 'kim', 'kim-password-1');
    const other = await login(t.url, 'kim', 'kim-password-1');
    const res = await api(t.url, 'POST', '/api/v1/logout', { sessionId: mine.sessionId });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, {});
    assert.equal((await api(t.url, 'GET', '/api/v1/session', { sessionId: mine.sessionId })).status, 401);
    assert.equal((await api(t.url, 'GET', '/api/v1/session', { sessionId: other.sessionId })).status, 200);
    const again = await api(t.url, 'POST', '/api/v1/logout', { sessionId: mine.sessionId });
    assert.equal(again.status, 401);
    assert.deepEqual(again.body, INVALID_SESSION);

    admin = (await login(t.url, 'admin', ADMIN_PASSWORD)).sessionId; // the first one has expired by now
    const audit = await api(t.url, 'GET', `/api/v1/admin/audit?handle=${mine.handle}`, { sessionId: admin });
    assert.deepEqual(audit.body.records[0], {
      at: new Date(clock.now()).toISOString(),
      event: 'session.ended',
      handle: mine.handle,
      userId: mine.userId,
      project: 'default',
      reason: 'logout',
      actor: mine.handle,
    });
  });

  test('a missing, malformed or unknown SessionHeader gets 401 INVALID_SESSION_ID on both calls', async () => {
    const headers: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer' },
      { authorization: 'Bearer sd1_short' },
      { authorization: `Bearer sd1_${'B'.repeat(43)}` },
      { authorization: 'Token abc' },
    ];
    for (const h of headers) {
      for (const [method, path] of [['GET', '/api/v1/session'], ['POST', '/api/v1/logout']] as const) {
        const res = await api(t.url, method, path, { headers: h });
        assert.equal(res.status, 401, `${method} ${path} ${JSON.stringify(h)}`);
        assert.deepEqual(res.body, INVALID_SESSION);
      }
    }
  });
});
