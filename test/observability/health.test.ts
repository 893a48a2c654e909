import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, startTestServer, type TestServer } from '../helpers/server.ts';
import { deleteKeys, rawClient, testPrefix } from '../helpers/redis-cluster.ts';
import { REDIS_URL, skipUnlessService } from '../helpers/services.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

/**
 * Liveness and readiness as an orchestrator probes them: during a store outage the node is
 * not ready (503 with the reason) but alive, so it is taken out of rotation, not restarted.
 */
const skipRedis = await skipUnlessService('redis');

describe('/livez, /readyz and /healthz', { skip: skipRedis }, () => {
  let proxy: TcpProxy;
  let t: TestServer;
  const prefix = testPrefix('health');

  before(async () => {
    proxy = await startTcpProxy(new URL(REDIS_URL).hostname, Number(new URL(REDIS_URL).port || 6379));
    t = await startTestServer({ SESSIOND_STORE: `redis://127.0.0.1:${proxy.port}`, SESSIOND_REDIS_PREFIX: prefix });
  });
  after(async () => {
    await t?.close();
    await proxy?.close();
    const redis = await rawClient({ kind: 'redis', url: REDIS_URL });
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  test('all three answer 200 while the store answers', async () => {
    assert.deepEqual((await api(t.url, 'GET', '/livez')).body, { status: 'ok' });
    assert.deepEqual((await api(t.url, 'GET', '/readyz')).body, { status: 'ok', store: 'redis' });
    assert.deepEqual((await api(t.url, 'GET', '/healthz')).body, { status: 'ok', store: 'redis' });
  });

  test('Redis cut off: /readyz and /healthz answer 503 with the reason, /livez stays 200; back when Redis is', async () => {
    await proxy.stop();
    try {
      for (const path of ['/readyz', '/healthz']) {
        const res = await api<{ status: string; store: string; reason: string; requestId: string }>(t.url, 'GET', path);
        assert.equal(res.status, 503, path);
        assert.equal(res.body.status, 'unavailable');
        assert.equal(res.body.store, 'redis');
        assert.match(res.body.reason, /^store: \S/, `${path} says why: ${res.body.reason}`);
        assert.equal(res.body.requestId, res.headers.get('x-request-id'));
      }
      const live = await api(t.url, 'GET', '/livez');
      assert.equal(live.status, 200);
      assert.deepEqual(live.body, { status: 'ok' });
    } finally {
      await proxy.start();
    }
    // ioredis reconnects on its own schedule: readiness comes back once it has.
    let ready = await api(t.url, 'GET', '/readyz');
    for (let i = 0; i < 100 && ready.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      ready = await api(t.url, 'GET', '/readyz');
    }
    assert.equal(ready.status, 200);
  });
});

describe('readiness reasons never carry credentials', () => {
  test('a PostgreSQL store whose password is in its URL: the reason names the failure, not the password', async () => {
    const { withoutSecrets } = await import('../../src/api/rest/operations-routes.ts');
    const secret = 'p%40ss-w0rd!';
    const said = withoutSecrets(`connect to postgres://app:${secret}@db.internal:5432/app failed: password p@ss-w0rd! rejected`, ['p@ss-w0rd!', secret]);
    assert.equal(said, 'connect to postgres://[redacted]@db.internal:5432/app failed: password [redacted] rejected');
  });
});
