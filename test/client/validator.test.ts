import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { SessiondApiError, SessiondUnavailableError, SessionValidator, type SessionValidatorOptions } from '@sessiond/client';
import { ADMIN_PASSWORD, api, login, startTestServer, type TestServer } from '../helpers/server.ts';
import { startHttpGate, type HttpGate } from './http-gate.ts';

/**
 * SessionValidator against a real sessiond on 127.0.0.1: it learns of ends from
 * GET /api/v1/events and checks at GET /api/v1/session. "Within the bound" below is the
 * validator's fail-safe bound, maxStalenessMs (1 s by default): the worst case it promises.
 * How fast ends arrive in practice (milliseconds) is measured in bench/ (validator scenario).
 */
const BOUND_MS = 1000;
const APP_PASSWORD = 'app-password-1';
const KIM_PASSWORD = 'kim-password-1';

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Checks until the validator refuses the session; fails if it still accepts it BOUND_MS after `endedAt`. */
async function refusedWithinBound(validator: SessionValidator, sessionId: string, endedAt: number): Promise<void> {
  for (;;) {
    const answer = await validator.check(sessionId);
    if (answer === null) return;
    const late = performance.now() - endedAt;
    assert.ok(late <= BOUND_MS, `an ended session was still accepted ${late.toFixed(0)} ms after the end call answered`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('SessionValidator against a real sessiond', () => {
  let server: TestServer;
  let adminId: string;
  let appId: string;
  const validators: SessionValidator[] = [];
  const gates: HttpGate[] = [];

  before(async () => {
    server = await startTestServer({
      SESSIOND_LOGINS_PER_USER_PER_HOUR: '1000000',
      SESSIOND_PROJECTS: '{"short":{"idleTimeoutSeconds":2}}',
    });
    adminId = (await login(server.url, 'admin', ADMIN_PASSWORD)).sessionId;
    for (const [username, password, permissions] of [
      ['app', APP_PASSWORD, ['events']],
      ['kim', KIM_PASSWORD, []],
    ] as const) {
      const res = await api(server.url, 'POST', '/api/v1/admin/users', { sessionId: adminId, body: { username, password, permissions } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    appId = (await login(server.url, 'app', APP_PASSWORD)).sessionId;
  });
  afterEach(async () => {
    for (const v of validators.splice(0)) v.close();
    await Promise.all(gates.splice(0).map((g) => g.close()));
  });
  after(() => server.close());

  async function startedValidator(options: Partial<SessionValidatorOptions> = {}): Promise<SessionValidator> {
    const v = new SessionValidator({ serverUrl: server.url, sessionId: appId, ...options });
    validators.push(v);
    await v.start();
    return v;
  }

  const kimSession = async (project?: string) => (await login(server.url, 'kim', KIM_PASSWORD, project)).sessionId;

  test('a user with the events permission runs a validator; a user without it is refused at start()', async () => {
    await startedValidator();
    const plain = new SessionValidator({ serverUrl: server.url, sessionId: await kimSession() });
    validators.push(plain);
    await assert.rejects(plain.start(), (e: unknown) => e instanceof SessiondApiError && e.statusCode === 'INSUFFICIENT_ACCESS' && e.httpStatus === 403);
    const ended = new SessionValidator({ serverUrl: server.url, sessionId: 'sd1_not-a-session' });
    validators.push(ended);
    await assert.rejects(ended.start(), (e: unknown) => e instanceof SessiondApiError && e.statusCode === 'INVALID_SESSION_ID' && e.httpStatus === 401);
  });

  test('check answers what GET /api/v1/session answers, then from the cache', async () => {
    const v = await startedValidator();
    const id = await kimSession();
    const direct = await api(server.url, 'GET', '/api/v1/session', { sessionId: id });
    const info = await v.check(id);
    assert.ok(info);
    assert.deepEqual(
      { ...info, createdAt: info.createdAt.toISOString(), expiresAt: undefined, lastSeenAt: undefined },
      { ...direct.body, expiresAt: undefined, lastSeenAt: undefined },
    );
    for (let i = 0; i < 1000; i++) assert.equal((await v.check(id))?.handle, info.handle);
    const stats = v.stats();
    assert.equal(stats.serverChecks, 1);
    assert.equal(stats.cacheHits, 1000);
    assert.equal(stats.connected, true);
    assert.equal(await v.check('sd1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), null);
  });

  test('logout, invalidateSessions, an admin end by handle and a password change: check answers null within the bound', async () => {
    const v = await startedValidator();
    const ids = { logout: await kimSession(), invalidate: await kimSession(), admin: await kimSession(), password: await kimSession() };
    const keeper = await kimSession();
    for (const id of [...Object.values(ids), keeper]) assert.ok(await v.check(id));

    const ends: Array<[keyof typeof ids, () => Promise<unknown>]> = [
      ['logout', () => api(server.url, 'POST', '/api/v1/logout', { sessionId: ids.logout })],
      ['invalidate', () => api(server.url, 'POST', '/api/v1/sessions/invalidate', { sessionId: adminId, body: { sessionIds: [ids.invalidate] } })],
      [
        'admin',
        async () => {
          const handle = (await v.check(ids.admin))!.handle;
          return api(server.url, 'POST', '/api/v1/admin/sessions/invalidate', { sessionId: adminId, body: { handles: [handle] } });
        },
      ],
      [
        'password',
        async () => {
          const changed = await api(server.url, 'POST', '/api/v1/me/password', { sessionId: keeper, body: { currentPassword: KIM_PASSWORD, newPassword: `${KIM_PASSWORD}-new` } });
          // Back to the password the other tests log in with (no other session of kim's is left to end).
          const back = await api(server.url, 'POST', '/api/v1/me/password', { sessionId: keeper, body: { currentPassword: `${KIM_PASSWORD}-new`, newPassword: KIM_PASSWORD } });
          assert.equal(back.status, 200, JSON.stringify(back.body));
          return changed;
        },
      ],
    ];
    for (const [kind, end] of ends) {
      const res = (await end()) as { status: number; body: unknown };
      const endedAt = performance.now();
      assert.equal(res.status, 200, `${kind}: ${JSON.stringify(res.body)}`);
      await refusedWithinBound(v, ids[kind], endedAt);
    }
    assert.ok(await v.check(keeper), 'the session that changed the password stays');
    assert.ok(v.stats().serverChecks <= 6, 'ends were learnt from the stream, not by asking');
  });

  test('with the event stream down past maxStalenessMs every check goes to the server; the stream resumes after its last event', async () => {
    const gate = await startHttpGate(server.url);
    gates.push(gate);
    const v = await startedValidator({ serverUrl: gate.url, maxStalenessMs: 200 });
    const stays = await kimSession();
    const ends = await kimSession();
    assert.ok(await v.check(stays));
    assert.ok(await v.check(ends));
    const before = v.stats().serverChecks;

    gate.eventsDown();
    const res = await api(server.url, 'POST', '/api/v1/logout', { sessionId: ends });
    assert.equal(res.status, 200);
    const endedAt = performance.now();
    // Its end event cannot arrive: the cache is dropped once the bound passes, and the server answers.
    await refusedWithinBound(v, ends, endedAt);
    await until('the cache off', () => !v.stats().cacheActive);
    for (let i = 0; i < 3; i++) assert.ok(await v.check(stays));
    assert.ok(v.stats().serverChecks >= before + 4, 'each check while the stream is down asks the server');

    gate.eventsUp();
    await until('the stream back', () => v.stats().cacheActive);
    const seqAtReconnect = v.stats().lastSeq;
    assert.ok(seqAtReconnect !== null && seqAtReconnect > 0);
    assert.ok(await v.check(stays));
    const n = v.stats().serverChecks;
    assert.ok(await v.check(stays));
    assert.equal(v.stats().serverChecks, n, 'cached again');
  });

  test('events pruned while the validator was away: the stream answers reset, the cache is dropped, and an end it never saw is refused', async () => {
    const short = await startTestServer({ SESSIOND_EVENTS_RETENTION_SECONDS: '1', SESSIOND_SWEEP_INTERVAL_SECONDS: '1' });
    try {
      const shortAdmin = (await login(short.url, 'admin', ADMIN_PASSWORD)).sessionId;
      for (const [username, password, permissions] of [
        ['app', APP_PASSWORD, ['events']],
        ['kim', KIM_PASSWORD, []],
      ] as const) {
        const res = await api(short.url, 'POST', '/api/v1/admin/users', { sessionId: shortAdmin, body: { username, password, permissions } });
        assert.equal(res.status, 201);
      }
      const gate = await startHttpGate(short.url);
      gates.push(gate);
      // A generous staleness bound, so the cache is still there when the stream comes back.
      const v = new SessionValidator({ serverUrl: gate.url, sessionId: (await login(short.url, 'app', APP_PASSWORD)).sessionId, maxStalenessMs: 60_000 });
      validators.push(v);
      await v.start();
      const ended = (await login(short.url, 'kim', KIM_PASSWORD)).sessionId;
      const live = (await login(short.url, 'kim', KIM_PASSWORD)).sessionId;
      assert.ok(await v.check(ended));
      assert.ok(await v.check(live));
      await until('the logins read', () => v.stats().lastSeq !== null && v.stats().lastSeq! >= 4);
      const position = v.stats().lastSeq!;
      const drops = v.stats().cacheDrops;

      gate.eventsDown();
      assert.equal((await api(short.url, 'POST', '/api/v1/logout', { sessionId: ended })).status, 200);
      await until(
        'the end event pruned',
        async () => {
          const { oldest } = await short.server.ctx.store.events.bounds();
          return oldest === null || oldest > position + 1;
        },
        20_000,
      );
      gate.eventsUp();
      await until('the reset read', () => v.stats().cacheDrops > drops);
      assert.equal(v.stats().connected, true);
      assert.equal(await v.check(ended), null, 'the end it never saw is refused: the server was asked');
      assert.ok(await v.check(live));
    } finally {
      await short.close();
    }
  });

  test('a session used only through the validator keeps sliding its idle timer at the server', async () => {
    const v = await startedValidator();
    const used = await kimSession('short'); // idle timeout 2 s
    const unused = await kimSession('short');
    assert.ok(await v.check(unused));
    const until5s = Date.now() + 5000;
    while (Date.now() < until5s) {
      assert.ok(await v.check(used), 'a session in use stays valid');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal((await api(server.url, 'GET', '/api/v1/session', { sessionId: used })).status, 200, 'alive at the server after 2.5 idle timeouts');
    assert.equal(await v.check(unused), null, 'one not used expired, and the validator says so');
  });

  test('randomized: thousands of ends interleaved with checks; no ended session is accepted after the end call answered + the bound', async () => {
    const v = await startedValidator();
    const count = 2000;
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const outcome = await server.server.ctx.service.login({ username: 'kim', password: KIM_PASSWORD, address: '127.0.0.1' });
      ids.push(outcome.sessionId);
    }
    for (const id of ids) assert.ok(await v.check(id));
    const endedAt = new Map<string, number>();
    let violations = 0;
    let worstMs = 0;
    let checks = 0;
    let stop = false;
    // The checker: random sessions, ended or not, as fast as the event loop lets it.
    const checker = (async () => {
      while (!stop) {
        const id = ids[Math.floor(Math.random() * ids.length)]!;
        const startedAt = performance.now();
        const answer = await v.check(id);
        checks++;
        const ended = endedAt.get(id);
        if (answer !== null && ended !== undefined) {
          const late = startedAt - ended;
          worstMs = Math.max(worstMs, late);
          if (late > BOUND_MS) violations++;
        }
        if (checks % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    // The ender: logouts, single and batched invalidations, in random order and pace.
    const order = [...ids].sort(() => Math.random() - 0.5);
    while (order.length > 0) {
      const batch = order.splice(0, 1 + Math.floor(Math.random() * 4));
      const res =
        batch.length === 1 && Math.random() < 0.5
          ? await api(server.url, 'POST', '/api/v1/logout', { sessionId: batch[0] })
          : await api(server.url, 'POST', '/api/v1/sessions/invalidate', { sessionId: adminId, body: { sessionIds: batch } });
      const at = performance.now();
      assert.equal(res.status, 200);
      for (const id of batch) endedAt.set(id, at);
      if (Math.random() < 0.3) await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
    }
    await new Promise((resolve) => setTimeout(resolve, BOUND_MS + 100));
    stop = true;
    await checker;
    for (const id of ids) assert.equal(await v.check(id), null);
    process.stdout.write(`# ${count} ends, ${checks} checks; latest acceptance of an ended session: ${worstMs.toFixed(1)} ms after its end answered\n`);
    assert.equal(violations, 0);
    assert.ok(checks > count);
  });

  test('a check that must ask an unreachable sessiond throws, never passes', async () => {
    const v = new SessionValidator({ serverUrl: 'http://127.0.0.1:1', sessionId: appId, timeoutMs: 2000 });
    validators.push(v);
    await assert.rejects(v.check(await kimSession()), (e: unknown) => e instanceof SessiondUnavailableError);
  });
});
