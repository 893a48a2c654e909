import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addUser, api, login, startTestServerAsAdmin, type TestServer } from '../helpers/server.ts';

/** The admin API: users, sessions by handle (never by ID), ending sessions, and who may call it. */

const PER_ID_MESSAGE = 'Invalid session ID: unknown, expired, already ended or malformed.';
const INVALID = { success: false, errors: [{ statusCode: 'INVALID_SESSION_ID', message: PER_ID_MESSAGE, fields: [] }] };
const OK = { success: true, errors: [] };

interface ListedSession {
  handle: string;
  userId: string;
  username: string;
  project: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
}

describe('admin API', () => {
  let t: TestServer;
  let admin: string;
  let userSession: string;

  before(async () => {
    ({ t, admin } = await startTestServerAsAdmin());
    await addUser(t.url, admin, 'lena', 'lena-password-1');
    userSession = (await login(t.url, 'lena', 'lena-password-1')).sessionId;
  });
  after(() => t.close());

  const isLive = async (sessionId: string) => (await api(t.url, 'GET', '/api/v1/session', { sessionId })).status === 200;

  test('a non-admin gets 403 INSUFFICIENT_ACCESS on every admin call; no session gets 401', async () => {
    const calls: Array<[string, string, unknown]> = [
      ['POST', '/api/v1/admin/users', { username: 'mallory', password: 'mallory-password-1', admin: true }],
      ['GET', '/api/v1/admin/users', undefined],
      ['GET', '/api/v1/admin/sessions', undefined],
      ['POST', '/api/v1/admin/sessions/invalidate', { handles: [] }],
      ['POST', '/api/v1/admin/users/admin/sessions/invalidate', undefined],
      ['GET', '/api/v1/admin/audit', undefined],
    ];
    for (const [method, path, body] of calls) {
      const forbidden = await api(t.url, method, path, { sessionId: userSession, ...(body !== undefined ? { body } : {}) });
      assert.equal(forbidden.status, 403, `${method} ${path}`);
      assert.deepEqual(forbidden.body, {
        errorCode: 'INSUFFICIENT_ACCESS',
        message: 'Insufficient access: this call needs an administrator session.',
      });
      const anonymous = await api(t.url, method, path, body !== undefined ? { body } : {});
      assert.equal(anonymous.status, 401, `${method} ${path}`);
      assert.equal(anonymous.body.errorCode, 'INVALID_SESSION_ID');
    }
    assert.equal((await api(t.url, 'POST', '/api/v1/login', { body: { username: 'mallory', password: 'mallory-password-1' } })).status, 401);
    assert.equal(await isLive(admin), true);
  });

  test('creates users: 201, then 409 for the same name; the new user can log in', async () => {
    const res = await api(t.url, 'POST', '/api/v1/admin/users', { sessionId: admin, body: { username: 'milo', password: 'milo-password-1' } });
    assert.equal(res.status, 201);
    assert.deepEqual(Object.keys(res.body).sort(), ['userId', 'username']);
    assert.equal(res.body.username, 'milo');
    assert.match(res.body.userId, /^005/);
    const dup = await api(t.url, 'POST', '/api/v1/admin/users', { sessionId: admin, body: { username: 'milo', password: 'other-password-2' } });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.errorCode, 'DUPLICATE_USERNAME');
    // The first password still works: the duplicate changed nothing.
    assert.equal((await login(t.url, 'milo', 'milo-password-1')).userId, res.body.userId);
  });

  test('a new admin can use the admin API; a new plain user cannot', async () => {
    await addUser(t.url, admin, 'nina', 'nina-password-1', true);
    const nina = await login(t.url, 'nina', 'nina-password-1');
    assert.equal((await api(t.url, 'GET', '/api/v1/admin/users', { sessionId: nina.sessionId })).status, 200);
    const list = await api(t.url, 'GET', '/api/v1/admin/users', { sessionId: admin });
    const byName = new Map(list.body.users.map((u: { username: string; admin: boolean }) => [u.username, u.admin]));
    assert.equal(byName.get('nina'), true);
    assert.equal(byName.get('lena'), false);
    assert.ok(!JSON.stringify(list.body).includes('scrypt'), 'no password hash in the user list');
    const entry = list.body.users.find((u: { username: string }) => u.username === 'nina');
    assert.deepEqual(Object.keys(entry).sort(), ['active', 'admin', 'createdAt', 'permissions', 'userId', 'username']);
    assert.equal(entry.active, true);
    assert.ok(Math.abs(Date.parse(entry.createdAt) - Date.now()) < 60_000, `createdAt ${entry.createdAt} is an ISO time`);
  });

  test('weak or empty passwords, bad usernames and unknown fields are 400s naming the problem', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ username: 'olga', password: '' }, /password/],
      [{ username: 'olga', password: 'short' }, /password.*8/],
      [{ username: 'olga', password: 'aaaaaaaaaaaa' }, /password.*weak/],
      [{ username: 'olga', password: 'x'.repeat(2000) }, /password.*1024/],
      [{ username: '', password: 'olga-password-1' }, /username/],
      [{ username: 'has space', password: 'olga-password-1' }, /username/],
      [{ username: 'x'.repeat(200), password: 'olga-password-1' }, /username/],
      [{ username: 'olga', password: 'olga-password-1', admin: 'yes' }, /admin/],
      [{ username: 'olga', password: 'olga-password-1', role: 'root' }, /role/],
      [{ username: 'olga' }, /password/],
    ];
    for (const [body, names] of cases) {
      const res = await api(t.url, 'POST', '/api/v1/admin/users', { sessionId: admin, body });
      assert.equal(res.status, 400, JSON.stringify(body).slice(0, 80));
      assert.equal(res.body.errorCode, 'INVALID_REQUEST');
      assert.match(res.body.message, names, JSON.stringify(body).slice(0, 80));
    }
    const list = await api(t.url, 'GET', '/api/v1/admin/users', { sessionId: admin });
    assert.ok(!list.body.users.some((u: { username: string }) => u.username === 'olga'), 'no user was created');
  });

  test('lists sessions with keyset pagination and filters, by handle only', async () => {
    await addUser(t.url, admin, 'pia', 'pia-password-1');
    await addUser(t.url, admin, 'quinn', 'quinn-password-1');
    const made: Array<{ sessionId: string; handle: string; username: string; project: string }> = [];
    for (const [username, project] of [['pia', 'default'], ['pia', 'crm'], ['quinn', 'crm'], ['pia', 'crm'], ['quinn', 'hr']] as const) {
      const s = await login(t.url, username, `${username}-password-1`, project);
      made.push({ sessionId: s.sessionId, handle: s.handle, username, project });
    }

    const all: ListedSession[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `/api/v1/admin/sessions?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await api(t.url, 'GET', q, { sessionId: admin });
      assert.equal(res.status, 200);
      assert.deepEqual(Object.keys(res.body).sort(), ['nextCursor', 'previousCursor', 'sessions', 'total']);
      assert.equal(res.body.total, null, 'no total unless asked');
      assert.ok(res.body.sessions.length <= 2);
      for (const s of res.body.sessions) {
        assert.deepEqual(Object.keys(s).sort(), ['createdAt', 'expiresAt', 'handle', 'ip', 'lastSeenAt', 'project', 'userAgent', 'userId', 'username']);
      }
      const text = JSON.stringify(res.body);
      for (const m of made) assert.ok(!text.includes(m.sessionId), 'a session ID was listed');
      assert.ok(!text.includes('sd1_') && !/sessionId|idHash/i.test(text));
      all.push(...res.body.sessions);
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    const handles = all.map((s) => s.handle);
    assert.equal(new Set(handles).size, handles.length, 'no session on two pages');
    for (const m of made) assert.ok(handles.includes(m.handle), `${m.handle} is listed`);
    assert.equal(pages, Math.ceil(all.length / 2), 'the last page says there is no next one');
    const keys = all.map((s) => `${s.createdAt}|${s.handle}`);
    assert.deepEqual(keys, [...keys].sort(), 'ordered by (createdAt, handle)');

    const pia = await api(t.url, 'GET', '/api/v1/admin/sessions?username=pia', { sessionId: admin });
    assert.deepEqual(
      pia.body.sessions.map((s: ListedSession) => s.handle).sort(),
      made.filter((m) => m.username === 'pia').map((m) => m.handle).sort(),
    );
    assert.equal(pia.body.nextCursor, null);
    const crm = await api(t.url, 'GET', '/api/v1/admin/sessions?project=crm&username=quinn', { sessionId: admin });
    assert.deepEqual(
      crm.body.sessions.map((s: ListedSession) => s.handle),
      made.filter((m) => m.project === 'crm' && m.username === 'quinn').map((m) => m.handle),
    );

    // Ended sessions are no longer listed.
    await api(t.url, 'POST', '/api/v1/logout', { sessionId: made[0]!.sessionId });
    const after = await api(t.url, 'GET', '/api/v1/admin/sessions?username=pia', { sessionId: admin });
    assert.ok(!after.body.sessions.some((s: ListedSession) => s.handle === made[0]!.handle));
  });

  test('pages both ways with a total: a username prefix in any letter case, and a project', async () => {
    for (const name of ['Sam', 'samir', 'sally']) await addUser(t.url, admin, name, `${name}-password-1`);
    const made: string[] = [];
    for (let i = 0; i < 7; i++) made.push((await login(t.url, ['Sam', 'samir', 'sally'][i % 3]!, `${['Sam', 'samir', 'sally'][i % 3]}-password-1`, i % 2 ? 'crm' : undefined)).handle);
    const sam = made.filter((_, i) => i % 3 !== 2); // Sam and samir, not sally

    const pages: string[][] = [];
    let query = 'usernamePrefix=SAM&limit=2&count=true';
    let page: { sessions: ListedSession[]; nextCursor: string | null; previousCursor: string | null; total: number };
    for (;;) {
      const res = await api(t.url, 'GET', `/api/v1/admin/sessions?${query}`, { sessionId: admin });
      assert.equal(res.status, 200);
      page = res.body;
      assert.equal(page.total, sam.length, 'the total counts every page');
      assert.equal(page.previousCursor === null, pages.length === 0, 'only the first page has none before it');
      pages.push(page.sessions.map((s) => s.handle));
      if (!page.nextCursor) break;
      query = `usernamePrefix=SAM&limit=2&count=true&cursor=${page.nextCursor}`;
    }
    // Listing order is (createdAt, handle): logins in one millisecond come in handle order.
    assert.deepEqual([...pages.flat()].sort(), [...sam].sort());
    // And back: each page before is the one seen going forwards.
    for (let i = pages.length - 2; i >= 0; i--) {
      const res = await api(t.url, 'GET', `/api/v1/admin/sessions?usernamePrefix=sam&limit=2&before=${page.previousCursor}`, { sessionId: admin });
      page = res.body;
      assert.deepEqual(page.sessions.map((s) => s.handle), pages[i]);
    }
    assert.equal(page.previousCursor, null);

    const crm = await api(t.url, 'GET', '/api/v1/admin/sessions?usernamePrefix=sa&project=crm&count=true', { sessionId: admin });
    assert.deepEqual(crm.body.sessions.map((s: ListedSession) => s.handle).sort(), made.filter((_, i) => i % 2).sort());
    assert.equal(crm.body.total, 3);
  });

  test('the audit trail by user, handle and event, paged newest first', async () => {
    await addUser(t.url, admin, 'tess', 'tess-password-1');
    const logins = [];
    for (let i = 0; i < 5; i++) logins.push(await login(t.url, 'tess', 'tess-password-1'));
    await api(t.url, 'POST', '/api/v1/logout', { sessionId: logins[0]!.sessionId });

    const seen: Array<{ event: string; handle: string | null; userId: string | null }> = [];
    let cursor: string | null = null;
    do {
      const q: string = `/api/v1/admin/audit?username=tess&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await api(t.url, 'GET', q, { sessionId: admin });
      assert.equal(res.status, 200);
      seen.push(...res.body.records);
      cursor = res.body.nextCursor;
    } while (cursor);
    assert.deepEqual(seen.map((r) => r.event), ['session.ended', ...Array(5).fill('session.created'), 'user.created']);
    assert.deepEqual(seen.slice(1, 6).map((r) => r.handle), logins.map((l) => l.handle).reverse());
    const userId = seen[0]!.userId;

    const created = await api(t.url, 'GET', `/api/v1/admin/audit?userId=${userId}&event=session.created&limit=100`, { sessionId: admin });
    assert.equal(created.body.records.length, 5);
    assert.equal(created.body.nextCursor, null);
    const one = await api(t.url, 'GET', `/api/v1/admin/audit?username=tess&handle=${logins[0]!.handle}`, { sessionId: admin });
    assert.deepEqual(one.body.records.map((r: { event: string }) => r.event), ['session.ended', 'session.created']);

    const unknown = await api(t.url, 'GET', '/api/v1/admin/audit?username=nobody-here', { sessionId: admin });
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.message, /username/);
    for (const q of ['event=session.exploded', 'cursor=bm90LWEtY3Vyc29y', 'limit=0']) {
      const bad = await api(t.url, 'GET', `/api/v1/admin/audit?${q}`, { sessionId: admin });
      assert.equal(bad.status, 400, q);
      assert.match(bad.body.message, new RegExp(q.split('=')[0]!), q);
    }
  });

  test('bad list queries are 400s naming the parameter', async () => {
    const cursorText = Buffer.from(JSON.stringify([1, 'h_x'])).toString('base64url');
    const cases: Array<[string, RegExp]> = [
      ['limit=0', /limit/],
      ['limit=abc', /limit/],
      ['limit=100000', /limit/],
      ['limit=1&limit=2', /limit/],
      ['cursor=not-a-cursor', /cursor/],
      ['username=has%20space', /username/],
      ['project=a/b', /project/],
      ['sort=handle', /sort/],
      ['before=not-a-cursor', /before/],
      ['usernamePrefix=a%20b', /usernamePrefix/],
      ['count=yes', /count/],
      [`cursor=${cursorText}&before=${cursorText}`, /cursor/],
    ];
    for (const [q, names] of cases) {
      const res = await api(t.url, 'GET', `/api/v1/admin/sessions?${q}`, { sessionId: admin });
      assert.equal(res.status, 400, q);
      assert.equal(res.body.errorCode, 'INVALID_REQUEST');
      assert.match(res.body.message, names, q);
    }
  });

  test('invalidates by handle with the invalidateSessions shape and limits', async () => {
    const a = await login(t.url, 'lena', 'lena-password-1');
    const b = await login(t.url, 'lena', 'lena-password-1');
    const res = await api(t.url, 'POST', '/api/v1/admin/sessions/invalidate', {
      sessionId: admin,
      body: { handles: [a.handle, 'h_unknownunknownunknown', '', a.handle, a.sessionId, b.handle, 'x'.repeat(10_000)] },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { results: [OK, INVALID, INVALID, INVALID, INVALID, OK, INVALID] });
    assert.equal(await isLive(a.sessionId), false);
    assert.equal(await isLive(b.sessionId), false);

    const audit = await api(t.url, 'GET', `/api/v1/admin/audit?handle=${a.handle}`, { sessionId: admin });
    assert.equal(audit.body.records[0].event, 'session.ended');
    assert.equal(audit.body.records[0].reason, 'admin');

    const c = await login(t.url, 'lena', 'lena-password-1');
    const tooMany = await api(t.url, 'POST', '/api/v1/admin/sessions/invalidate', {
      sessionId: admin,
      body: { handles: [c.handle, ...Array.from({ length: 200 }, (_, i) => `h_${i}`)] },
    });
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.body.errorCode, 'EXCEEDED_ID_LIMIT');
    assert.equal(await isLive(c.sessionId), true, 'nothing was ended');

    for (const body of [{ handles: c.handle }, { handles: [1] }, { sessionIds: [c.handle] }, {}]) {
      const bad = await api(t.url, 'POST', '/api/v1/admin/sessions/invalidate', { sessionId: admin, body });
      assert.equal(bad.status, 400, JSON.stringify(body));
      assert.equal(bad.body.errorCode, 'INVALID_REQUEST');
    }
    assert.equal(await isLive(c.sessionId), true);
  });

  test('ends all of one user’s sessions and answers how many', async () => {
    await addUser(t.url, admin, 'rita', 'rita-password-1');
    const rita = [await login(t.url, 'rita', 'rita-password-1'), await login(t.url, 'rita', 'rita-password-1', 'crm')];
    const bystander = await login(t.url, 'lena', 'lena-password-1');
    const res = await api(t.url, 'POST', '/api/v1/admin/users/rita/sessions/invalidate', { sessionId: admin });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { ended: 2 });
    for (const s of rita) assert.equal(await isLive(s.sessionId), false);
    assert.equal(await isLive(bystander.sessionId), true);
    const again = await api(t.url, 'POST', '/api/v1/admin/users/rita/sessions/invalidate', { sessionId: admin });
    assert.deepEqual(again.body, { ended: 0 });

    const audit = await api(t.url, 'GET', `/api/v1/admin/audit?handle=${rita[0]!.handle}`, { sessionId: admin });
    assert.equal(audit.body.records[0].reason, 'admin');

    const unknown = await api(t.url, 'POST', '/api/v1/admin/users/nobody-at-all/sessions/invalidate', { sessionId: admin });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.errorCode, 'NOT_FOUND');
    const bad = await api(t.url, 'POST', `/api/v1/admin/users/${encodeURIComponent('bad name')}/sessions/invalidate`, { sessionId: admin });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /username/);
  });
});
