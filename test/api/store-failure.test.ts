import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ADMIN_PASSWORD, api, login, startTestServer } from '../helpers/server.ts';
import { WebClient } from '../web/web-client.ts';

/**
 * A failure that is not about one ID (here: the store is gone) is a 5xx fault of the whole call,
 * answered without internals and logged with its cause; /healthz says the store does not answer.
 */

describe('when the store fails', () => {
  for (const { cache, env } of [
    { cache: '', env: {} },
    { cache: ' (cache off: every check asks the store)', env: { SESSIOND_CACHE_MAX_AGE_MS: '0' } },
  ]) {
    test(`calls fail closed with a 5xx and no internals; the cause is logged; healthz answers 503${cache}`, async () => {
      const t = await startTestServer(env);
      try {
        const admin = await login(t.url, 'admin', ADMIN_PASSWORD);
        await t.server.ctx.store.close();
        const calls = [
          api(t.url, 'POST', '/api/v1/sessions/invalidate', { sessionId: admin.sessionId, body: { sessionIds: [admin.sessionId] } }),
          api(t.url, 'POST', '/api/v1/login', { body: { username: 'admin', password: ADMIN_PASSWORD } }),
          api(t.url, 'GET', '/api/v1/session', { sessionId: admin.sessionId }),
        ];
        for (const res of await Promise.all(calls)) {
          assert.equal(res.status, 503);
          assert.equal(res.body.errorCode, 'SERVICE_UNAVAILABLE', 'a closed SQLite store is unavailable, as PostgreSQL and Redis are');
          assert.doesNotMatch(res.body.message, /database|sqlite|\n\s+at |\.ts:\d+/i);
        }
        const health = await api(t.url, 'GET', '/healthz');
        assert.equal(health.status, 503);
        assert.equal(health.body.status, 'unavailable');
        // An outage is logged once, at warn, without a stack; the rest of its 503s are only counted.
        for (let i = 0; i < 20; i += 1) assert.equal((await api(t.url, 'GET', '/api/v1/session', { sessionId: admin.sessionId })).status, 503);
        const outageLines = t.logText().split('\n').filter((l) => l.includes('store unavailable'));
        assert.equal(outageLines.length, 1, 'one line for 23 failed requests');
        assert.match(outageLines[0]!, /"level":40/);
        assert.doesNotMatch(outageLines[0]!, /"stack"/);
        assert.doesNotMatch(t.logText(), /"level":50/, 'an outage is not logged as an error');
        const web = await new WebClient(t.url).login('admin', ADMIN_PASSWORD);
        assert.equal(web.status, 503, 'the web tier answers an outage as unavailable, not as a bug');
        assert.ok(!t.logText().includes(admin.sessionId));
      } finally {
        await t.close();
      }
    });
  }
});
