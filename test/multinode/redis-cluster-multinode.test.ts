import { skipUnlessRedisServerBinary, startRedisCluster } from '../helpers/redis-cluster.ts';
import { runMultiNodeSuite } from './scenario.ts';

/**
 * Three sessiond processes on a real three-master Redis Cluster (SESSIOND_STORE=redis+cluster://…),
 * with the session cache on: the shared scenario over a store whose keys span several slots and
 * whose invalidations are published through the cluster bus.
 */
const skip = await skipUnlessRedisServerBinary();

runMultiNodeSuite(
  'redis-cluster',
  async () => {
    const cluster = await startRedisCluster(3);
    return { storeUrl: cluster.url, cleanup: () => cluster.stop() };
  },
  { skip },
);
