import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SessionCache } from '../../src/core/session-cache.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { buildService, MINUTE } from './conformance-kit.ts';

/** The node cache, as the bus drives it: bounded, evicted by messages, never refilled with an ended session. */
async function withCachedService(maxEntries: number, body: (f: ReturnType<typeof buildService>, cache: SessionCache) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'sessiond-cache-'));
  const store = openSqliteStore(join(dir, 'sessiond.db'));
  const cache = new SessionCache({ maxAgeMs: 5 * MINUTE, maxEntries });
  try {
    await body(buildService(store, cache), cache);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a session read from the store while its end is announced is not cached: the next check refuses it', () =>
  withCachedService(100, async (f) => {
    const u = await f.user('race');
    const s = await u.login();
    // The read starts; before its answer is used, another node ends the session and says so.
    // (SQLite and the local bus do their work synchronously, so the order below is exact.)
    const inFlight = f.service.authenticate(s.id);
    const ended = f.store.sessions.endByHash([s.session.idHash], { reason: 'invalidated', now: f.clock.now(), actor: 'h_elsewhere' });
    const published = f.bus.publish([s.session.idHash]);
    await Promise.all([inFlight, ended, published]);
    assert.equal(await f.alive(s.id), false, 'the ended session must not come back from the cache');
  }));

test('an ended session is refused at once on this node, and a bus message evicts what another node ended', () =>
  withCachedService(100, async (f, cache) => {
    const u = await f.user('evict');
    const a = await u.login();
    const b = await u.login();
    assert.equal(await f.alive(a.id), true);
    assert.equal(await f.alive(b.id), true);
    assert.equal(cache.size, 2);
    // Another node deletes b in the store; this node still has it cached until the message comes.
    await f.store.sessions.endByHash([b.session.idHash], { reason: 'invalidated', now: f.clock.now(), actor: 'h_elsewhere' });
    assert.equal(await f.alive(b.id), true, 'cached: the store is not asked');
    await f.bus.publish([b.session.idHash]);
    assert.equal(await f.alive(b.id), false);
    await f.service.logout(a.id);
    assert.equal(await f.alive(a.id), false);
  }));

test('the cache holds at most maxEntries sessions', () =>
  withCachedService(3, async (f, cache) => {
    const u = await f.user('bounded');
    for (let i = 0; i < 6; i++) assert.equal(await f.alive((await u.login()).id), true);
    assert.equal(cache.size, 3);
  }));
