import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashSecretId } from '../../src/core/secret-id.ts';
import type { SessionEventRecord } from '../../src/core/types.ts';
import { MINUTE, withStore, type Fixture, type OpenStore } from './conformance-kit.ts';

/** Everything in the log after `seq`, read in small pages as a subscriber would. */
async function readAll(f: Fixture, after = 0): Promise<SessionEventRecord[]> {
  const out: SessionEventRecord[] = [];
  for (;;) {
    const page = await f.store.events.after(out.at(-1)?.seq ?? after, 3);
    out.push(...page);
    if (page.length < 3) return out;
  }
}

/** The event log (issue 14): every session change is an event, written with it, in one order. */
export function runEventConformance(open: OpenStore): void {
  describe('the event log', () => {
    test('logins, logouts, invalidations, account ends and the sweep each write their event, with the ID hash and never the ID', () =>
      withStore(open, async (f) => {
        const alice = await f.user('alice');
        const bob = await f.user('bob');
        const a1 = await alice.login();
        const a2 = await alice.login('crm');
        const b1 = await bob.login();
        const b2 = await bob.login('short');
        const b3 = await bob.login();
        await f.service.logout(a1.id);
        await f.service.invalidateSessions(a2.id, [b1.id]);
        await f.accounts.deactivate('alice', 'cli');
        f.clock.advance(3 * MINUTE); // past the 'short' project's idle timeout
        await f.service.sweepExpired();

        const events = await readAll(f);
        const seqs = events.map((e) => e.seq);
        assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), 'in seq order');
        assert.equal(new Set(seqs).size, seqs.length, 'each seq once');
        const view = events.map((e) => [e.type, e.handle, e.username, e.project, e.reason]);
        assert.deepEqual(view, [
          ['session.created', a1.session.handle, 'alice', 'default', null],
          ['session.created', a2.session.handle, 'alice', 'crm', null],
          ['session.created', b1.session.handle, 'bob', 'default', null],
          ['session.created', b2.session.handle, 'bob', 'short', null],
          ['session.created', b3.session.handle, 'bob', 'default', null],
          ['session.ended', a1.session.handle, 'alice', 'default', 'logout'],
          ['session.ended', b1.session.handle, 'bob', 'default', 'invalidated'],
          ['session.ended', a2.session.handle, 'alice', 'crm', 'admin'],
          ['session.ended', b2.session.handle, 'bob', 'short', 'expired'],
        ]);
        const byHandle = new Map([a1, a2, b1, b2, b3].map((s) => [s.session.handle, s]));
        for (const e of events) {
          const s = byHandle.get(e.handle)!;
          assert.equal(e.idHash, hashSecretId(s.id), 'the stored hash of the ID');
          assert.equal(e.userId, s.session.userId);
          assert.equal(typeof e.at, 'number');
        }
        assert.ok(!JSON.stringify(events).includes(a1.id), 'never the session ID');
        const ended = events.find((e) => e.type === 'session.ended')!;
        assert.equal(ended.at, events[5]!.at);
        assert.deepEqual(await readAll(f, events[6]!.seq), events.slice(7), 'after(seq) resumes exactly there');
        assert.deepEqual(await f.store.events.bounds(), { oldest: events[0]!.seq, newest: events.at(-1)!.seq });
      }));

    test('an empty log has no bounds; pruning deletes the oldest events before a time, in batches, and keeps the newest seq', () =>
      withStore(open, async (f) => {
        assert.deepEqual(await f.store.events.bounds(), { oldest: null, newest: 0 });
        assert.deepEqual(await f.store.events.after(0, 10), []);
        const carol = await f.user('carol');
        const first = await carol.login();
        await carol.login();
        f.clock.advance(10 * MINUTE);
        const late = await carol.login();
        const all = await readAll(f);
        assert.equal(all.length, 3);
        assert.equal(await f.store.events.prune(f.clock.now() - MINUTE, 1), 1, 'a batch is at most the limit');
        assert.equal(await f.store.events.prune(f.clock.now() - MINUTE, 10), 1);
        assert.equal(await f.store.events.prune(f.clock.now() - MINUTE, 10), 0);
        assert.deepEqual((await readAll(f)).map((e) => e.handle), [late.session.handle]);
        assert.deepEqual(await f.store.events.bounds(), { oldest: all[2]!.seq, newest: all[2]!.seq });
        assert.ok(all[0]!.handle === first.session.handle);
        assert.equal(await f.store.events.prune(f.clock.now() + 1, 10), 1);
        assert.deepEqual(await f.store.events.bounds(), { oldest: null, newest: all[2]!.seq }, 'the newest seq outlives pruning');
        await carol.login();
        assert.equal((await f.store.events.after(all[2]!.seq, 10))[0]?.seq, all[2]!.seq + 1, 'numbering goes on after it');
      }));
  });
}
