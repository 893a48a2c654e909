import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { hashSecretId, newHandle, newSessionId } from '../../src/core/secret-id.ts';
import type { SessionRecord } from '../../src/core/types.ts';
import { openRedis, openRedisStore } from '../../src/store/redis/open-redis.ts';
import type { RedisTarget } from '../../src/store/redis/redis-connection.ts';
import { deleteKeys, rawClient, testPrefix } from '../helpers/redis-cluster.ts';
import { REDIS_URL, skipUnlessService } from '../helpers/services.ts';

/**
 * What the Redis store does beyond the shared suite: keys that expire with their sessions, a
 * sweep that still audits sessions whose keys Redis already dropped, the pub/sub bus, and a key
 * prefix that keeps deployments (and tests) apart.
 */
const MINUTE = 60_000;
const target: RedisTarget = { kind: 'redis', url: REDIS_URL };
const skip = await skipUnlessService('redis');

function session(now: number, idleMs: number, absoluteMs = 30 * MINUTE): SessionRecord {
  return {
    idHash: hashSecretId(newSessionId()),
    handle: newHandle(),
    userId: '005000000000000AAA',
    username: 'ttl-user',
    project: 'default',
    createdAt: now,
    lastSeenAt: now,
    idleExpiresAt: now + idleMs,
    absoluteExpiresAt: now + absoluteMs,
    ip: null,
    userAgent: null,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('redis store', { skip }, () => {
  const prefixes: string[] = [];
  after(async () => {
    const raw = await rawClient(target);
    for (const prefix of prefixes) await deleteKeys(raw, prefix);
    await raw.quit();
  });
  const open = async (options: { expiryGraceMs?: number; listScanChunk?: number } = {}) => {
    const prefix = testPrefix('store');
    prefixes.push(prefix);
    return openRedisStore(target, { prefix, ...options });
  };

  test("a session's key expires with it, and a touch moves the expiry", async () => {
    const store = await open({ expiryGraceMs: 0 });
    const raw = await rawClient(target);
    try {
      const now = Date.now();
      const s = session(now, 10 * MINUTE);
      await store.sessions.insert(s);
      const key = store.keys.session(s.idHash);
      const first = await raw.pttl(key);
      assert.ok(first > 10 * MINUTE - 5000 && first <= 10 * MINUTE, `TTL follows the idle timeout (got ${first} ms)`);

      // Idle now reaches past the absolute lifetime: the key lives until the absolute expiry.
      await store.sessions.touch(s.idHash, now + MINUTE, now + 40 * MINUTE);
      const second = await raw.pttl(key);
      assert.ok(second > 29 * MINUTE - 5000 && second <= 29 * MINUTE, `TTL follows the absolute lifetime (got ${second} ms)`);

      await store.sessions.endByHash([s.idHash], { reason: 'logout', now: now + MINUTE, actor: null });
      assert.equal(await raw.exists(key), 0, 'an ended session leaves no key behind');
    } finally {
      await raw.quit();
      await store.close();
    }
  });

  test('the sweep finds and audits sessions whose keys Redis already dropped', async () => {
    const store = await open({ expiryGraceMs: 0 });
    const raw = await rawClient(target);
    try {
      const now = Date.now();
      const gone = session(now, 150);
      const live = session(now, 10 * MINUTE);
      await store.sessions.insert(gone);
      await store.sessions.insert(live);
      await sleep(400);
      assert.equal(await raw.exists(store.keys.session(gone.idHash)), 0, 'Redis dropped the expired key by itself');
      assert.equal(await store.sessions.findByHash(gone.idHash), null);

      const swept = await store.sessions.sweepExpired(Date.now(), 10);
      assert.deepEqual(swept, [gone], 'the sweep answers the whole record from its expiry index');
      const [last] = await store.audit.list({ limit: 1, handle: gone.handle });
      assert.deepEqual([last?.event, last?.reason, last?.actor], ['session.ended', 'expired', 'sweeper']);
      assert.deepEqual(await store.sessions.sweepExpired(Date.now(), 10), [], 'swept once');

      const listed = await store.sessions.list({ limit: 10 }, Date.now());
      assert.deepEqual(listed.sessions.map((s) => s.handle), [live.handle], 'no index entry of the swept session is left');
      const ended = await store.sessions.endOfUser(live.userId, { reason: 'admin', now: Date.now(), actor: 'cli' });
      assert.deepEqual(ended.map((s) => s.handle), [live.handle]);
    } finally {
      await raw.quit();
      await store.close();
    }
  });

  test('a user written before permissions existed (no pm field) reads back with none, alone and in the list', async () => {
    const store = await open();
    const raw = await rawClient(target);
    try {
      // What the previous version's create script wrote.
      await raw.hset(store.keys.user('olga'), 'id', '005000000000000OLD', 'pw', 'scrypt$old-hash', 'ad', '1', 'ac', '1', 'c', '1234');
      await raw.zadd(store.keys.users(), 0, 'olga');
      const olga = {
        userId: '005000000000000OLD',
        username: 'olga',
        passwordHash: 'scrypt$old-hash',
        admin: true,
        active: true,
        createdAt: 1234,
        permissions: [],
      };
      assert.deepEqual(await store.users.find('olga'), olga);
      const { passwordHash: _hidden, ...summary } = olga;
      assert.deepEqual(await store.users.list(), [summary]);
    } finally {
      await raw.quit();
      await store.close();
    }
  });

  test('a prefix with hash-tag braces is refused, in the store and in the config', async () => {
    await assert.rejects(openRedisStore(target, { prefix: '{app}:' }), /prefix/);
    assert.throws(
      () => loadConfig({ SESSIOND_STORE: 'redis://127.0.0.1:6379', SESSIOND_REDIS_PREFIX: '{app}:' }),
      /SESSIOND_REDIS_PREFIX/,
    );
    const config = loadConfig({ SESSIOND_STORE: 'redis+cluster://127.0.0.1:7000,127.0.0.1:7001', SESSIOND_REDIS_PREFIX: 'app1:' });
    assert.deepEqual(config.store, {
      kind: 'redis-cluster',
      nodes: [
        { host: '127.0.0.1', port: 7000 },
        { host: '127.0.0.1', port: 7001 },
      ],
      prefix: 'app1:',
    });
  });

  test('a dropped subscriber connection is reported as a gap (so caches clear), and the bus works again after', async () => {
    const prefix = testPrefix('gap');
    prefixes.push(prefix);
    const raw = await rawClient(target);
    const pubsubIds = async () =>
      new Set(
        String(await raw.call('CLIENT', 'LIST', 'TYPE', 'pubsub'))
          .split('\n')
          .map((line) => /\bid=(\d+)/.exec(line)?.[1])
          .filter((id): id is string => id !== undefined),
      );
    const before = await pubsubIds();
    const one = await openRedis(target, { prefix });
    try {
      const ours = [...(await pubsubIds())].filter((id) => !before.has(id));
      assert.equal(ours.length, 1, 'one new subscriber connection');
      let gaps = 0;
      one.bus.onGap(() => gaps++);
      const heard: string[][] = [];
      one.bus.subscribe((hashes) => heard.push([...hashes]));

      await raw.call('CLIENT', 'KILL', 'ID', ours[0]!);
      const deadline = Date.now() + 5000;
      while (gaps < 2 && Date.now() < deadline) await sleep(20);
      assert.ok(gaps >= 2, `a gap when the connection dropped and when it came back (saw ${gaps})`);

      // Resubscribed: messages published now arrive again.
      const hashes = [hashSecretId(newSessionId())];
      const until = Date.now() + 5000;
      while (heard.length === 0 && Date.now() < until) {
        await one.bus.publish(hashes);
        await sleep(50);
      }
      assert.deepEqual(heard[0], hashes);
    } finally {
      await raw.quit();
      await one.bus.close();
      await one.store.close();
    }
  });

  test('the bus carries ended ID hashes to every node on the same prefix, and only there', async () => {
    const prefix = testPrefix('bus');
    prefixes.push(prefix);
    const one = await openRedis(target, { prefix });
    const two = await openRedis(target, { prefix });
    const otherPrefix = testPrefix('bus-other');
    prefixes.push(otherPrefix);
    const other = await openRedis(target, { prefix: otherPrefix });
    const raw = await rawClient(target);
    try {
      const heard: string[][] = [];
      const heardElsewhere: string[][] = [];
      two.bus.subscribe((hashes) => heard.push([...hashes]));
      other.bus.subscribe((hashes) => heardElsewhere.push([...hashes]));
      const hashes = [hashSecretId(newSessionId()), hashSecretId(newSessionId())];
      // Garbage on the channel (someone else's publisher) is ignored, not passed on.
      await raw.publish(one.store.keys.invalidationChannel(), 'not json');
      await raw.publish(one.store.keys.invalidationChannel(), JSON.stringify([{ evil: true }]));
      await one.bus.publish(hashes);
      const deadline = Date.now() + 2000;
      while (heard.length === 0 && Date.now() < deadline) await sleep(10);
      assert.deepEqual(heard, [hashes]);
      await sleep(50);
      assert.deepEqual(heardElsewhere, [], 'another prefix is another deployment');
    } finally {
      await raw.quit();
      for (const opened of [one, two, other]) {
        await opened.bus.close();
        await opened.store.close();
      }
    }
  });

  test('users written before names were folded are indexed at open: any case finds a single one, names shared only in case are ambiguous and refused anew', async () => {
    const prefix = testPrefix('fold');
    prefixes.push(prefix);
    const raw = await rawClient(target);
    try {
      // The layout before issue 16: a hash per user and the name index, no folded sets.
      for (const [name, id] of [
        ['Erin', '005000000000000E01'],
        ['ERIN', '005000000000000E02'],
        ['frank', '005000000000000F01'],
      ] as const) {
        await raw.hset(`${prefix}{users}:u:${name}`, 'id', id, 'pw', 'scrypt$x', 'ad', '0', 'ac', '1', 'c', '1000', 'pm', '[]');
        await raw.zadd(`${prefix}{users}:all`, 0, name);
      }
    } finally {
      await raw.quit();
    }
    const store = await openRedisStore(target, { prefix });
    try {
      assert.equal((await store.users.find('FRANK'))?.userId, '005000000000000F01');
      assert.equal((await store.users.find('Erin'))?.userId, '005000000000000E01');
      assert.equal((await store.users.find('ERIN'))?.userId, '005000000000000E02');
      assert.equal(await store.users.find('erin'), null, 'no exact match among several: nobody');
      const user = (username: string) => ({ userId: '005000000000000N01', username, passwordHash: 'h', admin: false, active: true, createdAt: 5000, permissions: [] });
      await assert.rejects(store.users.create(user('erin')), { code: 'DUPLICATE_USERNAME' });
      await assert.rejects(store.users.create(user('Frank')), { code: 'DUPLICATE_USERNAME' });
      assert.equal(await store.users.delete('Erin'), true);
      assert.equal((await store.users.find('erin'))?.username, 'ERIN', 'one left: any case finds it');
    } finally {
      await store.close();
    }
  });

  test('the session count reads the index through when more expired sessions wait for the sweep than one script may look at', async () => {
    const store = await open({ listScanChunk: 3 });
    try {
      const now = Date.now();
      for (let i = 0; i < 5; i++) await store.sessions.insert(session(now, MINUTE));
      for (let i = 0; i < 4; i++) await store.sessions.insert({ ...session(now, 30 * MINUTE), username: i % 2 ? 'ttl-user' : 'Other' });
      const later = now + 2 * MINUTE; // five expired, none swept: more than the chunk of 3
      assert.equal(await store.sessions.count({}, later), 4);
      assert.equal(await store.sessions.count({ username: 'ttl-user' }, later), 2);
      assert.equal(await store.sessions.count({ usernamePrefix: 'oth' }, later), 2);
      const page = await store.sessions.list({ limit: 3, usernamePrefix: 'TTL' }, later);
      assert.equal(page.sessions.length, 2, 'listing reads past the expired ones in chunks too');
    } finally {
      await store.close();
    }
  });
});
