import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { SessionCache } from '../../src/core/session-cache.ts';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { createThrowawayDatabase, sql, TEST_POSTGRES_OPTIONS, type ThrowawayDatabase } from '../helpers/postgres-db.ts';
import { skipUnlessService } from '../helpers/services.ts';
import { buildService, MINUTE } from './conformance-kit.ts';

const skip = await skipUnlessService('postgres');

/**
 * The idle-timer touch is written just after the answer (bench/NOTES.md, "Shared stores"): on a
 * real PostgreSQL whose UPDATEs of sessions fail, a check still answers, the node's own reads see
 * no touch that did not happen, its cached copy is dropped, and the next check touches again.
 */
describe('the touch written behind the answer (PostgreSQL)', { skip }, () => {
  let db: ThrowawayDatabase;
  before(async () => {
    db = await createThrowawayDatabase();
  });
  after(async () => {
    await db?.drop();
  });

  test('a failed touch does not fail the check; the cached copy is dropped and the next check touches again', async () => {
    const store = await openPostgresStore(db.url, TEST_POSTGRES_OPTIONS);
    const cache = new SessionCache({ maxAgeMs: 5 * MINUTE, maxEntries: 100 });
    const f = buildService(store, cache);
    try {
      const s = await (await f.user('tess')).login();
      const hash = s.session.idHash;
      await sql(db.url, `CREATE OR REPLACE FUNCTION touch_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'armed'; END $$`);
      await sql(db.url, 'CREATE TRIGGER touch_fail BEFORE UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION touch_fail()');

      f.clock.advance(2 * MINUTE); // past the touch interval
      const answered = await f.service.authenticate(s.id);
      assert.equal(answered.lastSeenAt, f.clock.now(), 'the answer shows the slid timer');
      // A read on this node waits for its touch in flight, and sees that it did not happen.
      assert.equal((await store.sessions.findByHash(hash))?.lastSeenAt, s.session.lastSeenAt);
      await tick();
      assert.equal(cache.get(hash), undefined, 'the copy that claimed the touch is dropped');

      await sql(db.url, 'DROP TRIGGER touch_fail ON sessions');
      f.clock.advance(1000);
      await f.service.authenticate(s.id);
      assert.equal((await store.sessions.findByHash(hash))?.lastSeenAt, f.clock.now(), 'the next check touched again');
      assert.equal((await store.sessions.findByHash(hash))?.idleExpiresAt, f.clock.now() + 10 * MINUTE);
    } finally {
      await store.close();
    }
  });
});
