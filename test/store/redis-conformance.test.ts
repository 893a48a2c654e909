import { test } from 'node:test';
import { REDIS_URL, skipUnlessService } from '../helpers/services.ts';
import { redisConformanceOpener } from '../helpers/redis-cluster.ts';
import { runStoreConformance } from './conformance.ts';

/** Standalone Redis runs the shared suite, each test under its own key prefix, removed after. */
const skip = await skipUnlessService('redis');
if (skip) test('redis: Store conformance', { skip }, () => {});
else runStoreConformance('redis', redisConformanceOpener({ kind: 'redis', url: REDIS_URL }, 'conf'));
