import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { needsRehash } from '../../src/core/password.ts';
import { INVALID_SESSION_ID_PER_ID_MESSAGE } from '../../src/core/status-codes.ts';
import { PASSWORD, rejectsWith, withStore, type OpenStore } from './conformance-kit.ts';

const OK = { success: true, errors: [] };
const BAD = { success: false, errors: [{ statusCode: 'INVALID_SESSION_ID', message: INVALID_SESSION_ID_PER_ID_MESSAGE, fields: [] }] };

/** A hash made by the code before PHC strings, for the password `legacy-password-1`. */
const LEGACY_HASH = 'scrypt$1024$8$1$yp_QQQfjltipSjfX6SURDA$cEv2ZaVyqLkC3DYNfU4Cbku7UfXA79yr31I6u1tKDLc';

/** Issue 17 on every store: where sessions came from, self-service, and whole accounts. */
export function runAccountConformance(open: OpenStore): void {
  describe('where a session came from', () => {
    test('a session keeps the address and user agent of its login (cut to 256) in every read and list', () =>
      withStore(open, async (f) => {
        const uma = await f.user('uma');
        const longAgent = `Mozilla/5.0 ${'x'.repeat(400)}`;
        const a = await uma.login(undefined, { address: '203.0.113.9', userAgent: longAgent });
        const b = await uma.login(undefined, { address: '2001:db8::7' });
        assert.equal(a.session.userAgent, longAgent.slice(0, 256));
        const found = await f.store.sessions.findByHash(a.session.idHash);
        assert.deepEqual([found?.ip, found?.userAgent], ['203.0.113.9', longAgent.slice(0, 256)]);
        const listed = (await f.service.listSessions({ username: 'uma', limit: 10 })).sessions;
        assert.deepEqual(
          listed.map((s) => [s.handle, s.ip, s.userAgent]).sort(),
          [
            [a.session.handle, '203.0.113.9', longAgent.slice(0, 256)],
            [b.session.handle, '2001:db8::7', null],
          ].sort(),
        );
        const [ended] = await f.store.sessions.endByHandle([a.session.handle], { reason: 'admin', now: f.clock.now(), actor: 'test' });
        assert.deepEqual([ended?.ip, ended?.userAgent], ['203.0.113.9', longAgent.slice(0, 256)]);
      }));
  });

  describe('users through the port', () => {
    test('a password hash is replaced, and with `expected` only while the stored one is still that one', () =>
      withStore(open, async (f) => {
        await f.user('pat');
        const before = (await f.store.users.find('pat'))!.passwordHash;
        assert.equal(await f.store.users.setPasswordHash('pat', '$scrypt$other', 'not-the-stored-hash'), false);
        assert.equal((await f.store.users.find('pat'))!.passwordHash, before);
        assert.equal(await f.store.users.setPasswordHash('pat', '$scrypt$new', before), true);
        assert.equal((await f.store.users.find('pat'))!.passwordHash, '$scrypt$new');
        assert.equal(await f.store.users.setPasswordHash('nobody', '$scrypt$new'), false);
      }));

    test('update changes only the fields given; delete removes the user and frees the username', () =>
      withStore(open, async (f) => {
        await f.users.createUser({ username: 'ron', password: PASSWORD, permissions: ['events'] });
        assert.equal(await f.store.users.update('ron', { admin: true }), true);
        assert.deepEqual([(await f.store.users.find('ron'))?.admin, (await f.store.users.find('ron'))?.permissions], [true, ['events']]);
        assert.equal(await f.store.users.update('ron', { permissions: [] }), true);
        assert.deepEqual([(await f.store.users.find('ron'))?.admin, (await f.store.users.find('ron'))?.permissions], [true, []]);
        assert.equal(await f.store.users.update('nobody', { admin: true }), false);
        assert.equal(await f.store.users.delete('ron'), true);
        assert.equal(await f.store.users.find('ron'), null);
        assert.deepEqual(await f.store.users.list(), []);
        assert.equal(await f.store.users.delete('ron'), false);
        await f.user('ron');
        assert.equal((await f.store.users.find('ron'))?.admin, false);
      }));

    test('a hash made before PHC strings signs in and is re-hashed with the configured policy at that login', () =>
      withStore(open, async (f) => {
        await f.store.users.create({
          userId: '005000000000LEGACY',
          username: 'old-timer',
          passwordHash: LEGACY_HASH,
          admin: false,
          active: true,
          createdAt: f.clock.now(),
          permissions: [],
        });
        await f.service.login({ username: 'old-timer', password: 'legacy-password-1', address: '127.0.0.1' });
        const rehashed = (await f.store.users.find('old-timer'))!.passwordHash;
        assert.match(rehashed, /^\$scrypt\$ln=10,r=8,p=1\$/);
        assert.equal(needsRehash(rehashed, { algorithm: 'scrypt', N: 1024, r: 8, p: 1 }), false);
        await f.service.login({ username: 'old-timer', password: 'legacy-password-1', address: '127.0.0.1' });
        await rejectsWith(f.service.login({ username: 'old-timer', password: 'legacy-password-2', address: '127.0.0.1' }), 'INVALID_LOGIN');
      }));
  });

  describe('self-service', () => {
    test("a user lists only their own sessions and ends only their own: another's handle answers like an unknown one", () =>
      withStore(open, async (f) => {
        const sam = await f.user('sam');
        const tom = await f.user('tom');
        const current = await sam.login();
        const other = await sam.login();
        const toms = await tom.login();
        const mine = await f.ownSessions.list(current.session);
        assert.deepEqual(mine.map((s) => s.handle).sort(), [current.session.handle, other.session.handle].sort());
        const results = await f.ownSessions.invalidate(current.session, [toms.session.handle, other.session.handle, 'h_unknown']);
        assert.deepEqual(results, [BAD, OK, BAD]);
        assert.equal(await f.alive(toms.id), true, "another user's session is untouched");
        assert.equal(await f.alive(other.id), false);
        assert.equal(await f.alive(current.id), true);
      }));

    test('signing out everywhere else ends every other session of the user and keeps the current one', () =>
      withStore(open, async (f) => {
        const sue = await f.user('sue');
        const current = await sue.login();
        const others = [await sue.login(), await sue.login('short')];
        const bystander = await (await f.user('bea')).login();
        assert.equal(await f.ownSessions.endOthers(current.session), 2);
        for (const o of others) assert.equal(await f.alive(o.id), false);
        assert.equal(await f.alive(current.id), true);
        assert.equal(await f.alive(bystander.id), true);
      }));

    test('changing the password needs the current one (a wrong one counts as a failed login) and ends the other sessions', () =>
      withStore(open, async (f) => {
        const cal = await f.user('cal');
        const current = await cal.login();
        const other = await cal.login();
        const caller = await f.service.authenticateUser(current.id);
        await rejectsWith(
          f.accounts.changeOwnPassword(caller, { currentPassword: 'wrong-pass-1', newPassword: 'brand-new-pass-2', address: '198.51.100.4' }),
          'INVALID_LOGIN',
        );
        assert.deepEqual(f.throttle.failures, [{ username: 'cal', address: '198.51.100.4' }]);
        assert.equal(await f.alive(other.id), true, 'a refused change ends nothing');
        const outcome = await f.accounts.changeOwnPassword(caller, { currentPassword: PASSWORD, newPassword: 'brand-new-pass-2', address: '198.51.100.4' });
        assert.deepEqual(outcome, { endedOtherSessions: 1 });
        assert.equal(await f.alive(other.id), false);
        assert.equal(await f.alive(current.id), true);
        await rejectsWith(f.service.login({ username: 'cal', password: PASSWORD, address: '127.0.0.1' }), 'INVALID_LOGIN');
        await f.service.login({ username: 'cal', password: 'brand-new-pass-2', address: '127.0.0.1' });
        const audit = await f.store.audit.list({ limit: 50 });
        assert.ok(audit.some((r) => r.event === 'user.password-changed' && r.actor === current.session.handle));
      }));
  });

  describe('accounts', () => {
    test('deactivating ends the user’s sessions and refuses logins until activated; each step is audited with its actor', () =>
      withStore(open, async (f) => {
        await f.user('root', true);
        const dan = await f.user('dan');
        const s = await dan.login();
        assert.deepEqual(await f.accounts.deactivate('dan', 'h_actor'), { ended: 1 });
        assert.equal(await f.alive(s.id), false);
        await rejectsWith(dan.login(), 'INVALID_LOGIN');
        await f.accounts.activate('dan', 'h_actor');
        await dan.login();
        const events = (await f.store.audit.list({ limit: 50 })).filter((r) => r.event.startsWith('user.') && r.userId === dan.userId);
        assert.deepEqual(
          events.map((r) => [r.event, r.actor]),
          [
            ['user.activated', 'h_actor'],
            ['user.deactivated', 'h_actor'],
            ['user.created', null],
          ],
        );
      }));

    test('a password reset and a delete end the user’s sessions; a deleted user cannot sign in', () =>
      withStore(open, async (f) => {
        const eve = await f.user('eve');
        const s1 = await eve.login();
        assert.deepEqual(await f.accounts.resetPassword('eve', 'reset-pass-word-3', 'cli'), { ended: 1 });
        assert.equal(await f.alive(s1.id), false);
        await rejectsWith(eve.login(), 'INVALID_LOGIN');
        const s2 = await f.service.login({ username: 'eve', password: 'reset-pass-word-3', address: '127.0.0.1' });
        assert.deepEqual(await f.accounts.delete('eve', 'cli'), { ended: 1 });
        assert.equal(await f.alive(s2.sessionId), false);
        await rejectsWith(f.service.login({ username: 'eve', password: 'reset-pass-word-3', address: '127.0.0.1' }), 'INVALID_LOGIN');
        await rejectsWith(f.accounts.delete('eve', 'cli'), 'NOT_FOUND');
        const audit = (await f.store.audit.list({ limit: 50 })).filter((r) => r.userId === eve.userId && r.event.startsWith('user.'));
        assert.deepEqual(audit.map((r) => r.event), ['user.deleted', 'user.password-reset', 'user.created']);
      }));

    test('the last active admin cannot be deactivated, deleted or demoted; with a second admin each works', () =>
      withStore(open, async (f) => {
        const root = await f.user('root', true);
        await f.user('inactive-admin', true);
        await f.accounts.deactivate('inactive-admin', 'cli');
        await rejectsWith(f.accounts.deactivate('root', 'cli'), 'LAST_ADMIN');
        await rejectsWith(f.accounts.delete('root', 'cli'), 'LAST_ADMIN');
        await rejectsWith(f.accounts.update('root', { admin: false }, 'cli'), 'LAST_ADMIN');
        const kept = await f.store.users.find('root');
        assert.deepEqual([kept?.admin, kept?.active], [true, true], 'nothing changed');
        assert.equal((await f.accounts.update('root', { permissions: ['events', 'events'] }, 'cli')).permissions.join(), 'events');
        await f.accounts.update('inactive-admin', { admin: false }, 'cli');
        await f.user('second', true);
        const demoted = await f.accounts.update('root', { admin: false }, 'cli');
        assert.equal(demoted.admin, false);
        assert.equal(root.username, 'root');
        await rejectsWith(f.accounts.deactivate('second', 'cli'), 'LAST_ADMIN');
      }));

    test('two admins taking each other’s rights away at the same moment never leave no active admin', () =>
      withStore(open, async (f) => {
        const actions = [
          (a: string) => f.accounts.update(a, { admin: false }, 'cli'),
          (a: string) => f.accounts.deactivate(a, 'cli'),
          (a: string) => f.accounts.delete(a, 'cli'),
        ];
        for (const [i, takeAway] of actions.entries()) {
          const [x, y] = [`x${i}`, `y${i}`];
          await f.user(x, true);
          await f.user(y, true);
          for (const other of (await f.store.users.list()).filter((u) => u.admin && u.active && u.username !== x && u.username !== y)) {
            await f.accounts.update(other.username, { admin: false }, 'cli');
          }
          const outcomes = await Promise.allSettled([takeAway(x), takeAway(y)]);
          const refused = outcomes.filter((o) => o.status === 'rejected');
          for (const o of refused) assert.equal((o.reason as { code?: string }).code, 'LAST_ADMIN');
          assert.ok(refused.length >= 1, 'at most one of the two goes through');
          const admins = (await f.store.users.list()).filter((u) => u.admin && u.active);
          assert.ok(admins.length >= 1, `an active admin is left after ${i}`);
        }
      }));
  });
}
