import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { hashSecretId, newHandle, newSessionId } from '../../src/core/secret-id.ts';
import { openRedisStore } from '../../src/store/redis/open-redis.ts';
import { deleteKeys, rawClient, redisConformanceOpener, skipUnlessRedisServerBinary, startRedisCluster, testPrefix } from '../helpers/redis-cluster.ts';
import { runStoreConformance } from './conformance.ts';

/**
 * A real Redis Cluster (three redis-server masters on free loopback ports, joined with
 * `redis-cli --cluster create`) runs the shared suite; the cluster is stopped and its files
 * removed afterwards, also when a test fails.
 */
const skip = await skipUnlessRedisServerBinary();
if (skip) {
  test('redis-cluster: Store conformance', { skip }, () => {});
} else {
  const cluster = await startRedisCluster(3);
  after(() => cluster.stop());
  runStoreConformance('redis-cluster', redisConformanceOpener(cluster.target, 'cconf'));

  test('redis-cluster: sessions spread over every master, and a batch across them ends in one call', async () => {
    const prefix = testPrefix('spread');
    const store = await openRedisStore(cluster.target, { prefix });
    const raw = await rawClient(cluster.target);
    try {
      const now = Date.now();
      const sessions = Array.from({ length: 48 }, () => ({
        idHash: hashSecretId(newSessionId()),
        handle: newHandle(),
        userId: '005000000000000AAA',
        username: 'spread',
        project: 'default',
        createdAt: now,
        lastSeenAt: now,
        idleExpiresAt: now + 600_000,
        absoluteExpiresAt: now + 1_800_000,
        ip: null,
        userAgent: null,
      }));
      for (const s of sessions) await store.sessions.insert(s);
      if (!('nodes' in raw)) throw new Error('expected a cluster client');
      const perMaster = await Promise.all(
        raw.nodes('master').map(async (node) => (await node.keys(`${prefix}*:s:*`)).length),
      );
      assert.equal(perMaster.length, 3);
      assert.ok(perMaster.every((n) => n > 0), `session keys per master: ${perMaster.join(', ')}`);

      const ctx = { reason: 'admin' as const, now, actor: 'cli' };
      const hashes = [...sessions.map((s) => s.idHash), sessions[0]!.idHash];
      const ended = await store.sessions.endByHash(hashes, ctx);
      assert.deepEqual(ended.slice(0, 48), sessions, 'every position answers its own session, across slots');
      assert.equal(ended[48], null, 'the duplicate at the end finds it already ended');
      assert.deepEqual((await store.sessions.list({ limit: 100 }, now)).sessions, []);
    } finally {
      await store.close();
      await deleteKeys(raw, prefix);
      await raw.quit();
    }
  });
}
