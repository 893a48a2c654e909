import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LoginAdmission } from '../../src/core/login-throttle.ts';
import { StoreLoginThrottle, type LoginLimits } from '../../src/limits/login-throttle.ts';
import type { StoreRateLimiters } from '../../src/store/rate-limiters.ts';
import { PASSWORD, rejectsWith, withStore, type OpenStore } from './conformance-kit.ts';

const LIMITS: LoginLimits = { maxFailures: 3, maxFailuresPerAddress: 5, failureWindowSeconds: 600, lockoutSeconds: 600, perUserPerHour: 100 };

/**
 * An attempt held back by checks in flight waits 5 s in service before it is refused; here it
 * waits 200 ms, so the tests that hold tickets on purpose (and are refused after the wait) take
 * well under a second per store instead of 5–25 s. test/api/login-attacks.test.ts keeps the 5 s.
 */
const BUSY_WAIT_MS = 200;

const throttleOn = (limiters: StoreRateLimiters, limits: Partial<LoginLimits> = {}) =>
  new StoreLoginThrottle(limiters, { ...LIMITS, ...limits }, 'conf', { busyWaitMs: BUSY_WAIT_MS });

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
    test('N attempts at once use N of the budget: of 20 for one pair, exactly the limit are checked; their failures start one lockout', () =>
      withStore(open, async (_f, opened) => {
        const throttle = throttleOn(opened.store.rateLimiters, { maxFailuresPerAddress: 100 });
        const oscar = { username: 'Oscar', address: '198.51.100.1' };
        const answers = await Promise.all(Array.from({ length: 20 }, () => throttle.admit(oscar)));
        const admitted = answers.flatMap((a) => (a.admitted ? [a.ticket] : []));
        assert.equal(admitted.length, 3);
        assert.ok(answers.every((a) => a.admitted || (a.limit === 'rate-limited' && !a.reachedLimit)), 'the rest wait; no lockout yet');
        const settled = await Promise.all(admitted.map((ticket) => throttle.failed(oscar, ticket)));
        assert.equal(settled.filter((s) => s.lockoutStarted).length, 1, 'one settle says it started the lockout');
        // The same name in another case is the same pair; another address is not.
        assert.deepEqual(refused(await throttle.admit({ username: 'oscar', address: '198.51.100.1' })), { limit: 'locked-out', reachedLimit: false });
        assert.equal((await throttle.admit({ username: 'oscar', address: '198.51.100.2' })).admitted, true);
      }));

    test('one by one, the failure that fills the budget starts the lockout; a right password before it forgets the count', () =>
      withStore(open, async (_f, opened) => {
        const throttle = throttleOn(opened.store.rateLimiters, { maxFailuresPerAddress: 100 });
        const pat = { username: 'pat', address: '198.51.100.3' };
        const fail = async () => {
          const a = await throttle.admit(pat);
          assert.ok(a.admitted);
          return (await throttle.failed(pat, a.ticket)).lockoutStarted;
        };
        assert.deepEqual([await fail(), await fail()], [false, false]);
        const right = await throttle.admit(pat);
        assert.ok(right.admitted);
        await throttle.succeeded(pat, right.ticket);
        assert.deepEqual([await fail(), await fail(), await fail()], [false, false, true], 'a fresh budget after the right password');
        assert.equal(refused(await throttle.admit(pat))?.limit, 'locked-out');
      }));

    test('wrong and right passwords at once: the right one settling first does not stop the lockout the wrong ones earned', () =>
      withStore(open, async (_f, opened) => {
        const throttle = throttleOn(opened.store.rateLimiters, { maxFailuresPerAddress: 100 });
        const rhea = { username: 'rhea', address: '198.51.100.7' };
        const admitted = await Promise.all([throttle.admit(rhea), throttle.admit(rhea), throttle.admit(rhea)]);
        const [w1, w2, right] = admitted.map((a) => (a.admitted ? a.ticket : assert.fail('admitted')));
        for (let i = 0; i < 5; i++) assert.equal(refused(await throttle.admit(rhea))?.limit, 'rate-limited', 'the budget is held');
        await throttle.succeeded(rhea, right!);
        assert.equal((await throttle.failed(rhea, w1!)).lockoutStarted, true, 'guesses outran the budget while it was checked');
        assert.equal((await throttle.failed(rhea, w2!)).lockoutStarted, false);
        assert.equal(refused(await throttle.admit(rhea))?.limit, 'locked-out');
      }));

    test('a burst of right passwords gets some refusals and no lockout', () =>
      withStore(open, async (_f, opened) => {
        const throttle = throttleOn(opened.store.rateLimiters, { maxFailuresPerAddress: 100 });
        const svc = { username: 'svc', address: '198.51.100.8' };
        const answers = await Promise.all(Array.from({ length: 10 }, () => throttle.admit(svc)));
        assert.equal(answers.filter((a) => a.admitted).length, 3);
        for (const a of answers) if (a.admitted) await throttle.succeeded(svc, a.ticket);
        const later = await throttle.admit(svc);
        assert.equal(later.admitted, true, 'not locked out');
        // A mistake after the burst is one failure, not a lockout.
        assert.ok(later.admitted);
        assert.equal((await throttle.failed(svc, later.ticket)).lockoutStarted, false);
        assert.equal((await throttle.admit(svc)).admitted, true);
      }));

    test('the address budget counts failures across usernames; a right password or an undecided check gives its point back', () =>
      withStore(open, async (_f, opened) => {
        const throttle = throttleOn(opened.store.rateLimiters, { maxFailuresPerAddress: 5 });
        const address = '198.51.100.4';
        const good = { username: 'quinn', address };
        const g = await throttle.admit(good);
        assert.ok(g.admitted);
        await throttle.succeeded(good, g.ticket);
        const lost = { username: 'rita', address };
        const l = await throttle.admit(lost);
        assert.ok(l.admitted);
        await throttle.release(lost, l.ticket);
        for (let i = 0; i < 5; i++) {
          const spray = { username: `spray${i}`, address };
          const a = await throttle.admit(spray);
          assert.ok(a.admitted, `spray ${i}`);
          await throttle.failed(spray, a.ticket);
        }
        assert.deepEqual(refused(await throttle.admit({ username: 'spray5', address })), { limit: 'rate-limited', reachedLimit: true });
        assert.deepEqual(refused(await throttle.admit(good)), { limit: 'rate-limited', reachedLimit: false });
        assert.equal((await throttle.admit({ username: 'spray6', address: '198.51.100.5' })).admitted, true, 'another address is not limited');
      }));

    test('counters are shared with a second store on the same data and kept across a restart; a sweep keeps live ones', async (t) => {
      const opened = await open();
      try {
        if (!opened.reopen) return t.skip(`${name} keeps counters in this process only`);
        const pair = { username: 'sam', address: '198.51.100.6' };
        const first = throttleOn(opened.store.rateLimiters);
        for (let i = 0; i < 2; i++) {
          const a = await first.admit(pair);
          assert.ok(a.admitted);
          await first.failed(pair, a.ticket);
        }
        await opened.store.rateLimiters.sweep(Date.now());
        const other = await opened.reopen();
        try {
          const second = throttleOn(other.rateLimiters);
          const a = await second.admit(pair);
          assert.ok(a.admitted);
          assert.equal((await second.failed(pair, a.ticket)).lockoutStarted, true, 'the other node counted on from 2');
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
