import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LoginAdmission } from '../../src/core/login-throttle.ts';
import { StoreLoginThrottle, type LoginLimits } from '../../src/limits/login-throttle.ts';
import type { StoreRateLimiters } from '../../src/store/rate-limiters.ts';
import { PASSWORD, rejectsWith, withStore, type OpenStore } from './conformance-kit.ts';

const LIMITS: LoginLimits = { maxFailures: 3, maxFailuresPerAddress: 5, failureWindowSeconds: 600, lockoutSeconds: 600, perUserPerHour: 100 };

const throttleOn = (limiters: StoreRateLimiters, limits: Partial<LoginLimits> = {}) => new StoreLoginThrottle(limiters, { ...LIMITS, ...limits }, 'conf');

const refused = (a: LoginAdmission) => (a.admitted ? null : { limit: a.limit, reachedLimit: a.reachedLimit });

/** Issue 16 on every store: names in any letter case, failed logins audited, login counters in the store. */
export function runLimitConformance(name: string, open: OpenStore): void {
  describe('usernames in any letter case', () => {
    test('`ALICE` cannot be created beside `alice`; any case finds, signs in and changes the stored user; a delete frees the name', () =>
      withStore(open, async (f) => {
        await f.user('alice');
        await rejectsWith(f.users.createUser({ username: 'ALICE', password: PASSWORD }), 'DUPLICATE_USERNAME');
        await rejectsWith(f.users.createUser({ username: 'Alice', password: PASSWORD }), 'DUPLICATE_USERNAME');
        assert.equal((await f.store.users.find('aLiCe'))?.username, 'alice');
        assert.deepEqual((await f.users.listUsers()).map((u) => u.username), ['alice']);

        const out = await f.service.login({ username: 'ALICE', password: PASSWORD, address: '127.0.0.1' });
        assert.equal(out.session.username, 'alice', 'the session carries the stored name');
        await f.users.setActive('Alice', false);
        await rejectsWith(f.service.login({ username: 'alice', password: PASSWORD, address: '127.0.0.1' }), 'INVALID_LOGIN');
        await f.users.setActive('ALICE', true);

        await f.users.delete('ALICE', 'test');
        assert.equal(await f.store.users.find('alice'), null);
        await f.users.createUser({ username: 'ALICE', password: PASSWORD });
        assert.equal((await f.store.users.find('alice'))?.username, 'ALICE');
      }));

    test('only ASCII letters fold: a name with the Kelvin sign is not `kim`', () =>
      withStore(open, async (f) => {
        await f.user('kim');
        assert.equal(await f.store.users.find('\u212Aim'), null);
        await f.users.createUser({ username: 'kim2', password: PASSWORD });
        assert.equal((await f.store.users.find('KIM2'))?.username, 'kim2');
      }));
  });

  describe('failed logins', () => {
    test('are audited as login.failed: the address, the name as typed only when it names a user, never the password', () =>
      withStore(open, async (f) => {
        const nina = await f.user('nina');
        await rejectsWith(f.service.login({ username: 'NINA', password: 'wrong-secret-1', address: '203.0.113.5' }), 'INVALID_LOGIN');
        await rejectsWith(f.service.login({ username: 'Hunter2-Secret', password: 'wrong-secret-2', address: '203.0.113.5', project: 'crm' }), 'INVALID_LOGIN');
        const failed = (await f.store.audit.list({ limit: 10 })).filter((r) => r.event === 'login.failed');
        assert.deepEqual(
          failed.map((r) => ({ userId: r.userId, project: r.project, reason: r.reason, actor: r.actor, handle: r.handle })),
          [
            { userId: null, project: 'crm', reason: 'invalid-credentials', actor: '203.0.113.5', handle: null },
            { userId: nina.userId, project: 'default', reason: 'invalid-credentials username=NINA', actor: '203.0.113.5', handle: null },
          ],
        );
        const text = JSON.stringify(await f.store.audit.list({ limit: 50 }));
        for (const secret of ['wrong-secret-1', 'wrong-secret-2', 'Hunter2-Secret']) assert.ok(!text.includes(secret), `the audit holds ${secret}`);
        assert.equal(f.emitted.filter((e) => e.event === 'login.failed').length, 2, 'announced like every audit event');
      }));
  });

  describe(`${name} login counters`, () => {
    test('N attempts at once use N of the budget: of 20 for one pair, exactly the limit are admitted; one refusal says it reached the limit', () =>
      withStore(open, async (_f, opened) => {
        const throttle = throttleOn(opened.store.rateLimiters, { maxFailuresPerAddress: 100 });
        const answers = await Promise.all(Array.from({ length: 20 }, () => throttle.admit({ username: 'Oscar', address: '198.51.100.1' })));
        assert.equal(answers.filter((a) => a.admitted).length, 3);
        const refusals = answers.map(refused).filter((r) => r !== null);
        assert.ok(refusals.every((r) => r.limit === 'locked-out'));
        assert.equal(refusals.filter((r) => r.reachedLimit).length, 1);
        // The same name in another case is the same pair; another address is not.
        assert.deepEqual(refused(await throttle.admit({ username: 'oscar', address: '198.51.100.1' })), { limit: 'locked-out', reachedLimit: false });
        assert.equal((await throttle.admit({ username: 'oscar', address: '198.51.100.2' })).admitted, true);
      }));

    test('a right password forgets the count of its pair, but never a lockout other attempts started meanwhile', () =>
      withStore(open, async (_f, opened) => {
        const throttle = throttleOn(opened.store.rateLimiters, { maxFailuresPerAddress: 100 });
        const pat = { username: 'pat', address: '198.51.100.3' };
        for (let i = 0; i < 2; i++) assert.equal((await throttle.admit(pat)).admitted, true);
        await throttle.succeeded(pat);
        for (let i = 0; i < 2; i++) assert.equal((await throttle.admit(pat)).admitted, true, 'a fresh budget after a right password');

        assert.equal((await throttle.admit(pat)).admitted, true, 'the right password: admitted, its check still running');
        assert.equal(refused(await throttle.admit(pat))?.limit, 'locked-out', 'meanwhile a guess reaches the limit');
        await throttle.succeeded(pat);
        assert.equal(refused(await throttle.admit(pat))?.limit, 'locked-out', 'the lockout stays after the right password settles');
      }));

    test('the address budget counts failures across usernames; a right password or an undecided check gives its point back', () =>
      withStore(open, async (_f, opened) => {
        const throttle = throttleOn(opened.store.rateLimiters, { maxFailuresPerAddress: 5 });
        const address = '198.51.100.4';
        const good = { username: 'quinn', address };
        assert.equal((await throttle.admit(good)).admitted, true);
        await throttle.succeeded(good);
        const lost = { username: 'rita', address };
        assert.equal((await throttle.admit(lost)).admitted, true);
        await throttle.release(lost);
        for (let i = 0; i < 5; i++) assert.equal((await throttle.admit({ username: `spray${i}`, address })).admitted, true);
        assert.deepEqual(refused(await throttle.admit({ username: 'spray5', address })), { limit: 'rate-limited', reachedLimit: true });
        assert.deepEqual(refused(await throttle.admit(good)), { limit: 'rate-limited', reachedLimit: false });
        assert.equal((await throttle.admit({ username: 'spray6', address: '198.51.100.5' })).admitted, true, 'another address is not limited');
      }));

    test('counters are shared with a second store on the same data and kept across a restart; a sweep keeps live ones', async (t) => {
      const opened = await open();
      try {
        if (!opened.reopen) return t.skip(`${name} keeps counters in this process only`);
        const pair = { username: 'sam', address: '198.51.100.6' };
        for (let i = 0; i < 3; i++) assert.equal((await throttleOn(opened.store.rateLimiters).admit(pair)).admitted, true);
        await opened.store.rateLimiters.sweep(Date.now());
        const other = await opened.reopen();
        try {
          assert.equal(refused(await throttleOn(other.rateLimiters).admit(pair))?.limit, 'locked-out', 'the other node sees the count');
        } finally {
          await other.close();
        }
        await opened.store.close();
        const restarted = await opened.reopen();
        try {
          assert.equal(refused(await throttleOn(restarted.rateLimiters).admit(pair))?.limit, 'locked-out', 'a restart keeps the lockout');
        } finally {
          await restarted.close();
        }
      } finally {
        await opened.cleanup();
      }
    });
  });
}
