import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { asStoreFailure } from '../../src/core/store-failures.ts';
import { isListed, laterTimers, matchesFilter, pageOf, settleEnds, settleUserEnds } from '../../src/core/session-rules.ts';
import type { EndContext, SessionRecord } from '../../src/core/types.ts';

/** The rules every store follows, as plain functions: what the conformance suite holds each store to. */

const MINUTE = 60_000;

function session(n: number, idleMs = 10 * MINUTE): SessionRecord {
  return {
    idHash: `hash-${n}`,
    handle: `h_${n}`,
    userId: '005000000000000AAA',
    username: n % 2 ? 'odd' : 'even',
    project: 'default',
    createdAt: 1000 * Math.floor(n / 2),
    lastSeenAt: 0,
    idleExpiresAt: idleMs,
    absoluteExpiresAt: 30 * MINUTE,
    ip: null,
    userAgent: null,
  };
}

describe('session rules', () => {
  const ctx: EndContext = { reason: 'invalidated', now: 2 * MINUTE, actor: 'h_caller' };

  test('a batch: live ends answer the session, expired ones end as expired but answer null, duplicates and unknowns answer null', () => {
    const live = session(1);
    const expired = session(2, MINUTE);
    const stored = new Map([live, expired].map((s) => [s.idHash, s]));
    const settled = settleEnds([live.idHash, null, expired.idHash, 'hash-none', live.idHash], (k) => stored.get(k), ctx);
    assert.deepEqual(settled.answers, [live, null, null, null, null]);
    assert.deepEqual(settled.ended, [live, expired], 'each ended once, in input order');
    assert.deepEqual(settled.audits.map((a) => [a.handle, a.reason, a.actor]), [
      ['h_1', 'invalidated', 'h_caller'],
      ['h_2', 'expired', 'h_caller'],
    ]);
  });

  test("a user's sessions: all end, only the live are answered, expired ones are audited as expired", () => {
    const { audits, live } = settleUserEnds([session(1), session(2, MINUTE)], { ...ctx, reason: 'admin' });
    assert.deepEqual(live, [session(1)]);
    assert.deepEqual(audits.map((a) => a.reason), ['admin', 'expired']);
  });

  test('the idle timer never moves back', () => {
    assert.deepEqual(laterTimers({ lastSeenAt: 5, idleExpiresAt: 15 }, { lastSeenAt: 1, idleExpiresAt: 11 }), { lastSeenAt: 5, idleExpiresAt: 15 });
    assert.deepEqual(laterTimers({ lastSeenAt: 5, idleExpiresAt: 15 }, { lastSeenAt: 6, idleExpiresAt: 16 }), { lastSeenAt: 6, idleExpiresAt: 16 });
  });

  test('keyset paging: a page of limit + 1 gives a cursor after its last session; listing filters and resumes after the cursor', () => {
    const all = [session(1), session(2), session(3), session(4)];
    const first = pageOf(all.slice(0, 3), { limit: 2 });
    assert.deepEqual(first.sessions, all.slice(0, 2));
    assert.deepEqual(first.next, { createdAt: all[1]!.createdAt, handle: all[1]!.handle });
    assert.equal(first.previous, null, 'the first page has none before it');
    assert.equal(pageOf(all.slice(0, 2), { limit: 2 }).next, null, 'no next page when the page holds the rest exactly');
    const after = all.filter((s) => isListed(s, { limit: 10, after: first.next! }, 0));
    assert.deepEqual(after, all.slice(2));
    assert.deepEqual(all.filter((s) => isListed(s, { limit: 10, username: 'odd' }, 0)).map((s) => s.handle), ['h_1', 'h_3']);
    assert.deepEqual(all.filter((s) => isListed(s, { limit: 10 }, 10 * MINUTE)), [], 'expired sessions are never listed');
  });

  test('keyset paging backwards: read in reverse before the cursor, shown in listing order, with cursors both ways', () => {
    const all = [session(1), session(2), session(3), session(4), session(5)];
    const cursorOf = (s: SessionRecord) => ({ createdAt: s.createdAt, handle: s.handle });
    const second = pageOf(all.slice(2, 5), { limit: 2, after: cursorOf(all[1]!) });
    assert.deepEqual(second.previous, cursorOf(all[2]!), 'a page read after a cursor has one before it');
    const before = all.filter((s) => isListed(s, { limit: 10, before: second.previous! }, 0));
    assert.deepEqual(before, all.slice(0, 2), 'listing before a cursor stops short of it');
    const back = pageOf([...before].reverse(), { limit: 2, before: second.previous! });
    assert.deepEqual(back.sessions, all.slice(0, 2), 'in listing order');
    assert.equal(back.previous, null, 'nothing further back');
    assert.deepEqual(back.next, cursorOf(all[1]!));
    const middle = pageOf([all[3]!, all[2]!, all[1]!], { limit: 2, before: cursorOf(all[4]!) });
    assert.deepEqual(middle.sessions, [all[2], all[3]]);
    assert.deepEqual(middle.previous, cursorOf(all[2]!), 'one more was read: a page lies before this one');
    assert.deepEqual(pageOf([], { limit: 2, before: cursorOf(all[0]!) }), { sessions: [], next: null, previous: null });
  });

  test('a username prefix matches in any letter case; cursors on both sides bound a listing', () => {
    const names = ['Alice', 'alina', 'bob', 'al.x'].map((username, n) => ({ ...session(n), username }));
    assert.deepEqual(names.filter((s) => matchesFilter(s, { usernamePrefix: 'AL' })).map((s) => s.username), ['Alice', 'alina', 'al.x']);
    assert.deepEqual(names.filter((s) => matchesFilter(s, { usernamePrefix: 'ali' })).map((s) => s.username), ['Alice', 'alina']);
    assert.deepEqual(names.filter((s) => matchesFilter(s, { usernamePrefix: 'alx' })), [], 'a dot is a dot, not any character');
  });

  test('store failures of every kind are SERVICE_UNAVAILABLE; anything else passes through unchanged', () => {
    const cause = new Error('driver words');
    for (const kind of ['unreachable', 'io', 'lock-timeout'] as const) {
      const failure = asStoreFailure(cause, kind) as { code?: unknown; cause?: unknown };
      assert.equal(failure.code, 'SERVICE_UNAVAILABLE');
      assert.equal(failure.cause, cause, 'the cause is kept for the log');
    }
    assert.equal(asStoreFailure(cause, null), cause);
  });
});
