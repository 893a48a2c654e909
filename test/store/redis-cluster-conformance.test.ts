import { after, test } from 'node:test';
import { redisConformanceOpener, skipUnlessRedisCluster, startRedisCluster } from '../helpers/redis-cluster.ts';
import { runStoreConformance } from './conformance.ts';

/**
 * A real Redis Cluster (three redis-server masters on free loopback ports, joined with
 * `redis-cli --cluster create`) runs the shared suite; the cluster is stopped and its files
 * removed afterwards, also when a test fails.
 */
const skip = await skipUnlessRedisCluster();
if (skip) {
  test('redis-cluster: SessionStore conformance', { skip }, () => {});
} else {
  const cluster = await startRedisCluster(3);
  after(() => cluster.stop());
  runStoreConformance('redis-cluster', redisConformanceOpener(cluster.target, 'cconf'));
}
