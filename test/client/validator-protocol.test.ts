import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import pg from 'pg';
import { SessiondApiError, SessiondUnavailableError, SessionValidator, type SessionValidatorOptions } from '@sessiond/client';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../helpers/postgres-db.ts';
import { ADMIN_PASSWORD, api, login, startTestServer, type TestServer } from '../helpers/server.ts';
import { skipUnlessService } from '../helpers/services.ts';
import { startHttpGate, type HttpGate } from './http-gate.ts';

/**
 * The validator's own rules, each produced by a real sessiond: the server ends sessions, prunes
 * its log, restarts on the same store, and (on PostgreSQL) skips a seq as a rolled-back
 * transaction does; an HTTP gate in front of it only forwards, cuts, stalls or holds back what
 * the server sends, and notes what the validator asks (Last-Event-ID, session checks).
 *
 * Two defensive branches of the validator are not here because no sessiond produces them: a
 * seq sent twice (the stream never repeats one; event-stream.test.ts holds the server to that)
 * and an end event without its seq or ID hash (every event carries both; ditto).
 */
const APP_PASSWORD = 'app-password-1';
const KIM_PASSWORD = 'kim-password-1';
const LEE_PASSWORD = 'lee-password-1';
const newId = () => `sd1_${randomBytes(32).toString('base64url')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for a state the validator or the server reaches on its own (an event read, a reconnect, a prune). */
async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(5);
  }
}

/** A real sessiond with an application user (events permission), two plain users, and a gate in front. */
interface World {
  server: TestServer;
  gate: HttpGate;
  adminId: string;
  appId: string;
  kim(project?: string): Promise<{ sessionId: string; handle: string }>;
  logout(sessionId: string): Promise<void>;
  /** The seq of the newest event in the server's log. */
  newest(): Promise<number>;
  /** GET /api/v1/session requests of this token that reached the server through the gate. */
  checksOf(token: string): number;
  close(): Promise<void>;
}

async function world(env: Record<string, string> = {}): Promise<World> {
  const server = await startTestServer({ SESSIOND_LOGINS_PER_USER_PER_HOUR: '1000000', ...env });
  const adminId = (await login(server.url, 'admin', ADMIN_PASSWORD)).sessionId;
  for (const [username, password, permissions] of [
    ['app', APP_PASSWORD, ['events']],
    ['kim', KIM_PASSWORD, []],
    ['lee', LEE_PASSWORD, []],
  ] as const) {
    const res = await api(server.url, 'POST', '/api/v1/admin/users', { sessionId: adminId, body: { username, password, permissions } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }
  const gate = await startHttpGate(server.url);
  return {
    server,
    gate,
    adminId,
    appId: (await login(server.url, 'app', APP_PASSWORD)).sessionId,
    kim: (project) => login(server.url, 'kim', KIM_PASSWORD, project),
    async logout(sessionId) {
      assert.equal((await api(server.url, 'POST', '/api/v1/logout', { sessionId })).status, 200);
    },
    newest: async () => (await server.server.ctx.store.events.bounds()).newest,
    checksOf: (token) => gate.sessionChecks.filter((t) => t === token).length,
    async close() {
      await gate.close();
      await server.close();
    },
  };
}

describe('SessionValidator rules, against a real sessiond (SQLite) through a gate', () => {
  let w: World;
  const validators: SessionValidator[] = [];

  before(async () => {
    // No sweep during the tests: an expired session must be found by the validator, not ended by the sweeper.
    w = await world({ SESSIOND_PROJECTS: '{"short":{"idleTimeoutSeconds":2}}', SESSIOND_SWEEP_INTERVAL_SECONDS: '3600' });
  });
  after(() => w.close());
  afterEach(() => {
    for (const v of validators.splice(0)) v.close();
    w.gate.eventsUp();
  });

  async function started(options: Partial<SessionValidatorOptions> = {}): Promise<SessionValidator> {
    const v = new SessionValidator({ serverUrl: w.gate.url, sessionId: w.appId, reconnectDelayMs: 20, ...options });
    validators.push(v);
    await v.start();
    return v;
  }

  /** Waits until the validator has read the server's log up to its newest event. */
  async function caughtUp(v: SessionValidator): Promise<number> {
    const seq = await w.newest();
    await until(`seq ${seq} read`, () => v.stats().lastSeq === seq);
    return seq;
  }

  test('start() opens the stream with the validator session as Bearer, from now; a second check of a session answers from the cache', async () => {
    const subscriptions = w.gate.subscriptions.length;
    const v = await started();
    assert.equal(w.gate.subscriptions.length, subscriptions + 1);
    assert.equal(w.gate.subscriptions.at(-1), undefined, 'a first subscription starts from now');
    const newest = await w.newest();
    await until("the stream's opening frame says where the log is", () => v.stats().lastSeq === newest);
    const { sessionId: id } = await w.kim();
    const first = await v.check(id);
    assert.equal(first?.username, 'kim');
    assert.ok(first?.expiresAt instanceof Date);
    for (let i = 0; i < 100; i++) assert.deepEqual(await v.check(id), first);
    assert.equal(w.checksOf(id), 1, 'the server was asked once');
    assert.deepEqual(
      { ...v.stats(), lastSeq: undefined, serverChecks: undefined },
      { connected: true, cacheActive: true, lastSeq: undefined, cachedSessions: 1, cacheHits: 100, serverChecks: undefined, cacheDrops: 0 },
    );
  });

  test('an end event drops the session: the next check answers null without asking the server; other sessions stay cached', async () => {
    const v = await started();
    const { sessionId: id } = await w.kim();
    const { sessionId: other } = await w.kim();
    assert.ok(await v.check(id));
    assert.ok(await v.check(other));
    await w.logout(id);
    await caughtUp(v);
    assert.equal(await v.check(id), null);
    assert.equal(w.checksOf(id), 1, 'learnt from the stream');
    assert.ok(await v.check(other));
    assert.equal(w.checksOf(other), 1);
  });

  test('an end that arrives while the server check of that session is in flight wins: null, and nothing cached', async () => {
    const v = await started();
    const { sessionId: id } = await w.kim();
    await caughtUp(v);
    const release = w.gate.holdSessionAnswers();
    const answer = v.check(id);
    // The server answered "live"; the answer waits in the gate while the session ends.
    await until('the live answer held', () => w.gate.heldAnswers() === 1);
    await w.logout(id);
    await caughtUp(v);
    release();
    assert.equal(await answer, null, 'the stale "live" answer is not believed');
    assert.equal(await v.check(id), null);
    assert.equal(v.stats().cachedSessions, 0);
    assert.equal(w.checksOf(id), 1, 'and not asked again');
  });

  test('a cached session in use is checked at the server again each touch interval, in the background; one the server refuses then is dropped', async () => {
    const v = await started({ touchIntervalMs: 50, maxStalenessMs: 60_000 });
    const { sessionId: id } = await w.kim();
    await v.check(id);
    await sleep(80);
    assert.ok(await v.check(id), 'answered from the cache while the server is asked');
    await until('asked again', () => w.checksOf(id) === 2);
    // The session ends where the validator cannot hear of it (its stream is down): only a touch finds out.
    const position = v.stats().lastSeq;
    w.gate.eventsDown();
    await w.logout(id);
    await until('refused at a later touch', async () => (await v.check(id)) === null);
    assert.equal(v.stats().cachedSessions, 0);
    assert.equal(v.stats().lastSeq, position, 'the end event never arrived');
    assert.equal(v.stats().cacheDrops, 0, 'only that session was dropped');
  });

  test('a session past its expiry is not answered from the cache: the server is asked and says it expired', async () => {
    const v = await started({ touchIntervalMs: 3_600_000 });
    const { sessionId: id } = await w.kim('short'); // idle timeout 2 s
    const sentAt = Date.now();
    await v.check(id);
    assert.ok(await v.check(id), 'before expiry: from the cache');
    assert.equal(w.checksOf(id), 1);
    // Measured against the answer's Date header (whole seconds), the local expiry is 1 to 2 s after the request.
    await sleep(Math.max(0, sentAt + 2100 - Date.now()));
    assert.equal(await v.check(id), null);
    assert.equal(w.checksOf(id), 2, 'the server was asked, not the cache');
  });

  test('concurrent checks of one uncached session make one server request', async () => {
    const v = await started();
    const { sessionId: id } = await w.kim();
    const answers = await Promise.all(Array.from({ length: 20 }, () => v.check(id)));
    assert.ok(answers.every((a) => a?.username === 'kim'));
    assert.equal(w.checksOf(id), 1);
  });

  test('a session the server refused is refused again without asking; a malformed token is refused without asking', async () => {
    const v = await started();
    const unknown = newId();
    assert.equal(await v.check(unknown), null);
    assert.equal(await v.check(unknown), null);
    assert.equal(w.checksOf(unknown), 1);
    const before = w.gate.sessionChecks.length;
    for (const bad of ['', 'has space', 'x'.repeat(257), 'line\nbreak', undefined as unknown as string, 42 as unknown as string]) {
      assert.equal(await v.check(bad), null);
    }
    assert.equal(w.gate.sessionChecks.length, before);
  });

  test("a stream cut by the network is resumed after the last seq read (the server's opening frame confirms it): nothing dropped, the ends made meanwhile arrive", async () => {
    const v = await started({ maxStalenessMs: 60_000 });
    const { sessionId: id } = await w.kim();
    assert.ok(await v.check(id));
    const seq = await caughtUp(v);
    const subscriptions = w.gate.subscriptions.length;
    w.gate.eventsDown();
    await until('the loss noticed', () => !v.stats().connected);
    await w.logout(id);
    assert.ok(await v.check(id), 'the cache answers while the stream is down (within maxStalenessMs)');
    w.gate.eventsUp();
    await until('reconnected', () => v.stats().connected);
    assert.equal(w.gate.subscriptions.at(-1), String(seq), 'resumed with Last-Event-ID');
    assert.ok(w.gate.subscriptions.length > subscriptions);
    await caughtUp(v);
    assert.equal(await v.check(id), null, 'the end made while it was away was replayed');
    assert.equal(w.checksOf(id), 1, 'answered from the cache and the stream throughout');
    assert.equal(v.stats().cacheDrops, 0);
  });

  test('a stream that goes silent past heartbeatTimeoutMs (a dead connection) is replaced and resumed after the last seq read', async () => {
    const v = await started({ heartbeatTimeoutMs: 400, maxStalenessMs: 60_000 });
    const { sessionId: id } = await w.kim();
    assert.ok(await v.check(id));
    const seq = await caughtUp(v);
    const subscriptions = w.gate.subscriptions.length;
    w.gate.stallEvents();
    await w.logout(id); // its frame is stuck behind the silent connection
    await until('a new subscription', () => w.gate.subscriptions.length > subscriptions);
    assert.equal(w.gate.subscriptions[subscriptions], String(seq));
    await caughtUp(v);
    assert.equal(await v.check(id), null);
    assert.equal(w.checksOf(id), 1);
    assert.equal(v.stats().cacheDrops, 0);
  });

  test('fail safe: with the stream down longer than maxStalenessMs every check goes to the server; caching resumes with the stream', async () => {
    const errors: SessiondApiError[] = [];
    const v = await started({ maxStalenessMs: 30, onError: (e) => errors.push(e) });
    const { sessionId: id } = await w.kim();
    await v.check(id);
    w.gate.eventsDown();
    await until('the cache off', () => !v.stats().cacheActive);
    assert.equal(v.stats().cachedSessions, 0);
    for (let i = 0; i < 3; i++) assert.ok(await v.check(id));
    assert.equal(w.checksOf(id), 4, 'every check asked the server');
    await w.logout(id);
    assert.equal(await v.check(id), null, 'and the server’s answer is the answer');
    assert.ok(
      errors.some((e) => e instanceof SessiondUnavailableError),
      'the failed reconnects were reported',
    );

    w.gate.eventsUp();
    await until('reconnected', () => v.stats().cacheActive);
    const { sessionId: next } = await w.kim();
    await v.check(next);
    await v.check(next);
    assert.equal(w.checksOf(next), 1);
  });

  test('start() rejects when the session may not read events, and the validator stops trying (even once it may)', async () => {
    const lee = (await login(w.server.url, 'lee', LEE_PASSWORD)).sessionId;
    const before = w.gate.subscriptions.length;
    const v = new SessionValidator({ serverUrl: w.gate.url, sessionId: lee, reconnectDelayMs: 20 });
    validators.push(v);
    await assert.rejects(v.start(), (e: unknown) => e instanceof SessiondApiError && e.statusCode === 'INSUFFICIENT_ACCESS' && e.httpStatus === 403);
    assert.equal(v.stats().connected, false);
    const granted = await api(w.server.url, 'PATCH', '/api/v1/admin/users/lee', { sessionId: w.adminId, body: { permissions: ['events'] } });
    assert.equal(granted.status, 200);
    await sleep(150);
    assert.equal(w.gate.subscriptions.length, before + 1, 'no further subscription');
    const { sessionId: id } = await w.kim();
    assert.ok(await v.check(id), 'checks still answer, from the server');
    assert.ok(await v.check(id));
    assert.equal(w.checksOf(id), 2);
  });

  test('a check that must ask an unreachable server throws SessiondUnavailableError (never a pass)', async () => {
    const v = new SessionValidator({ serverUrl: 'http://127.0.0.1:1', sessionId: w.appId, timeoutMs: 2000 });
    validators.push(v);
    await assert.rejects(v.check(newId()), (e: unknown) => e instanceof SessiondUnavailableError && e.statusCode === 'NETWORK_ERROR');
  });

  test('the cache holds at most maxEntries sessions, dropping the least recently used', async () => {
    const v = await started({ maxEntries: 4 });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await w.kim()).sessionId);
    for (const id of ids.slice(0, 4)) await v.check(id);
    for (let round = 0; round < 4; round++) await v.check(ids[0]!); // used again: stays
    await v.check(ids[4]!);
    await v.check(ids[5]!);
    assert.equal(v.stats().cachedSessions, 4);
    assert.equal(w.checksOf(ids[0]!), 1, 'the session in use is still cached');
    await v.check(ids[1]!);
    assert.equal(w.checksOf(ids[1]!), 2, 'the least recently used one was dropped');
  });

  test('options are checked when the validator is made', () => {
    assert.throws(() => new SessionValidator({ serverUrl: 'not a url', sessionId: w.appId }), /serverUrl/);
    assert.throws(() => new SessionValidator({ serverUrl: 'ftp://x', sessionId: w.appId }), /serverUrl/);
    assert.throws(() => new SessionValidator({ serverUrl: w.server.url, sessionId: '' }), /sessionId/);
    assert.throws(() => new SessionValidator({ serverUrl: w.server.url, sessionId: w.appId, maxEntries: 0 }), /maxEntries/);
    assert.throws(() => new SessionValidator({ serverUrl: w.server.url, sessionId: w.appId, maxStalenessMs: -1 }), /maxStalenessMs/);
  });
});

describe('SessionValidator and a sessiond that prunes its log (retention 1 s)', () => {
  test('events pruned while the stream was down: the stream answers reset, the cache is dropped, and the validator resumes after the reset point', async () => {
    const w = await world({ SESSIOND_EVENTS_RETENTION_SECONDS: '1', SESSIOND_SWEEP_INTERVAL_SECONDS: '1' });
    const v = new SessionValidator({ serverUrl: w.gate.url, sessionId: w.appId, reconnectDelayMs: 20, maxStalenessMs: 60_000 });
    try {
      await v.start();
      const ids = [(await w.kim()).sessionId, (await w.kim()).sessionId];
      for (const id of ids) assert.ok(await v.check(id));
      const position = await w.newest();
      await until('the logins read', () => v.stats().lastSeq === position);
      w.gate.eventsDown();
      await w.kim(); // an event the validator does not see before it is pruned
      await until(
        'events after its position pruned',
        async () => {
          const { oldest, newest } = await w.server.server.ctx.store.events.bounds();
          return newest > position && (oldest === null || oldest > position + 1);
        },
        20_000,
      );
      w.gate.eventsUp();
      await until('the reset read', () => v.stats().cacheDrops === 1);
      assert.equal(v.stats().lastSeq, await w.newest(), 'the reset names the point to resume after');
      assert.equal(v.stats().cachedSessions, 0);
      for (const id of ids) assert.ok(await v.check(id));
      assert.deepEqual(ids.map(w.checksOf), [2, 2], 'each asked at the server again');

      const resetAt = v.stats().lastSeq;
      const subscriptions = w.gate.subscriptions.length;
      w.gate.cutEvents();
      await until('resubscribed', () => w.gate.subscriptions.length > subscriptions && v.stats().connected);
      assert.equal(w.gate.subscriptions.at(-1), String(resetAt), 'resumes after the reset point');
      assert.equal(v.stats().cacheDrops, 1, 'and that resume drops nothing');
    } finally {
      v.close();
      await w.close();
    }
  });
});

describe('SessionValidator across a sessiond restart (same port, same store file)', () => {
  test('the stream ends with the old process; the cache answers meanwhile; the new process replays what the validator missed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sessiond-restart-'));
    const store = `sqlite:${join(dir, 'sessiond.db')}`;
    let server = await startTestServer({ SESSIOND_STORE: store });
    const port = new URL(server.url).port;
    const gate = await startHttpGate(server.url);
    let v: SessionValidator | undefined;
    try {
      const adminId = (await login(server.url, 'admin', ADMIN_PASSWORD)).sessionId;
      for (const [username, password, permissions] of [
        ['app', APP_PASSWORD, ['events']],
        ['kim', KIM_PASSWORD, []],
      ] as const) {
        assert.equal((await api(server.url, 'POST', '/api/v1/admin/users', { sessionId: adminId, body: { username, password, permissions } })).status, 201);
      }
      const appId = (await login(server.url, 'app', APP_PASSWORD)).sessionId;
      v = new SessionValidator({ serverUrl: gate.url, sessionId: appId, reconnectDelayMs: 20, maxStalenessMs: 60_000 });
      await v.start();
      const ends = (await login(server.url, 'kim', KIM_PASSWORD)).sessionId;
      const stays = (await login(server.url, 'kim', KIM_PASSWORD)).sessionId;
      for (const id of [ends, stays]) assert.ok(await v.check(id));
      const seq = (await server.server.ctx.store.events.bounds()).newest;
      await until('caught up', () => v!.stats().lastSeq === seq);

      await server.close();
      await until('the end of the stream noticed', () => !v!.stats().connected);
      assert.ok(await v.check(stays), 'the cache answers while no server is up');
      // Keep the validator off the new process until an end was made there.
      gate.eventsDown();
      server = await startTestServer({ SESSIOND_STORE: store, PORT: port });
      assert.equal(server.url, gate.upstream, 'the same address');
      assert.equal((await api(server.url, 'POST', '/api/v1/logout', { sessionId: ends })).status, 200);
      const endSeq = (await server.server.ctx.store.events.bounds()).newest;
      const subscriptions = gate.subscriptions.length;
      gate.eventsUp();
      await until('resumed on the new process', () => v!.stats().lastSeq === endSeq, 15_000);
      assert.equal(gate.subscriptions[subscriptions], String(seq), 'resumed after the last seq read');
      assert.equal(await v.check(ends), null);
      assert.ok(await v.check(stays));
      assert.deepEqual([ends, stays].map((t) => gate.sessionChecks.filter((c) => c === t).length), [1, 1], 'no check needed the server');
      assert.equal(v.stats().cacheDrops, 0);
    } finally {
      v?.close();
      await gate.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const postgres = await skipUnlessService('postgres');

describe('SessionValidator and a gap in the seqs (PostgreSQL)', { skip: postgres }, () => {
  let db: ThrowawayDatabase;
  let w: World;
  before(async () => {
    db = await createThrowawayDatabase();
    w = await world({ SESSIOND_STORE: db.url });
  });
  after(async () => {
    await w?.close();
    await db?.drop();
  });

  /** What a transaction that wrote an event and then rolled back leaves: a seq taken and never used. */
  async function rolledBackSeq(): Promise<void> {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query("SELECT nextval('session_event_seq')");
      await client.query('ROLLBACK');
    } finally {
      await client.end();
    }
  }

  test('a skipped seq drops the whole cache; checks then ask the server, and caching goes on', async () => {
    const v = new SessionValidator({ serverUrl: w.gate.url, sessionId: w.appId, reconnectDelayMs: 20 });
    try {
      await v.start();
      const { sessionId: id } = await w.kim();
      assert.ok(await v.check(id));
      const before = await w.newest();
      await until('caught up', () => v.stats().lastSeq === before);
      await rolledBackSeq();
      await w.kim();
      const after = await w.newest();
      assert.equal(after, before + 2, 'one seq was skipped');
      await until('the next event read', () => v.stats().lastSeq === after);
      assert.equal(v.stats().cacheDrops, 1);
      assert.equal(v.stats().cachedSessions, 0);
      assert.ok(await v.check(id));
      assert.ok(await v.check(id));
      assert.equal(w.checksOf(id), 2, 'asked again once, then cached again');
    } finally {
      v.close();
    }
  });
});
