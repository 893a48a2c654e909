import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashSecretId } from '../../src/core/secret-id.ts';
import { openRedis } from '../../src/store/redis/open-redis.ts';
import { ADMIN_PASSWORD, addUser, api, login, startTestServer, type TestServer } from '../helpers/server.ts';
import { skipUnlessRedisServerBinary, startRedisServer, testPrefix, type TestRedisServer } from '../helpers/redis-cluster.ts';

/**
 * A node on Redis fails closed while Redis is away (503 SERVICE_UNAVAILABLE at once, never a
 * session accepted without the store's word) and recovers by itself when Redis comes back.
 * The Redis here is a redis-server of the test's own, so it can be killed.
 */
const skip = await skipUnlessRedisServerBinary();

describe('sessiond on Redis while Redis is down', { skip }, () => {
  let redis: TestRedisServer;
  let node: TestServer;
  let watcher: Awaited<ReturnType<typeof openRedis>> | undefined;
  const prefix = testPrefix('outage');
  before(async () => {
    redis = await startRedisServer();
    node = await startTestServer({ SESSIOND_STORE: redis.url, SESSIOND_REDIS_PREFIX: prefix });
    // Another node's view of the bus, to see that both ends of pub/sub come back by themselves.
    watcher = await openRedis({ kind: 'redis', url: redis.url }, { prefix });
  });
  after(async () => {
    await watcher?.bus.close();
    await watcher?.store.close();
    await node?.close();
    await redis?.stop();
  });

  test('requests fail closed with 503 at once, /healthz says so, and the node recovers by itself', async () => {
    const admin = await login(node.url, 'admin', ADMIN_PASSWORD);
    await addUser(node.url, admin.sessionId, 'uma', 'uma-password-1');
    const uma = await login(node.url, 'uma', 'uma-password-1');
    assert.equal((await api(node.url, 'GET', '/api/v1/session', { sessionId: uma.sessionId })).status, 200);

    await redis.kill();
    const started = Date.now();
    const check = await api(node.url, 'GET', '/api/v1/session', { sessionId: uma.sessionId });
    assert.equal(check.status, 503, 'a session is not accepted without the store');
    assert.equal(check.body.errorCode, 'SERVICE_UNAVAILABLE');
    assert.ok(Date.now() - started < 2500, `refused within the command timeout (took ${Date.now() - started} ms)`);
    const refusedLogin = await api(node.url, 'POST', '/api/v1/login', { body: { username: 'uma', password: 'uma-password-1' } });
    assert.equal(refusedLogin.status, 503);
    const health = await api(node.url, 'GET', '/healthz');
    assert.equal(health.status, 503);
    assert.equal(health.body.store, 'redis');
    assert.ok(!node.logText().includes(uma.sessionId), 'no session ID in the log');

    await redis.restart();
    const deadline = Date.now() + 10_000;
    let healthy = 0;
    while (Date.now() < deadline && (healthy = (await api(node.url, 'GET', '/healthz')).status) !== 200) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(healthy, 200, 'the node reconnected by itself');
    const again = await api(node.url, 'GET', '/api/v1/session', { sessionId: uma.sessionId });
    assert.equal(again.status, 200, 'the session Redis had acknowledged is there after the restart');
    const heard: string[] = [];
    watcher!.bus.subscribe((hashes) => heard.push(...hashes));
    // The other node's subscriber reconnects on its own backoff, independent of this node's
    // health; pub/sub does not replay, so wait until a probe of its own is heard again.
    const resubscribed = Date.now() + 10_000;
    while (!heard.includes('probe') && Date.now() < resubscribed) {
      await watcher!.bus.publish(['probe']).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(heard.includes('probe'), 'the other node subscribed again by itself');
    // A fresh Redis has no scripts cached: ending a session still works (the client reloads them).
    assert.equal((await api(node.url, 'POST', '/api/v1/logout', { sessionId: uma.sessionId })).status, 200);
    assert.equal((await api(node.url, 'GET', '/api/v1/session', { sessionId: uma.sessionId })).status, 401);
    const until = Date.now() + 5000;
    while (!heard.includes(hashSecretId(uma.sessionId)) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.ok(heard.includes(hashSecretId(uma.sessionId)), 'the end was published and heard again after the outage');
  });
});
