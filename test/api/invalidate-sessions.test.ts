import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { ADMIN_PASSWORD, addUser, api, login, startTestServer, type TestServer } from '../helpers/server.ts';

/** POST /api/v1/sessions/invalidate, bullet by bullet of DESIGN.md's invalidateSessions contract. */

const PER_ID_MESSAGE = 'Invalid session ID: unknown, expired, already ended or malformed.';
const INVALID = { success: false, errors: [{ statusCode: 'INVALID_SESSION_ID', message: PER_ID_MESSAGE, fields: [] }] };
const OK = { success: true, errors: [] };

let t: TestServer;
let caller: string;

async function newSession(): Promise<string> {
  return (await login(t.url, 'carol', 'carol-password-1')).sessionId;
}

async function isLive(sessionId: string): Promise<boolean> {
  const res = await api(t.url, 'GET', '/api/v1/session', { sessionId });
  assert.ok(res.status === 200 || res.status === 401, `unexpected ${res.status}`);
  return res.status === 200;
}

function invalidate(sessionIds: unknown, sessionId: string | undefined = caller) {
  return api(t.url, 'POST', '/api/v1/sessions/invalidate', { body: { sessionIds }, ...(sessionId !== undefined ? { sessionId } : {}) });
}

describe('invalidateSessions over REST', () => {
  before(async () => {
    t = await startTestServer();
    const admin = await login(t.url, 'admin', ADMIN_PASSWORD);
    await addUser(t.url, admin.sessionId, 'carol', 'carol-password-1');
    caller = await newSession();
  });
  after(() => t.close());

  test('ends sessions that are not the caller’s, one result per ID in input order', async () => {
    const a = await newSession();
    const b = await newSession();
    const res = await invalidate([a, 'sd1_unknown', b]);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { results: [OK, INVALID, OK] });
    assert.equal(await isLive(a), false);
    assert.equal(await isLive(b), false);
    assert.equal(await isLive(caller), true);
  });

  test('an empty list answers an empty result', async () => {
    const res = await invalidate([]);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { results: [] });
  });

  test('exactly 200 IDs are accepted', async () => {
    const live = await newSession();
    const ids = [live, ...Array.from({ length: 199 }, (_, i) => `sd1_not-a-session-${i}`)];
    const res = await invalidate(ids);
    assert.equal(res.status, 200);
    assert.equal(res.body.results.length, 200);
    assert.deepEqual(res.body.results[0], OK);
    assert.deepEqual(res.body.results[199], INVALID);
    assert.equal(await isLive(live), false);
  });

  test('201 IDs are refused as a whole with EXCEEDED_ID_LIMIT, and nothing is ended', async () => {
    const live = await newSession();
    const ids = [live, caller, ...Array.from({ length: 199 }, (_, i) => `x${i}`)];
    const res = await invalidate(ids);
    assert.equal(res.status, 400);
    assert.equal(res.body.errorCode, 'EXCEEDED_ID_LIMIT');
    assert.match(res.body.message, /201.*200|200.*201/);
    assert.match(res.body.message, /nothing was ended/);
    assert.equal(await isLive(live), true);
    assert.equal(await isLive(caller), true);
  });

  test('unknown, ended, malformed, empty, absurdly long and garbage IDs all get the same per-ID result', async () => {
    const ended = await newSession();
    await api(t.url, 'POST', '/api/v1/logout', { sessionId: ended });
    const live = await newSession();
    const ids = [
      'sd1_' + 'A'.repeat(43), // well formed, unknown
      ended, // already ended
      '', // empty
      'x'.repeat(10_000), // absurdly long
      'garbage-without-the-prefix',
      ended.slice(4), // the body without its prefix
      ended + 'A', // one character too many
      live,
    ];
    const res = await invalidate(ids);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.results, [INVALID, INVALID, INVALID, INVALID, INVALID, INVALID, INVALID, OK]);
  });

  test('an expired session gets the same per-ID result (and the message does not tell it apart)', async () => {
    const clock = new ManualClock(Date.now());
    const short = await startTestServer({ SESSIOND_IDLE_TIMEOUT_SECONDS: '60', SESSIOND_TOUCH_INTERVAL_SECONDS: '10' }, { clock });
    try {
      const admin = await login(short.url, 'admin', ADMIN_PASSWORD);
      const victim = await login(short.url, 'admin', ADMIN_PASSWORD);
      clock.advance(60_000);
      const fresh = await login(short.url, 'admin', ADMIN_PASSWORD);
      const res = await api(short.url, 'POST', '/api/v1/sessions/invalidate', {
        sessionId: fresh.sessionId,
        body: { sessionIds: [victim.sessionId, admin.sessionId] },
      });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { results: [INVALID, INVALID] });
    } finally {
      await short.close();
    }
  });

  test('the caller’s own session may be in the list: it is ended and the call still answers', async () => {
    const me = await newSession();
    const other = await newSession();
    const res = await invalidate([other, me], me);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { results: [OK, OK] });
    assert.equal(await isLive(me), false);
    assert.equal(await isLive(other), false);
    const again = await invalidate([], me);
    assert.equal(again.status, 401);
    assert.equal(again.body.errorCode, 'INVALID_SESSION_ID');
  });

  test('a duplicate later in the same list finds its session already ended', async () => {
    const a = await newSession();
    const res = await invalidate([a, a, a]);
    assert.deepEqual(res.body, { results: [OK, INVALID, INVALID] });
  });

  test('a body that is not {sessionIds: string[]} is refused with 400 naming the problem, and nothing is ended', async () => {
    const live = await newSession();
    const cases: Array<{ body: unknown; names: RegExp }> = [
      { body: { sessionIds: [live, 42] }, names: /sessionIds\[1\]/ },
      { body: { sessionIds: live }, names: /sessionIds/ },
      { body: { sessionIds: null }, names: /sessionIds/ },
      { body: {}, names: /sessionIds/ },
      { body: { ids: [live] }, names: /sessionIds|ids/ },
      { body: { sessionIds: [live], extra: true }, names: /extra/ },
      { body: [live], names: /array|object/ },
      { body: 'text', names: /string|object/ },
    ];
    for (const c of cases) {
      const res = await api(t.url, 'POST', '/api/v1/sessions/invalidate', { sessionId: caller, body: c.body });
      assert.equal(res.status, 400, JSON.stringify(c.body));
      assert.equal(res.body.errorCode, 'INVALID_REQUEST');
      assert.match(res.body.message, c.names, JSON.stringify(c.body));
    }
    const broken = await api(t.url, 'POST', '/api/v1/sessions/invalidate', { sessionId: caller, rawBody: `{"sessionIds":["${live}"` });
    assert.equal(broken.status, 400);
    assert.match(broken.body.message, /JSON/);
    assert.equal(await isLive(live), true);
  });

  test('a missing, malformed, unknown or ended Bearer gets 401 INVALID_SESSION_ID and ends nothing', async () => {
    const live = await newSession();
    const ended = await newSession();
    await api(t.url, 'POST', '/api/v1/logout', { sessionId: ended });
    const headers: Array<Record<string, string>> = [
      {},
      { authorization: live }, // no scheme
      { authorization: `Basic ${live}` },
      { authorization: 'Bearer ' },
      { authorization: `Bearer sd1_${'A'.repeat(43)}` },
      { authorization: `Bearer ${ended}` },
      { authorization: `Bearer ${'x'.repeat(5000)}` },
    ];
    for (const h of headers) {
      const res = await api(t.url, 'POST', '/api/v1/sessions/invalidate', { headers: h, body: { sessionIds: [live] } });
      assert.equal(res.status, 401, JSON.stringify(h).slice(0, 80));
      assert.deepEqual(res.body, {
        errorCode: 'INVALID_SESSION_ID',
        message: 'Invalid Session ID found in SessionHeader: Illegal Session',
      });
    }
    // The SessionHeader is checked before the body: a bad body from a stranger is still a 401.
    const stranger = await api(t.url, 'POST', '/api/v1/sessions/invalidate', { sessionId: ended, body: { nope: 1 } });
    assert.equal(stranger.status, 401);
    assert.equal(await isLive(live), true);
  });

  test('ended sessions are audited with reason "invalidated" and the caller’s handle as actor', async () => {
    const me = await login(t.url, 'carol', 'carol-password-1');
    const victim = await login(t.url, 'carol', 'carol-password-1');
    await invalidate([victim.sessionId], me.sessionId);
    const admin = await login(t.url, 'admin', ADMIN_PASSWORD);
    const audit = await api(t.url, 'GET', `/api/v1/admin/audit?handle=${victim.handle}`, { sessionId: admin.sessionId });
    assert.equal(audit.status, 200);
    const events = audit.body.records.map((r: { event: string; reason: string | null; actor: string | null }) => [r.event, r.reason, r.actor]);
    assert.deepEqual(events, [
      ['session.ended', 'invalidated', me.handle],
      ['session.created', null, null],
    ]);
    assert.match(t.logText(), new RegExp(`"event":"session.ended","handle":"${victim.handle}".*"reason":"invalidated"`));
  });
});
