import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Retention } from '../../src/core/retention.ts';
import { hashSecretId, newHandle, newSessionId, newWebSessionId } from '../../src/core/secret-id.ts';
import type { AuditRecord, SessionRecord, WebSessionRecord } from '../../src/core/types.ts';
import { MINUTE, rejectsWith, withStore, type OpenStore } from './conformance-kit.ts';

/** The port's plain data rules: users, audit, web sessions and single-session reads and writes. */
export function runDataConformance(open: OpenStore): void {
  describe('users', () => {
    test('users round-trip, list by username without password hashes, and can be deactivated', () =>
      withStore(open, async (f) => {
        await f.user('zed');
        await f.user('amy', true);
        const amy = await f.store.users.find('amy');
        assert.equal(amy?.admin, true);
        assert.equal(amy?.active, true);
        assert.match(amy?.passwordHash ?? '', /\S{20,}/);
        assert.equal(await f.store.users.find('nobody'), null);

        const list = await f.store.users.list();
        assert.deepEqual(list.map((u) => u.username), ['amy', 'zed']);
        assert.ok(list.every((u) => !('passwordHash' in u)));

        assert.equal(await f.store.users.setActive('zed', false), true);
        assert.equal((await f.store.users.find('zed'))?.active, false);
        assert.equal(await f.store.users.setActive('nobody', false), false);
      }));

    test('permissions round-trip (sorted, each once), and a user created without any has none', () =>
      withStore(open, async (f) => {
        await f.users.createUser({ username: 'ev', password: 'events-pass-1', permissions: ['events', 'audit'] });
        await f.user('plain');
        assert.deepEqual((await f.store.users.find('ev'))?.permissions, ['audit', 'events']);
        assert.deepEqual((await f.store.users.find('plain'))?.permissions, []);
        assert.deepEqual((await f.store.users.list()).map((u) => [u.username, u.permissions]), [
          ['ev', ['audit', 'events']],
          ['plain', []],
        ]);
      }));

    test('a taken username is refused with DUPLICATE_USERNAME and the first user is kept', () =>
      withStore(open, async (f) => {
        const first = await f.user('dupe');
        await rejectsWith(f.users.createUser({ username: 'dupe', password: 'another-pass-9' }), 'DUPLICATE_USERNAME');
        const kept = await f.store.users.find('dupe');
        assert.equal(kept?.userId, first.userId);
        assert.equal((await f.store.users.list()).length, 1);
      }));
  });

  describe('sessions and audit through the port', () => {
    test('a session reads back whole by hash; touching a gone session changes nothing', () =>
      withStore(open, async (f) => {
        const now = f.clock.now();
        const s: SessionRecord = {
          idHash: hashSecretId(newSessionId()),
          handle: newHandle(),
          userId: '005000000000000AAA',
          username: 'ursula',
          project: 'default',
          createdAt: now,
          lastSeenAt: now,
          idleExpiresAt: now + 10 * MINUTE,
          absoluteExpiresAt: now + 30 * MINUTE,
          ip: null,
          userAgent: null,
        };
        await f.store.sessions.insert(s);
        assert.deepEqual(await f.store.sessions.findByHash(s.idHash), s);
        await f.store.sessions.touch(s.idHash, now + MINUTE, now + 11 * MINUTE);
        assert.deepEqual(await f.store.sessions.findByHash(s.idHash), { ...s, lastSeenAt: now + MINUTE, idleExpiresAt: now + 11 * MINUTE });
        const gone = hashSecretId(newSessionId());
        await f.store.sessions.touch(gone, now, now + MINUTE);
        assert.equal(await f.store.sessions.findByHash(gone), null);
        const [created] = await f.store.audit.list({ limit: 1, handle: s.handle });
        assert.equal(created?.event, 'session.created', 'insertSession audits the creation');
      }));

    test('many lookups at once (a store may answer them together) each answer their own session, a missing one null, an ended one null', () =>
      withStore(open, async (f) => {
        const now = f.clock.now();
        const sessions: SessionRecord[] = Array.from({ length: 40 }, (_, i) => ({
          idHash: hashSecretId(newSessionId()),
          handle: newHandle(),
          userId: `005000000000000A${String(i).padStart(2, '0')}`,
          username: `user${i}`,
          project: 'default',
          createdAt: now,
          lastSeenAt: now,
          idleExpiresAt: now + 10 * MINUTE,
          absoluteExpiresAt: now + 30 * MINUTE,
          ip: i % 2 === 0 ? '127.0.0.1' : null,
          userAgent: i % 3 === 0 ? 'agent' : null,
        }));
        for (const s of sessions) await f.store.sessions.insert(s);
        const [ended] = await f.store.sessions.endByHash([sessions[7]!.idHash], { reason: 'logout', actor: null, now });
        assert.ok(ended);
        const missing = hashSecretId(newSessionId());
        // Each session twice, interleaved with unknown and ended ones, all in flight together.
        const asked = [...sessions.map((s) => s.idHash), missing, ...sessions.map((s) => s.idHash).reverse()];
        const answers = await Promise.all(asked.map((h) => f.store.sessions.findByHash(h)));
        asked.forEach((hash, i) => {
          const expected = hash === missing || hash === sessions[7]!.idHash ? null : sessions.find((s) => s.idHash === hash);
          assert.deepEqual(answers[i], expected, `lookup ${i}`);
        });
      }));

    test('audit lists newest first, bounded, optionally for one handle', () =>
      withStore(open, async (f) => {
        const at = f.clock.now();
        const record = (i: number, handle: string | null): AuditRecord => ({
          at: at + i,
          event: 'web.login',
          handle,
          userId: null,
          project: 'default',
          reason: `r${i}`,
          actor: 'system',
        });
        await f.store.audit.append([record(1, 'h_a'), record(2, 'h_b'), record(3, 'h_a')]);
        await f.store.audit.append([record(4, null)]);
        assert.deepEqual((await f.store.audit.list({ limit: 3 })).map((r) => r.reason), ['r4', 'r3', 'r2']);
        assert.deepEqual(await f.store.audit.list({ limit: 10, handle: 'h_a' }), [record(3, 'h_a'), record(1, 'h_a')]);
        assert.deepEqual(await f.store.audit.list({ limit: 10, handle: 'h_none' }), []);
      }));

    test('audit records past their retention are pruned in batches, from the bucket lists and the per-handle lists alike', () =>
      withStore(open, async (f) => {
        const now = f.clock.now();
        const record = (at: number, handle: string | null, reason: string): AuditRecord => ({
          at,
          event: 'web.login',
          handle,
          userId: null,
          project: 'default',
          reason,
          actor: 'system',
        });
        const old = [record(now - 9000, 'h_a', 'old1'), record(now - 8000, 'h_b', 'old2'), record(now - 7000, null, 'old3')];
        await f.store.audit.append(old);
        await f.store.audit.append([record(now - 6000, 'h_a', 'old4'), record(now - 5000, 'h_c', 'old5')]);
        await f.store.audit.append([record(now - 10, 'h_a', 'new1'), record(now, null, 'new2')]);
        const retention = new Retention(f.store.audit, f.clock, 1000);
        assert.equal(await f.store.audit.prune(now - 1000, 2), 2, 'a batch is at most the limit');
        assert.equal(await retention.prune(2), 3, 'the rest, batch after batch');
        assert.equal(await retention.prune(2), 0, 'nothing left to prune');
        assert.deepEqual((await f.store.audit.list({ limit: 10 })).map((r) => r.reason), ['new2', 'new1']);
        assert.deepEqual((await f.store.audit.list({ limit: 10, handle: 'h_a' })).map((r) => r.reason), ['new1']);
        assert.deepEqual(await f.store.audit.list({ limit: 10, handle: 'h_c' }), []);
        assert.equal(await new Retention(f.store.audit, f.clock, 0).prune(), 0, 'retention 0 keeps everything');
      }));

    test('an end call that names nothing live ends nothing and answers nulls', () =>
      withStore(open, async (f) => {
        const ctx = { reason: 'admin' as const, now: f.clock.now(), actor: 'cli' };
        assert.deepEqual(await f.store.sessions.endByHash([null, hashSecretId(newSessionId())], ctx), [null, null]);
        assert.deepEqual(await f.store.sessions.endByHandle([null, newHandle()], ctx), [null, null]);
        assert.deepEqual(await f.store.sessions.endOfUser('005000000000000ZZZ', ctx), []);
        await f.store.ping();
      }));
  });

  describe('web sessions', () => {
    test('web sessions are created, read, updated, deleted and swept in bounded batches', () =>
      withStore(open, async (f) => {
        const now = f.clock.now();
        const make = (idleMs: number): WebSessionRecord => ({
          idHash: hashSecretId(newWebSessionId()),
          handle: newHandle(),
          createdAt: now,
          lastSeenAt: now,
          idleExpiresAt: now + idleMs,
          absoluteExpiresAt: now + 60 * MINUTE,
          data: 'sealed:' + newHandle(),
        });
        const live = make(30 * MINUTE);
        await f.store.webSessions.insert(live);
        assert.deepEqual(await f.store.webSessions.find(live.idHash), live);

        const change = { lastSeenAt: now + MINUTE, idleExpiresAt: now + 31 * MINUTE, data: 'sealed:changed' };
        await f.store.webSessions.update(live.idHash, change);
        assert.deepEqual(await f.store.webSessions.find(live.idHash), { ...live, ...change });

        const stale = [make(MINUTE), make(MINUTE), make(MINUTE)];
        for (const w of stale) await f.store.webSessions.insert(w);
        const later = now + 2 * MINUTE;
        assert.equal(await f.store.webSessions.sweepExpired(later, 2), 2);
        assert.equal(await f.store.webSessions.sweepExpired(later, 2), 1);
        assert.equal(await f.store.webSessions.sweepExpired(later, 2), 0);
        for (const w of stale) assert.equal(await f.store.webSessions.find(w.idHash), null);

        assert.equal(await f.store.webSessions.delete(live.idHash), true);
        assert.equal(await f.store.webSessions.delete(live.idHash), false);
        assert.equal(await f.store.webSessions.find(live.idHash), null);
      }));
  });
}
