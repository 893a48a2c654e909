/**
 * Invalidation propagation across nodes: starts three `sessiond serve` processes on one store
 * with the session cache on, ends sessions one at a time on a node, and measures, per ID, the
 * time from the end call's answer to the last other node refusing it. Prints p50/p99/max.
 *
 *   npx tsx bench/propagation.ts                       # a throwaway PostgreSQL database
 *   npx tsx bench/propagation.ts --store redis://127.0.0.1:6379/0 --ids 200
 */
import { parseArgs } from 'node:util';
import { createThrowawayDatabase } from '../test/helpers/postgres-db.ts';
import { accepts, loginOn, percentile, propagationOf, startCluster } from '../test/multinode/harness.ts';

const { values } = parseArgs({
  options: {
    store: { type: 'string' },
    ids: { type: 'string', default: '200' },
    nodes: { type: 'string', default: '3' },
    'cache-max-age-ms': { type: 'string', default: '30000' },
  },
});
const ids = Number(values.ids);
const nodeCount = Number(values.nodes);
const maxAgeMs = Number(values['cache-max-age-ms']);
if (!Number.isInteger(ids) || ids < 1 || !Number.isInteger(nodeCount) || nodeCount < 2 || !Number.isInteger(maxAgeMs) || maxAgeMs < 1) {
  throw new Error('--ids must be ≥ 1, --nodes ≥ 2 and --cache-max-age-ms ≥ 1');
}

const db = values.store ? null : await createThrowawayDatabase();
const storeUrl = values.store ?? db!.url;
const cluster = await startCluster(nodeCount, {
  SESSIOND_STORE: storeUrl,
  SESSIOND_CACHE_MAX_AGE_MS: String(maxAgeMs),
  SESSIOND_CACHE_MAX_ENTRIES: '100000',
  SESSIOND_LOGINS_PER_USER_PER_HOUR: String(10 * ids + 100),
});

try {
  const urls = cluster.nodes.map((n) => n.url);
  const caller = await loginOn(urls[0]!);
  const samples: number[] = [];
  for (let i = 0; i < ids; i++) {
    const endOn = urls[i % urls.length]!;
    const others = urls.filter((u) => u !== endOn);
    const target = await loginOn(urls[(i + 1) % urls.length]!);
    for (const url of others) if (!(await accepts(url, target))) throw new Error('a fresh session was refused');
    samples.push(await propagationOf(endOn, caller, target, others, maxAgeMs));
  }
  const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
  process.stdout.write(
    `store ${storeUrl.split(':')[0]}, ${nodeCount} nodes, cache max age ${maxAgeMs} ms, ${ids} IDs ended one at a time\n` +
      `propagation (end call answered → last other node refuses): p50 ${fmt(percentile(samples, 50))}, ` +
      `p99 ${fmt(percentile(samples, 99))}, max ${fmt(Math.max(...samples))}\n` +
      `worst case when a message is lost: the cache max age, ${maxAgeMs} ms\n`,
  );
} finally {
  await cluster.stop();
  await db?.drop();
}
