import { skipUnlessRedisServerBinary, startRedisServer } from '../helpers/redis-cluster.ts';
import { runMultiNodeSuite } from './scenario.ts';

/**
 * Three sessiond processes on one standalone Redis (a redis-server of the test's own, with an
 * fsync-always append-only file, stopped and removed afterwards), with the session cache on:
 * the shared scenario checks cross-node validation, batch propagation and kill -9.
 */
const skip = await skipUnlessRedisServerBinary();

runMultiNodeSuite(
  'redis',
  async () => {
    const redis = await startRedisServer();
    return { storeUrl: redis.url, cleanup: () => redis.stop() };
  },
  { skip },
);
