import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createThrowawayDatabase, sql, type ThrowawayDatabase } from '../helpers/postgres-db.ts';
import { ADMIN_PASSWORD, api, login, startTestServer, type TestServer } from '../helpers/server.ts';
import { POSTGRES_URL, skipUnlessService } from '../helpers/services.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

const skip = await skipUnlessService('postgres');

/** Polls until `check` answers true, or fails after `ms`. */
async function eventually(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(50);
  }
  assert.fail(`${what} did not happen within ${ms} ms`);
}

describe('a node on PostgreSQL fails closed while the store is away, and recovers by itself', { skip }, () => {
  let db: ThrowawayDatabase;
  let proxy: TcpProxy;
  let node: TestServer;

  before(async () => {
    db = await createThrowawayDatabase();
    const target = new URL(POSTGRES_URL);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    node = await startTestServer({
      SESSIOND_STORE: `postgres://postgres@127.0.0.1:${proxy.port}/${db.name}`,
      SESSIOND_CACHE_MAX_AGE_MS: '60000',
    });
  });
  after(async () => {
    await node?.close();
    await proxy?.close();
    await db?.drop();
  });

  test('store unreachable: 503 SERVICE_UNAVAILABLE everywhere, /healthz says why, nothing is ended; back: everything works', async () => {
    const admin = await login(node.url, 'admin', ADMIN_PASSWORD);
    const other = await login(node.url, 'admin', ADMIN_PASSWORD);
    assert.equal((await api(node.url, 'GET', '/api/v1/session', { sessionId: admin.sessionId })).status, 200); // now cached
    const healthy = await api(node.url, 'GET', '/healthz');
    assert.deepEqual([healthy.status, healthy.body.status, healthy.body.store], [200, 'ok', 'postgres']);

    await proxy.stop();
    // Even the cached session is refused: the bus lost its connection, so the node dropped its cache.
    await eventually('the node refuses the cached session', async () =>
      (await api(node.url, 'GET', '/api/v1/session', { sessionId: admin.sessionId })).status === 503,
    );
    const check = await api(node.url, 'GET', '/api/v1/session', { sessionId: other.sessionId });
    assert.equal(check.status, 503);
    assert.equal(check.body.errorCode, 'SERVICE_UNAVAILABLE');
    assert.match(check.body.message, /session store is unavailable/);

    const loginTry = await api(node.url, 'POST', '/api/v1/login', { body: { username: 'admin', password: ADMIN_PASSWORD } });
    assert.equal(loginTry.status, 503);
    const invalidate = await api(node.url, 'POST', '/api/v1/sessions/invalidate', {
      sessionId: admin.sessionId,
      body: { sessionIds: [other.sessionId] },
    });
    assert.equal(invalidate.status, 503);

    const down = await api(node.url, 'GET', '/healthz');
    assert.equal(down.status, 503);
    assert.equal(down.body.status, 'unavailable');
    assert.match(down.body.reason, /ECONNREFUSED|Connection terminated|connect/i);

    for (let i = 0; i < 30; i += 1) assert.equal((await api(node.url, 'GET', '/api/v1/session', { sessionId: other.sessionId })).status, 503);
    const outageLines = () => node.logText().split('\n').filter((l) => l.includes('store unavailable') || l.includes('store available again'));
    assert.equal(outageLines().length, 1, 'the outage is logged once, not once per 503');

    await proxy.start();
    await eventually('/healthz is ok again', async () => (await api(node.url, 'GET', '/healthz')).status === 200);
    await eventually('the recovery is logged with the count of failed requests', async () => outageLines().length === 2);
    const recovered = JSON.parse(outageLines()[1]!) as { msg: string; failedRequests: number; outageMs: number };
    assert.equal(recovered.msg, 'store available again');
    assert.ok(recovered.failedRequests >= 33, `counted ${recovered.failedRequests}`);
    assert.equal((await api(node.url, 'GET', '/api/v1/session', { sessionId: other.sessionId })).status, 200, 'the refused invalidate ended nothing');
    const ended = await api(node.url, 'POST', '/api/v1/sessions/invalidate', {
      sessionId: admin.sessionId,
      body: { sessionIds: [other.sessionId] },
    });
    assert.equal(ended.status, 200);
    assert.equal(ended.body.results[0].success, true);
    assert.equal((await api(node.url, 'GET', '/api/v1/session', { sessionId: other.sessionId })).status, 401);

    for (const id of [admin.sessionId, other.sessionId]) assert.ok(!node.logText().includes(id), 'no session ID in the log');
  });

  test('backends killed by the server (pg_terminate_backend): the pool and the LISTEN connection come back', async () => {
    const admin = await login(node.url, 'admin', ADMIN_PASSWORD);
    const listening = async () =>
      Number(
        (await sql(POSTGRES_URL, "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'", [db.name]))
          .rows[0].n,
      );
    await eventually('the node listens (after the first test the bus may still be reconnecting)', async () => (await listening()) === 1);
    await sql(POSTGRES_URL, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
      db.name,
    ]);
    await eventually('the node answers again', async () =>
      (await api(node.url, 'GET', '/api/v1/session', { sessionId: admin.sessionId })).status === 200,
    );
    await eventually('the node listens again', async () => (await listening()) === 1);
    assert.equal((await api(node.url, 'GET', '/healthz')).status, 200);
  });
});
