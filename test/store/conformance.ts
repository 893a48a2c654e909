import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashSecretId, newSessionId } from '../../src/core/secret-id.ts';
import { INVALID_SESSION_ID_PER_ID_MESSAGE } from '../../src/core/status-codes.ts';
import { runAccountConformance } from './conformance-accounts.ts';
import { runDataConformance } from './conformance-data.ts';
import { runEventConformance } from './conformance-events.ts';
import { runLimitConformance } from './conformance-limits.ts';
import { runListingConformance } from './conformance-listing.ts';
import { runRuleConformance } from './conformance-rules.ts';
import { MINUTE, rejectsWith, withStore, type ConformanceOptions, type OpenStore } from './conformance-kit.ts';

export type { ConformanceStore, ConformanceOptions, OpenStore } from './conformance-kit.ts';

const OK = { success: true, errors: [] };
const BAD = { success: false, errors: [{ statusCode: 'INVALID_SESSION_ID', message: INVALID_SESSION_ID_PER_ID_MESSAGE, fields: [] }] };

/**
 * The one conformance suite every Store passes (SQLite, PostgreSQL, Redis, Redis Cluster).
 * Rules that belong to the service (invalidateSessions, logout, expiry) are checked through a
 * real SessionService over the store; the rest through the port itself. `open` is called once
 * per test and must answer an empty store.
 */
export function runStoreConformance(name: string, open: OpenStore, opts: ConformanceOptions = {}): void {
  describe(`${name}: Store conformance`, () => {
    describe('invalidateSessions', () => {
      test('answers one result per ID in input order: live ones end, unknown, malformed, expired and ended ones fail alike', () =>
        withStore(open, async (f) => {
          const alice = await f.user('alice');
          const caller = await alice.login();
          const a = await alice.login();
          const b = await alice.login();
          const shortLived = await alice.login('short');
          const ended = await alice.login();
          await f.service.logout(ended.id);
          f.clock.advance(3 * MINUTE); // past the 'short' project's idle timeout only
          await f.service.authenticate(caller.id);

          const results = await f.service.invalidateSessions(caller.id, [
            b.id,
            newSessionId(), // well-formed, never issued
            'not-a-session-id',
            shortLived.id,
            ended.id,
            a.id,
          ]);
          assert.deepEqual(results, [OK, BAD, BAD, BAD, BAD, OK]);
          assert.equal(await f.alive(a.id), false);
          assert.equal(await f.alive(b.id), false);
          assert.equal(await f.alive(caller.id), true);
        }));

      test('a duplicate ID ends its session once: the first position succeeds, later ones fail', () =>
        withStore(open, async (f) => {
          const bob = await f.user('bob');
          const caller = await bob.login();
          const target = await bob.login();
          const results = await f.service.invalidateSessions(caller.id, [target.id, target.id, target.id]);
          assert.deepEqual(results, [OK, BAD, BAD]);
          const ends = (await f.store.audit.list({ limit: 50, handle: target.session.handle })).filter((r) => r.event === 'session.ended');
          assert.equal(ends.length, 1, 'one end is audited, not three');
        }));

      test("the caller's own session may be in the list: it ends and the call still answers", () =>
        withStore(open, async (f) => {
          const carol = await f.user('carol');
          const caller = await carol.login();
          const other = await carol.login();
          assert.deepEqual(await f.service.invalidateSessions(caller.id, [caller.id, other.id]), [OK, OK]);
          assert.equal(await f.alive(caller.id), false);
          await rejectsWith(f.service.invalidateSessions(caller.id, []), 'INVALID_SESSION_ID');
        }));

      test('an empty list answers an empty result; a caller without a live session is refused and nothing ends', () =>
        withStore(open, async (f) => {
          const dan = await f.user('dan');
          const caller = await dan.login();
          const target = await dan.login();
          assert.deepEqual(await f.service.invalidateSessions(caller.id, []), []);
          await rejectsWith(f.service.invalidateSessions(newSessionId(), [target.id]), 'INVALID_SESSION_ID');
          await rejectsWith(f.service.invalidateSessions('garbage', [target.id]), 'INVALID_SESSION_ID');
          assert.equal(await f.alive(target.id), true);
        }));

      test('200 IDs end in one call; 201 are refused with EXCEEDED_ID_LIMIT and nothing ends', () =>
        withStore(open, async (f) => {
          const erin = await f.user('erin');
          const caller = await erin.login();
          const ids: string[] = [];
          for (let i = 0; i < 201; i++) ids.push((await erin.login()).id);

          await rejectsWith(f.service.invalidateSessions(caller.id, ids), 'EXCEEDED_ID_LIMIT');
          for (const id of ids) assert.equal(await f.alive(id), true, 'nothing was ended by the refused call');

          const first200 = ids.slice(0, 200);
          const results = await f.service.invalidateSessions(caller.id, first200);
          assert.equal(results.length, 200);
          assert.ok(results.every((r) => r.success));
          for (const id of first200) assert.equal(await f.alive(id), false);
          assert.equal(await f.alive(ids[200]!), true);
        }));

      test('a batch whose transaction fails part-way ends nothing, and the call fails as a whole', async (t) => {
        const opened = await open();
        try {
          if (!opened.failWhenEnding) return t.skip(`${name} gives the suite no way to make a write fail (failWhenEnding)`);
          const { buildService } = await import('./conformance-kit.ts');
          const f = buildService(opened.store);
          const fay = await f.user('fay');
          const caller = await fay.login();
          const [a, b, c] = [await fay.login(), await fay.login(), await fay.login()];
          const disarm = await opened.failWhenEnding(b.session.handle);
          await assert.rejects(f.service.invalidateSessions(caller.id, [a.id, b.id, c.id]));
          await disarm();
          for (const s of [a, b, c]) assert.equal(await f.alive(s.id), true, 'the failed batch ended nothing');
          const audit = await f.store.audit.list({ limit: 100 });
          assert.equal(audit.filter((r) => r.event === 'session.ended').length, 0, 'and audited nothing');
          assert.deepEqual(await f.service.invalidateSessions(caller.id, [a.id, b.id, c.id]), [OK, OK, OK]);
        } finally {
          await opened.cleanup();
        }
      });

      test('two calls racing over the same IDs end each session exactly once', () =>
        withStore(open, async (f) => {
          const gus = await f.user('gus');
          const caller = await gus.login();
          const ids: string[] = [];
          for (let i = 0; i < 20; i++) ids.push((await gus.login()).id);
          const [one, two] = await Promise.all([
            f.service.invalidateSessions(caller.id, ids),
            f.service.invalidateSessions(caller.id, [...ids].reverse()),
          ]);
          const twoInOrder = [...two].reverse();
          ids.forEach((_id, i) => assert.equal(Number(one[i]!.success) + Number(twoInOrder[i]!.success), 1, `ID #${i} ended once`));
        }));

      test('ended sessions are audited with reason invalidated and the caller as actor', () =>
        withStore(open, async (f) => {
          const hal = await f.user('hal');
          const caller = await hal.login();
          const target = await hal.login();
          await f.service.invalidateSessions(caller.id, [target.id]);
          const [last] = await f.store.audit.list({ limit: 1, handle: target.session.handle });
          assert.equal(last?.event, 'session.ended');
          assert.equal(last?.reason, 'invalidated');
          assert.equal(last?.actor, caller.session.handle);
          assert.equal(last?.userId, hal.userId);
        }));
    });

    describe('logout and admin ends', () => {
      test("logout ends the caller's own session; a second logout is INVALID_SESSION_ID", () =>
        withStore(open, async (f) => {
          const ivy = await f.user('ivy');
          const mine = await ivy.login();
          const other = await ivy.login();
          await f.service.logout(mine.id);
          assert.equal(await f.alive(mine.id), false);
          assert.equal(await f.alive(other.id), true);
          await rejectsWith(f.service.logout(mine.id), 'INVALID_SESSION_ID');
          await rejectsWith(f.service.logout(newSessionId()), 'INVALID_SESSION_ID');
          await rejectsWith(f.service.logout(undefined), 'INVALID_SESSION_ID');
          const [last] = await f.store.audit.list({ limit: 1, handle: mine.session.handle });
          assert.equal(last?.reason, 'logout');
        }));

      test('an admin ends sessions by handle, one result per handle in order, duplicates once', () =>
        withStore(open, async (f) => {
          const jo = await f.user('jo');
          const a = await jo.login();
          const b = await jo.login();
          const results = await f.service.invalidateByHandles('h_admin', [
            a.session.handle,
            'h_notARealHandle0000000000',
            'nonsense',
            a.session.handle,
            b.session.handle,
          ]);
          assert.deepEqual(results, [OK, BAD, BAD, BAD, OK]);
          assert.equal(await f.alive(a.id), false);
          assert.equal(await f.alive(b.id), false);
          const [last] = await f.store.audit.list({ limit: 1, handle: b.session.handle });
          assert.equal(last?.reason, 'admin');
          assert.equal(last?.actor, 'h_admin');
          await rejectsWith(f.service.invalidateByHandles('h_admin', Array.from({ length: 201 }, () => a.session.handle)), 'EXCEEDED_ID_LIMIT');
        }));

      test("ending a user's sessions ends all of theirs and nobody else's", () =>
        withStore(open, async (f) => {
          const kim = await f.user('kim');
          const lee = await f.user('lee');
          const kims = [await kim.login(), await kim.login('crm'), await kim.login()];
          const lees = await lee.login();
          assert.equal(await f.service.endSessionsOfUser('kim', 'h_admin'), 3);
          for (const s of kims) assert.equal(await f.alive(s.id), false);
          assert.equal(await f.alive(lees.id), true);
          assert.equal(await f.service.endSessionsOfUser('kim', 'h_admin'), 0);
          await rejectsWith(f.service.endSessionsOfUser('nobody', 'h_admin'), 'NOT_FOUND');
          const [last] = await f.store.audit.list({ limit: 1, handle: kims[1]!.session.handle });
          assert.equal(last?.event, 'session.ended');
          assert.equal(last?.actor, 'h_admin');
          assert.notEqual(last?.reason, 'expired');
        }));
    });

    describe('expiry', () => {
      test('the idle timeout slides on use, at most one write per touch interval', () =>
        withStore(open, async (f) => {
          const max = await f.user('max');
          const s = await max.login();
          f.clock.advance(30_000); // inside the touch interval: no write
          await f.service.authenticate(s.id);
          assert.equal((await f.store.sessions.findByHash(s.session.idHash))?.lastSeenAt, s.session.lastSeenAt);
          f.clock.advance(8 * MINUTE);
          await f.service.authenticate(s.id);
          const touched = await f.store.sessions.findByHash(s.session.idHash);
          assert.equal(touched?.lastSeenAt, f.clock.now());
          assert.equal(touched?.idleExpiresAt, f.clock.now() + 10 * MINUTE);
          f.clock.advance(9 * MINUTE); // 17 minutes after login, 9 after the last use
          assert.equal(await f.alive(s.id), true);
          f.clock.advance(10 * MINUTE);
          assert.equal(await f.alive(s.id), false, 'idle for 10 minutes: expired');
        }));

      test('the absolute lifetime ends a session however busy it is', () =>
        withStore(open, async (f) => {
          const ned = await f.user('ned');
          const s = await ned.login();
          for (let minute = 5; minute < 30; minute += 5) {
            f.clock.advance(5 * MINUTE);
            assert.equal(await f.alive(s.id), true, `alive at minute ${minute}`);
          }
          f.clock.advance(5 * MINUTE);
          assert.equal(await f.alive(s.id), false, 'dead at minute 30');
          assert.deepEqual((await f.service.listSessions({ limit: 10 })).sessions, []);
        }));

      test('ending an expired session answers like an unknown one and is audited as expired', () =>
        withStore(open, async (f) => {
          const oz = await f.user('oz');
          const s = await oz.login('short');
          f.clock.advance(3 * MINUTE);
          const caller = await oz.login();
          assert.deepEqual(await f.service.invalidateSessions(caller.id, [s.id]), [BAD]);
          assert.equal(await f.store.sessions.findByHash(s.session.idHash), null, 'and it is gone');
          const [last] = await f.store.audit.list({ limit: 1, handle: s.session.handle });
          assert.equal(last?.reason, 'expired');
        }));

      test('sweeping removes expired sessions in batches, audits each as expired, and leaves live ones', () =>
        withStore(open, async (f) => {
          const pat = await f.user('pat');
          const old = [];
          for (let i = 0; i < 7; i++) old.push(await pat.login('short'));
          f.clock.advance(3 * MINUTE);
          const live = [await pat.login(), await pat.login('short')];

          const firstBatch = await f.store.sessions.sweepExpired(f.clock.now(), 3);
          assert.equal(firstBatch.length, 3, 'a batch is bounded by its limit');
          assert.equal(await f.service.sweepExpired(2), 4, 'the rest, two at a time');
          assert.equal(await f.service.sweepExpired(2), 0);
          for (const s of old) assert.equal(await f.store.sessions.findByHash(s.session.idHash), null);
          for (const s of live) assert.equal(await f.alive(s.id), true);
          const audit = await f.store.audit.list({ limit: 100 });
          const swept = audit.filter((r) => r.event === 'session.ended');
          assert.equal(swept.length, 7);
          assert.ok(swept.every((r) => r.reason === 'expired' && r.actor === 'sweeper'));
          assert.deepEqual(new Set(swept.map((r) => r.handle)), new Set(old.map((s) => s.session.handle)));
        }));
    });

    describe('listing', () => {
      test('keyset pages cover every live session once, ordered by (createdAt, handle), with filters', () =>
        withStore(open, async (f) => {
          const quinn = await f.user('quinn');
          const rae = await f.user('rae');
          const made = [];
          for (let i = 0; i < 9; i++) {
            // Every third pair shares a millisecond, so the handle breaks the tie.
            if (i % 3 !== 0) f.clock.advance(1000);
            made.push((await (i % 2 ? quinn : rae).login(i % 3 === 2 ? 'crm' : undefined)).session);
          }
          const expected = [...made].sort((x, y) => x.createdAt - y.createdAt || (x.handle < y.handle ? -1 : 1));

          const seen = [];
          let after;
          for (let page = 0; page < 10; page++) {
            const result = await f.service.listSessions({ limit: 4, ...(after ? { after } : {}) });
            seen.push(...result.sessions);
            if (!result.next) break;
            after = result.next;
          }
          assert.deepEqual(seen.map((s) => s.handle), expected.map((s) => s.handle));
          assert.deepEqual(seen[0], expected[0], 'records come back whole');

          const quinns = await f.service.listSessions({ limit: 100, username: 'quinn' });
          assert.deepEqual(quinns.sessions.map((s) => s.handle), expected.filter((s) => s.username === 'quinn').map((s) => s.handle));
          assert.equal(quinns.next, null);
          const crm = await f.service.listSessions({ limit: 100, project: 'crm', username: 'rae' });
          assert.deepEqual(
            crm.sessions.map((s) => s.handle),
            expected.filter((s) => s.project === 'crm' && s.username === 'rae').map((s) => s.handle),
          );
          const exact = await f.service.listSessions({ limit: 9 });
          assert.equal(exact.sessions.length, 9);
          assert.equal(exact.next, null, 'no next page when the page holds the rest exactly');
        }));
    });

    describe('at rest', () => {
      test('only hashes of session IDs are stored', async (t) => {
        const opened = await open();
        try {
          const dump = opened.rawDump ?? opts.rawDump;
          if (!dump) return t.skip(`${name} gives the suite no raw view of its contents (rawDump)`);
          const { buildService } = await import('./conformance-kit.ts');
          const f = buildService(opened.store);
          const sam = await f.user('sam');
          const live = await sam.login();
          const ended = await sam.login();
          await f.service.logout(ended.id);
          const raw = await dump();
          assert.ok(raw.includes(live.session.handle), 'the dump shows the stored sessions');
          assert.ok(raw.includes(hashSecretId(live.id)), 'and their hashes');
          for (const id of [live.id, ended.id]) {
            assert.ok(!raw.includes(id), 'no session ID is stored');
            assert.ok(!raw.includes(id.slice(4)), 'not even without its prefix');
          }
        } finally {
          await opened.cleanup();
        }
      });

      test('a session that was ended never comes back after a restart; live ones survive it', async (t) => {
        const opened = await open();
        try {
          if (!opened.reopen) return t.skip(`${name} gives the suite no way to reopen the same data (reopen)`);
          const { buildService } = await import('./conformance-kit.ts');
          const f = buildService(opened.store);
          const tia = await f.user('tia');
          const live = await tia.login();
          const ended = await tia.login();
          await f.service.logout(ended.id);
          await opened.store.close();
          const again = await opened.reopen();
          try {
            const g = buildService(again);
            g.clock.set(f.clock.now());
            assert.equal(await g.alive(live.id), true);
            assert.equal(await g.alive(ended.id), false);
          } finally {
            await again.close();
          }
        } finally {
          await opened.cleanup();
        }
      });
    });

    runDataConformance(open);
    runRuleConformance(open);
    runAccountConformance(open);
    runEventConformance(open);
    runLimitConformance(name, open);
    runListingConformance(open);
  });
}
