import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { isSessiondError } from '../../src/core/errors.ts';
import { ExpiryPolicies } from '../../src/core/expiry.ts';
import { unlimitedLoginThrottle } from '../../src/core/login-throttle.ts';
import { hashSecretId } from '../../src/core/secret-id.ts';
import { SessionCache } from '../../src/core/session-cache.ts';
import { SessionEvents } from '../../src/core/session-events.ts';
import { SessionService } from '../../src/core/session-service.ts';
import { LocalInvalidationBus } from '../../src/core/invalidation-bus.ts';
import type { AuditRecord } from '../../src/core/types.ts';
import { UserDirectory } from '../../src/core/users.ts';
import { openMemoryStore } from '../../src/store/memory/memory-store.ts';
import type { Store } from '../../src/core/ports/store.ts';

/** Core's session engine on the in-memory reference store, with time moved by hand. */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

function rejectsWith(code: string) {
  return (error: unknown) => isSessiondError(error) && error.code === code;
}

describe('core session engine', () => {
  let clock: ManualClock;
  let store: Store;
  let service: SessionService;
  let events: AuditRecord[];
  let users: UserDirectory;

  beforeEach(async () => {
    clock = new ManualClock();
    store = openMemoryStore();
    const sessionEvents = new SessionEvents();
    events = [];
    sessionEvents.on((e) => events.push(e));
    users = new UserDirectory(store.users, store.audit, clock, sessionEvents, { algorithm: 'scrypt', N: 1024, r: 8, p: 1 });
    service = new SessionService({
      store,
      bus: new LocalInvalidationBus(),
      cache: new SessionCache({ maxEntries: 0, maxAgeMs: 0 }),
      clock,
      policies: new ExpiryPolicies(
        { idleTimeoutMs: 2 * HOUR, absoluteLifetimeMs: 24 * HOUR, touchIntervalMs: MINUTE },
        new Map([
          ['short', { idleTimeoutMs: 5 * MINUTE, absoluteLifetimeMs: HOUR }],
          ['tiny', { idleTimeoutMs: 30 * SECOND }],
        ]),
      ),
      users,
      throttle: unlimitedLoginThrottle,
      events: sessionEvents,
    });
    await users.createUser({ username: 'sam', password: 'sam-password-1' });
  });

  const signIn = (project?: string) => service.login({ username: 'sam', password: 'sam-password-1', project, address: '127.0.0.1' });

  test('a session ID is prefixed, random, and only its hash is stored', async () => {
    const a = await signIn();
    const b = await signIn();
    assert.match(a.sessionId, /^sd1_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a.sessionId, b.sessionId);
    assert.equal(Buffer.from(a.sessionId.slice(4), 'base64url').length, 32);
    const stored = await store.sessions.findByHash(hashSecretId(a.sessionId));
    assert.equal(stored?.handle, a.session.handle);
    assert.ok(!JSON.stringify(stored).includes(a.sessionId.slice(4)));
  });

  test('idle expiry: refused once idle for the idle timeout, kept alive by use', async () => {
    const { sessionId } = await signIn();
    clock.advance(2 * HOUR - 1);
    await service.authenticate(sessionId); // slides the idle timer
    clock.advance(2 * HOUR - 1);
    await service.authenticate(sessionId);
    clock.advance(2 * HOUR);
    await assert.rejects(service.authenticate(sessionId), rejectsWith('INVALID_SESSION_ID'));
  });

  test('absolute expiry: refused after the lifetime however busy the session is', async () => {
    const { sessionId } = await signIn();
    for (let i = 0; i < 23; i++) {
      clock.advance(HOUR);
      await service.authenticate(sessionId);
    }
    clock.advance(HOUR - 1);
    const alive = await service.authenticate(sessionId);
    assert.equal(alive.idleExpiresAt, alive.absoluteExpiresAt, 'the idle timer never slides past the absolute lifetime');
    clock.advance(1);
    await assert.rejects(service.authenticate(sessionId), rejectsWith('INVALID_SESSION_ID'));
  });

  test('per-project policies apply', async () => {
    const { sessionId, idleTimeoutSeconds } = await signIn('short');
    assert.equal(idleTimeoutSeconds, 300);
    clock.advance(5 * MINUTE);
    await assert.rejects(service.authenticate(sessionId), rejectsWith('INVALID_SESSION_ID'));
  });

  test('a project whose idle timeout is shorter than the touch interval still slides while in use', async () => {
    const { sessionId } = await signIn('tiny');
    for (let i = 0; i < 10; i++) {
      clock.advance(20 * SECOND);
      await service.authenticate(sessionId);
    }
    clock.advance(30 * SECOND);
    await assert.rejects(service.authenticate(sessionId), rejectsWith('INVALID_SESSION_ID'));
  });

  test('lastSeenAt is written at most once per touch interval', async () => {
    const { sessionId, session } = await signIn();
    const hash = hashSecretId(sessionId);
    clock.advance(59 * SECOND);
    await service.authenticate(sessionId);
    assert.equal((await store.sessions.findByHash(hash))?.lastSeenAt, session.createdAt);
    clock.advance(SECOND);
    await service.authenticate(sessionId);
    assert.equal((await store.sessions.findByHash(hash))?.lastSeenAt, session.createdAt + MINUTE);
    assert.equal((await store.sessions.findByHash(hash))?.idleExpiresAt, session.createdAt + MINUTE + 2 * HOUR);
  });

  test('sweeping removes expired sessions (idle and absolute), audited and announced as expired, and leaves live ones', async () => {
    const idle = await signIn();
    const busy = await signIn();
    clock.advance(HOUR);
    const fresh = await signIn();
    for (let i = 0; i < 23; i++) {
      clock.advance(HOUR - MINUTE);
      await service.authenticate(busy.sessionId);
      await service.authenticate(fresh.sessionId);
    }
    // idle: 2 h idle long ago; busy: past 24 h absolute; fresh: within both.
    clock.set(busy.session.absoluteExpiresAt);
    events.length = 0;
    const removed = await service.sweepExpired(1);
    assert.equal(removed, 2);
    assert.deepEqual(
      events.map((e) => [e.event, e.handle, e.reason, e.actor]).sort(),
      [
        ['session.ended', busy.session.handle, 'expired', 'sweeper'],
        ['session.ended', idle.session.handle, 'expired', 'sweeper'],
      ].sort(),
    );
    assert.equal(await store.sessions.findByHash(idle.session.idHash), null);
    assert.equal(await store.sessions.findByHash(busy.session.idHash), null);
    assert.notEqual(await store.sessions.findByHash(fresh.session.idHash), null);
    for (const s of [idle, busy]) {
      const audit = await store.audit.list({ limit: 10, handle: s.session.handle });
      assert.deepEqual(audit.map((r) => [r.event, r.reason]), [['session.ended', 'expired'], ['session.created', null]]);
    }
    assert.equal(await service.sweepExpired(), 0);
  });

  test('invalidateSessions: results in input order; expired IDs look like unknown ones and are audited as expired', async () => {
    const caller = await signIn();
    const old = await signIn('short');
    clock.advance(5 * MINUTE);
    const live = await signIn();
    const results = await service.invalidateSessions(caller.sessionId, [live.sessionId, old.sessionId, 'nope', live.sessionId]);
    assert.deepEqual(
      results.map((r) => r.success),
      [true, false, false, false],
    );
    assert.deepEqual(results[1], results[2]);
    assert.deepEqual(results[2], results[3]);
    const audit = await store.audit.list({ limit: 10, handle: old.session.handle });
    assert.equal(audit[0]?.reason, 'expired');
  });

  test('invalidateSessions refuses more than 200 IDs before touching the store', async () => {
    const caller = await signIn();
    const victim = await signIn();
    const ids = [victim.sessionId, ...Array.from({ length: 200 }, () => 'x')];
    await assert.rejects(service.invalidateSessions(caller.sessionId, ids), rejectsWith('EXCEEDED_ID_LIMIT'));
    await service.authenticate(victim.sessionId);
  });

  test('logout ends the session with reason logout; a second logout is INVALID_SESSION_ID', async () => {
    const s = await signIn();
    await service.logout(s.sessionId);
    assert.deepEqual(events.at(-1), {
      at: clock.now(),
      event: 'session.ended',
      handle: s.session.handle,
      userId: s.user.userId,
      project: 'default',
      reason: 'logout',
      actor: s.session.handle,
    });
    await assert.rejects(service.logout(s.sessionId), rejectsWith('INVALID_SESSION_ID'));
  });

  test('an inactive user cannot log in; wrong password and unknown user are the same refusal', async () => {
    await users.setActive('sam', false);
    await assert.rejects(signIn(), rejectsWith('INVALID_LOGIN'));
    await users.setActive('sam', true);
    await assert.rejects(service.login({ username: 'sam', password: 'nope-nope-1', address: 'a' }), rejectsWith('INVALID_LOGIN'));
    await assert.rejects(service.login({ username: 'nobody', password: 'nope-nope-1', address: 'a' }), rejectsWith('INVALID_LOGIN'));
  });

  afterEach(() => store.close());
});

describe('core with a validation cache', () => {
  let clock: ManualClock;
  let store: Store;

  before(() => {
    clock = new ManualClock();
    store = openMemoryStore();
  });
  after(() => store.close());

  test('an ended session is refused at once on the node that ended it, even when cached', async () => {
    const events = new SessionEvents();
    const users = new UserDirectory(store.users, store.audit, clock, events, { algorithm: 'scrypt', N: 1024, r: 8, p: 1 });
    const service = new SessionService({
      store,
      bus: new LocalInvalidationBus(),
      cache: new SessionCache({ maxEntries: 100, maxAgeMs: HOUR }),
      clock,
      policies: new ExpiryPolicies(),
      users,
      throttle: unlimitedLoginThrottle,
      events,
    });
    await users.createUser({ username: 'tess', password: 'tess-password-1' });
    const a = await service.login({ username: 'tess', password: 'tess-password-1', address: 'x' });
    const b = await service.login({ username: 'tess', password: 'tess-password-1', address: 'x' });
    await service.authenticate(a.sessionId);
    await service.invalidateSessions(b.sessionId, [a.sessionId]);
    await assert.rejects(service.authenticate(a.sessionId), rejectsWith('INVALID_SESSION_ID'));
  });
});
