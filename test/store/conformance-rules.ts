import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashSecretId, newHandle, newSessionId } from '../../src/core/secret-id.ts';
import { isListed, pageOf, compareListing, settleEnds, settleUserEnds } from '../../src/core/session-rules.ts';
import { AUDIT_EVENT_NAMES, type AuditRecord, type EndContext, type SessionRecord } from '../../src/core/types.ts';
import { MINUTE, rejectsWith, withStore, type Fixture, type OpenStore } from './conformance-kit.ts';

/**
 * One case per rule that lives in core (src/core/session-rules.ts, store-failures.ts,
 * AUDIT_EVENT_NAMES): each store, whether it calls the rule in its transaction (memory, SQLite,
 * PostgreSQL) or mirrors it in a Lua script (Redis), must answer exactly what core's function
 * answers for the same records.
 */
export function runRuleConformance(open: OpenStore): void {
  describe("core's rules, as this store applies them", () => {
    test('the idle timer never moves back: a touch older than what is stored keeps the later times', () =>
      withStore(open, async (f) => {
        const s = await insertSession(f, { idleMs: 10 * MINUTE });
        const now = s.createdAt;
        await f.store.sessions.touch(s.idHash, now + 5 * MINUTE, now + 15 * MINUTE);
        // A slower node (or one whose clock is behind) touches afterwards with older times.
        await f.store.sessions.touch(s.idHash, now + MINUTE, now + 11 * MINUTE);
        const stored = await f.store.sessions.findByHash(s.idHash);
        assert.equal(stored?.lastSeenAt, now + 5 * MINUTE);
        assert.equal(stored?.idleExpiresAt, now + 15 * MINUTE);
        // Still alive at a time only the later timer allows.
        f.clock.set(now + 13 * MINUTE);
        assert.equal((await f.store.sessions.list({ limit: 10 }, f.clock.now())).sessions.length, 1);
      }));

    test("ending a batch by ID answers and audits exactly as core's settleEnds: live, expired, unknown, null and duplicates", () =>
      withStore(open, async (f) => {
        const a = await insertSession(f, { idleMs: 10 * MINUTE });
        const b = await insertSession(f, { idleMs: 10 * MINUTE });
        const x = await insertSession(f, { idleMs: MINUTE });
        f.clock.advance(2 * MINUTE); // x has expired, a and b are live
        const ctx: EndContext = { reason: 'invalidated', now: f.clock.now(), actor: 'h_caller' };
        const keys = [a.idHash, null, x.idHash, hashSecretId(newSessionId()), a.idHash, b.idHash, x.idHash];
        const known = new Map([a, b, x].map((s) => [s.idHash, s]));
        const expected = settleEnds(keys, (k) => known.get(k), ctx);

        assert.deepEqual(await f.store.sessions.endByHash(keys, ctx), expected.answers);
        assert.deepEqual(await endAudits(f), byHandle(expected.audits));
        for (const s of [a, b, x]) assert.equal(await f.store.sessions.findByHash(s.idHash), null, 'every one of them is ended');
      }));

    test("ending a batch by handle answers and audits exactly as core's settleEnds", () =>
      withStore(open, async (f) => {
        const a = await insertSession(f, { idleMs: 10 * MINUTE });
        const x = await insertSession(f, { idleMs: MINUTE });
        f.clock.advance(2 * MINUTE);
        const ctx: EndContext = { reason: 'admin', now: f.clock.now(), actor: 'h_admin' };
        const keys = [x.handle, a.handle, newHandle(), a.handle, null];
        const known = new Map([a, x].map((s) => [s.handle, s]));
        const expected = settleEnds(keys, (k) => known.get(k), ctx);

        assert.deepEqual(await f.store.sessions.endByHandle(keys, ctx), expected.answers);
        assert.deepEqual(await endAudits(f), byHandle(expected.audits));
      }));

    test("ending a user's sessions ends the expired ones too, audits them as expired, and answers only the live ones", () =>
      withStore(open, async (f) => {
        const live = await insertSession(f, { idleMs: 10 * MINUTE, userId: '005000000000000KIM' });
        const expired = await insertSession(f, { idleMs: MINUTE, userId: '005000000000000KIM' });
        const other = await insertSession(f, { idleMs: 10 * MINUTE, userId: '005000000000000LEE' });
        f.clock.advance(2 * MINUTE);
        const ctx: EndContext = { reason: 'admin', now: f.clock.now(), actor: 'h_admin' };
        const expected = settleUserEnds([live, expired], ctx);

        assert.deepEqual(await f.store.sessions.endOfUser('005000000000000KIM', ctx), expected.live);
        assert.deepEqual(await endAudits(f), byHandle(expected.audits));
        assert.deepEqual(await f.store.sessions.findByHash(other.idHash), other, "nobody else's session is touched");
      }));

    test("a keyset page cursor stays valid when the session it names ends before the next page", () =>
      withStore(open, async (f) => {
        const made: SessionRecord[] = [];
        for (let i = 0; i < 5; i++) {
          made.push(await insertSession(f, { idleMs: 10 * MINUTE }));
          if (i % 2 === 0) f.clock.advance(1000); // pairs share a millisecond: the handle breaks the tie
        }
        const now = f.clock.now();
        const first = await f.store.sessions.list({ limit: 2 }, now);
        const ordered = [...made].sort(compareListing);
        assert.deepEqual(first, pageOf(ordered.slice(0, 3), { limit: 2 }));
        const cursor = first.next!;
        const named = ordered[1]!;
        await f.store.sessions.endByHash([named.idHash], { reason: 'admin', now, actor: 'h_admin' });

        const rest = ordered.filter((s) => s.idHash !== named.idHash && isListed(s, { limit: 10, after: cursor }, now));
        assert.deepEqual(await f.store.sessions.list({ limit: 10, after: cursor }, now), pageOf(rest, { limit: 10, after: cursor }));
      }));

    test('the audit list reads back every event name core defines, pool.missed included (Redis answered 500 after a pool miss)', () =>
      withStore(open, async (f) => {
        const at = f.clock.now();
        const records: AuditRecord[] = AUDIT_EVENT_NAMES.map((event, i) => ({
          at: at + i,
          event,
          handle: null,
          userId: null,
          project: null,
          reason: null,
          actor: 'system',
        }));
        await f.store.audit.append(records);
        const listed = await f.store.audit.list({ limit: 100 });
        assert.deepEqual(listed.map((r) => r.event), [...AUDIT_EVENT_NAMES].reverse());
      }));

    test('a store that cannot answer (here: closed) fails closed with SERVICE_UNAVAILABLE on every port', () =>
      withStore(open, async (f) => {
        const s = await insertSession(f, { idleMs: 10 * MINUTE });
        await f.store.close();
        await rejectsWith(f.store.ping(), 'SERVICE_UNAVAILABLE');
        await rejectsWith(f.store.sessions.findByHash(s.idHash), 'SERVICE_UNAVAILABLE');
        await rejectsWith(f.store.sessions.endByHash([s.idHash], { reason: 'logout', now: f.clock.now(), actor: null }), 'SERVICE_UNAVAILABLE');
        await rejectsWith(f.store.users.find('nobody'), 'SERVICE_UNAVAILABLE');
        await rejectsWith(f.store.audit.list({ limit: 1 }), 'SERVICE_UNAVAILABLE');
        await rejectsWith(f.store.webSessions.find(s.idHash), 'SERVICE_UNAVAILABLE');
      }));
  });
}

async function insertSession(f: Fixture, opts: { idleMs: number; userId?: string }): Promise<SessionRecord> {
  const now = f.clock.now();
  const s: SessionRecord = {
    idHash: hashSecretId(newSessionId()),
    handle: newHandle(),
    userId: opts.userId ?? '005000000000000AAA',
    username: 'rules',
    project: 'default',
    createdAt: now,
    lastSeenAt: now,
    idleExpiresAt: now + opts.idleMs,
    absoluteExpiresAt: now + 30 * MINUTE,
    ip: null,
    userAgent: null,
  };
  await f.store.sessions.insert(s);
  return s;
}

/** The store's session.ended audit records, ordered by handle (Cluster orders records across slots by its own sequence). */
async function endAudits(f: Fixture): Promise<AuditRecord[]> {
  return byHandle((await f.store.audit.list({ limit: 100 })).filter((r) => r.event === 'session.ended'));
}

function byHandle(records: ReadonlyArray<AuditRecord>): AuditRecord[] {
  return [...records].sort((x, y) => ((x.handle ?? '') < (y.handle ?? '') ? -1 : (x.handle ?? '') > (y.handle ?? '') ? 1 : 0));
}
