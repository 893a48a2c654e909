import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashSecretId, newHandle, newSessionId } from '../../src/core/secret-id.ts';
import { compareListing, compareReading, isListed, matchesFilter, pageOf } from '../../src/core/session-rules.ts';
import type { AuditEventName, AuditQuery, AuditRecord, SessionCountFilter, SessionCursor, SessionListFilter, SessionPage, SessionRecord } from '../../src/core/types.ts';
import { MINUTE, withStore, type Fixture, type OpenStore } from './conformance-kit.ts';

/**
 * The admin console's listing (issue 17): pages both ways, a username prefix in any letter case,
 * and the total beside the pages. Each store must answer what core's isListed, pageOf and
 * matchesFilter answer over the same records.
 */
export function runListingConformance(open: OpenStore): void {
  describe('listing for the console', () => {
    test('pages read forwards and then backwards are the same pages; prefix, project and user filter both ways', () =>
      withStore(open, async (f) => {
        const { live, now } = await seed(f);
        const filters: SessionCountFilter[] = [
          {},
          { usernamePrefix: 'al' },
          { usernamePrefix: 'AL', project: 'crm' },
          { usernamePrefix: 'al_' },
          { username: 'bob' },
          { project: 'crm' },
          { usernamePrefix: 'nobody' },
        ];
        for (const filter of filters) {
          const what = JSON.stringify(filter);
          const expected = live.filter((s) => matchesFilter(s, filter));
          const forward: SessionPage[] = [];
          let after: SessionCursor | undefined;
          do {
            const page = await f.store.sessions.list({ ...filter, limit: 3, ...(after ? { after } : {}) }, now);
            forward.push(page);
            after = page.next ?? undefined;
          } while (after && forward.length < 20);
          assert.deepEqual(forward.flatMap((p) => p.sessions).map((s) => s.handle), expected.map((s) => s.handle), `${what}: forwards, each once`);
          assert.equal(forward[0]!.previous, null, `${what}: nothing before the first page`);

          // Back from the last page: each page before is the forward page there, whole.
          let before = forward[forward.length - 1]!.previous;
          for (let i = forward.length - 2; i >= 0; i--) {
            assert.ok(before, `${what}: page ${i + 2} has one before it`);
            const page = await f.store.sessions.list({ ...filter, limit: 3, before }, now);
            assert.deepEqual(page.sessions.map((s) => s.handle), forward[i]!.sessions.map((s) => s.handle), `${what}: backwards to page ${i + 1}`);
            assert.deepEqual(page.next, forward[i]!.next, `${what}: page ${i + 1} leads on as it did forwards`);
            before = page.previous;
          }
          assert.equal(before, null, `${what}: back at the first page`);
          assert.equal(await f.store.sessions.count(filter, now), expected.length, `${what}: the total`);
        }
      }));

    test('a page read backwards is what core reads: from the end, before any cursor, expired and ended sessions left out', () =>
      withStore(open, async (f) => {
        const { all, now } = await seed(f);
        const ordered = [...all].sort(compareListing);
        const cursors = [ordered[0]!, ordered[5]!, ordered[ordered.length - 1]!].map((s) => ({ createdAt: s.createdAt, handle: s.handle }));
        for (const before of cursors) {
          for (const filter of [{ limit: 4, before }, { limit: 2, before, usernamePrefix: 'A' }, { limit: 50, before, project: 'default' }] as SessionListFilter[]) {
            const read = all.filter((s) => isListed(s, filter, now)).sort(compareReading(filter)).slice(0, filter.limit + 1);
            assert.deepEqual(await f.store.sessions.list(filter, now), pageOf(read, filter), JSON.stringify(filter));
          }
        }
      }));

    test('the total counts live sessions only: not expired ones waiting for the sweep, not ended ones', () =>
      withStore(open, async (f) => {
        const { all, live, now } = await seed(f);
        assert.ok(all.length > live.length + 2, 'the seed has expired and ended sessions');
        assert.equal(await f.store.sessions.count({}, now), live.length);
        assert.equal(await f.store.sessions.count({ username: 'alina' }, now), live.filter((s) => s.username === 'alina').length);
        assert.equal(await f.store.sessions.count({ project: 'short' }, now), 0, 'every session of project short has expired');
        assert.equal(await f.store.sessions.count({ usernamePrefix: 'a', project: 'default' }, now), live.filter((s) => /^a/i.test(s.username) && s.project === 'default').length);
        assert.equal(await f.store.sessions.count({}, now + 60 * MINUTE), 0, 'an hour later every one has expired');
      }));
  });

  describe('audit for the console', () => {
    test('pages of the audit trail, newest first, by user, handle and event, each record once', () =>
      withStore(open, async (f) => {
        const records: AuditRecord[] = [];
        for (let i = 0; i < 30; i++) {
          f.clock.advance(1000);
          records.push({
            at: f.clock.now(),
            event: AUDIT_EVENTS[i % AUDIT_EVENTS.length]!,
            handle: i % 4 === 3 ? null : `h_${i % 3}`,
            userId: i % 5 === 0 ? null : `005000000000000U${i % 2}`,
            project: 'default',
            reason: `r${i}`,
            actor: 'h_admin',
          });
        }
        // In batches, as stores are written: a session change writes its records with it.
        for (let i = 0; i < records.length; i += 7) await f.store.audit.append(records.slice(i, i + 7));
        const newestFirst = [...records].reverse();
        const queries: Array<Omit<AuditQuery, 'limit' | 'before'>> = [
          {},
          { userId: '005000000000000U1' },
          { event: 'user.updated' },
          { handle: 'h_1' },
          { handle: 'h_2', userId: '005000000000000U0', event: 'session.ended' },
          { event: 'login.failed' },
        ];
        for (const query of queries) {
          const what = JSON.stringify(query);
          const expected = newestFirst.filter(
            (r) =>
              (query.handle === undefined || r.handle === query.handle) &&
              (query.userId === undefined || r.userId === query.userId) &&
              (query.event === undefined || r.event === query.event),
          );
          const seen: AuditRecord[] = [];
          let before: number | undefined;
          let pages = 0;
          for (;;) {
            const page = await f.store.audit.page({ ...query, limit: 4, ...(before !== undefined ? { before } : {}) });
            seen.push(...page.records);
            pages += 1;
            if (page.next === null || pages > 20) break;
            assert.equal(page.records.length, 4, `${what}: only the last page is short`);
            before = page.next;
          }
          assert.deepEqual(seen.map((r) => r.reason), expected.map((r) => r.reason), what);
          assert.deepEqual(seen, expected, `${what}: records come back whole`);
          assert.equal(pages, Math.max(1, Math.ceil(expected.length / 4)), `${what}: no empty page at the end`);
        }
      }));

    test("records written while an admin pages do not repeat or hide older ones; a session's own records are found by its user", () =>
      withStore(open, async (f) => {
        const uma = await f.user('uma');
        const made = [];
        for (let i = 0; i < 5; i++) made.push((await uma.login()).session);
        const first = await f.store.audit.page({ limit: 3, userId: uma.userId, event: 'session.created' });
        assert.deepEqual(first.records.map((r) => r.handle), made.slice(2).reverse().map((s) => s.handle));
        await uma.login(); // a newer record arrives between two pages
        const second = await f.store.audit.page({ limit: 3, userId: uma.userId, event: 'session.created', before: first.next! });
        assert.deepEqual(second.records.map((r) => r.handle), made.slice(0, 2).reverse().map((s) => s.handle));
        assert.equal(second.next, null);
      }));
  });
}

const AUDIT_EVENTS: AuditEventName[] = ['session.created', 'session.ended', 'user.updated', 'login.failed', 'pool.evicted'];

const NAMES = ['Alice', 'alina', 'bob', 'al_x', 'alfx', 'ALBERT'];
const PROJECTS = ['default', 'crm', 'short'];

/**
 * Twenty-four sessions over six names (two sharing a prefix only through `_`, some in capitals)
 * and three projects; every third pair shares a millisecond, so handles break ties. Then the
 * `short` ones expire without a sweep and two others are ended.
 */
async function seed(f: Fixture): Promise<{ all: SessionRecord[]; live: SessionRecord[]; now: number }> {
  const all: SessionRecord[] = [];
  for (let i = 0; i < 24; i++) {
    if (i % 3 !== 0) f.clock.advance(1000);
    const now = f.clock.now();
    const project = PROJECTS[i % 3]!;
    const username = NAMES[i % NAMES.length]!;
    const s: SessionRecord = {
      idHash: hashSecretId(newSessionId()),
      handle: newHandle(),
      userId: `005000000000000${String(i % NAMES.length).padStart(3, '0')}`,
      username,
      project,
      createdAt: now,
      lastSeenAt: now,
      idleExpiresAt: now + (project === 'short' ? MINUTE : 30 * MINUTE),
      absoluteExpiresAt: now + 60 * MINUTE,
      ip: '192.0.2.1',
      userAgent: 'conformance',
    };
    await f.store.sessions.insert(s);
    all.push(s);
  }
  f.clock.advance(2 * MINUTE);
  const now = f.clock.now();
  const ended = [all[4]!, all[10]!];
  await f.store.sessions.endByHash(
    ended.map((s) => s.idHash),
    { reason: 'admin', now, actor: 'h_admin' },
  );
  const stillStored = all.filter((s) => !ended.includes(s));
  const live = stillStored.filter((s) => isListed(s, { limit: 1 }, now)).sort(compareListing);
  return { all: stillStored, live, now };
}
