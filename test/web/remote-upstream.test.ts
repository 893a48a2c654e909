import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, addUser, api, login, startTestServer, type TestServer } from '../helpers/server.ts';
import { startUpstreamProcess, type UpstreamProcess } from './upstream-process.ts';
import { WebClient } from './web-client.ts';
import { PASSWORD, RECORDING_ESM } from './web-setup.ts';

/**
 * The web tier in front of a remote sessiond running in another process (SESSIOND_UPSTREAM):
 * server sessions are made and closed over that server's API with the TypeScript client.
 */
describe('web tier with a remote upstream in another process', () => {
  let upstream: UpstreamProcess;
  let upstreamAdmin: string;

  const handlesAt = async (username: string) => {
    const res = await api<{ sessions: Array<{ handle: string }> }>(upstream.url, 'GET', `/api/v1/admin/sessions?username=${username}`, {
      sessionId: upstreamAdmin,
    });
    return res.body.sessions.map((s) => s.handle);
  };

  before(async () => {
    upstream = await startUpstreamProcess();
    upstreamAdmin = (await login(upstream.url, 'admin', ADMIN_PASSWORD)).sessionId;
    for (const u of ['alice', 'bob']) await addUser(upstream.url, upstreamAdmin, u, PASSWORD);
  });
  after(async () => {
    await upstream?.close();
  });

  async function webTier(env: Record<string, string> = {}): Promise<TestServer> {
    return startTestServer({ SESSIOND_UPSTREAM: upstream.url, ...env });
  }

  test('sign-in opens server sessions at the upstream; logout closes them there', async () => {
    const web = await webTier();
    try {
      const alice = new WebClient(web.url);
      assert.equal((await alice.login('alice', PASSWORD)).status, 303);
      const crm = await alice.get('/web/projects/crm');
      assert.equal(crm.status, 200);
      const held = await handlesAt('alice');
      assert.equal(held.length, 2, 'both sessions live at the upstream');
      assert.ok(held.includes(WebClient.handleOf(crm.html)!));
      assert.equal((await new WebClient(web.url).login('alice', 'wrong-password-1')).status, 401);

      assert.equal((await alice.logout()).status, 303);
      assert.deepEqual(await handlesAt('alice'), []);
    } finally {
      await web.close();
    }
  });

  test('the sessions page works through a remote upstream: lists, ends one and changes the password there', async () => {
    const web = await webTier();
    try {
      const bob = new WebClient(web.url);
      assert.equal((await bob.login('bob', PASSWORD)).status, 303);
      const direct = await api<{ sessionId: string; handle: string }>(upstream.url, 'POST', '/api/v1/login', {
        body: { username: 'bob', password: PASSWORD },
        headers: { 'user-agent': 'Direct/1' },
      });
      const page = await bob.get('/web/sessions');
      assert.equal(page.status, 200);
      assert.match(page.html, new RegExp(`data-handle="${direct.body.handle}".*Direct/1`));
      assert.equal((page.html.match(/<tr data-handle=/g) ?? []).length, 2);

      const ended = await bob.post('/web/sessions/end', { _csrf: bob.csrf ?? '', handle: direct.body.handle });
      assert.equal(ended.location, '/web/sessions?done=ended');
      assert.ok(!(await handlesAt('bob')).includes(direct.body.handle), 'ended at the upstream');

      await bob.get('/web/sessions');
      const wrong = await bob.post('/web/sessions/password', { _csrf: bob.csrf ?? '', currentPassword: 'not-it-1', newPassword: 'bob-new-password-2' });
      assert.equal(wrong.status, 401);
      const changed = await bob.post('/web/sessions/password', { _csrf: bob.csrf ?? '', currentPassword: PASSWORD, newPassword: 'bob-new-password-2' });
      assert.equal(changed.location, '/web/sessions?done=password');
      await login(upstream.url, 'bob', 'bob-new-password-2');
      const back = await api(upstream.url, 'POST', `/api/v1/admin/users/bob/password`, { sessionId: upstreamAdmin, body: { newPassword: PASSWORD } });
      assert.equal(back.status, 200);
    } finally {
      await web.close();
    }
  });

  test('pooled over the wire: the same upstream session is handed back, and the web tier closes it at shutdown', async () => {
    const web = await webTier({ SESSIOND_ESM: RECORDING_ESM, SESSIOND_ESM_TAG: 'remote-pool', SESSIOND_ESM_CLOSE: 'false' });
    try {
      const alice = new WebClient(web.url);
      await alice.login('alice', PASSWORD);
      const handle = WebClient.handleOf((await alice.get('/web/projects/default')).html)!;
      await alice.logout();
      assert.deepEqual(await handlesAt('alice'), [handle], 'kept alive at the upstream');
      const admin = (await login(web.url, 'admin', ADMIN_PASSWORD)).sessionId;
      const pool = await api<{ entries: Array<{ key: string }> }>(web.url, 'GET', '/api/v1/admin/pool', { sessionId: admin });
      assert.deepEqual(JSON.parse(pool.body.entries[0]!.key), [upstream.url, 'default', 'alice']);

      const again = new WebClient(web.url);
      await again.login('alice', PASSWORD);
      assert.equal(WebClient.handleOf((await again.get('/web/projects/default')).html), handle);
      await again.logout();
      assert.deepEqual(await handlesAt('alice'), [handle]);

      await web.server.close();
      assert.deepEqual(await handlesAt('alice'), [], 'closed at the upstream at shutdown, not leaked');
    } finally {
      await web.close();
    }
  });

  test('the upstream going down: sign-in fails with a clear message; logout still logs the user out, with a generic error page', async () => {
    // alice's sessions are kept (pooled), bob's are closed on logout.
    const web = await webTier({ SESSIOND_ESM: RECORDING_ESM, SESSIOND_ESM_TAG: 'remote-down', SESSIOND_ESM_KEEP_LOGINS: 'alice' });
    try {
      const alice = new WebClient(web.url);
      await alice.login('alice', PASSWORD);
      const pooled = WebClient.handleOf((await alice.get('/web/projects/default')).html)!;
      await alice.logout();
      assert.deepEqual(await handlesAt('alice'), [pooled]);

      const bob = new WebClient(web.url);
      await bob.login('bob', PASSWORD);
      assert.equal((await bob.get('/web/projects/crm')).status, 200);
      const cookie = bob.jar.get('sessiond_web')!;
      await bob.get('/web/');

      await upstream.kill();

      const down = await new WebClient(web.url).login('alice', PASSWORD);
      assert.equal(down.status, 503);
      assert.match(down.html, /not available right now/);

      const out = await bob.logout();
      assert.equal(out.status, 500);
      const errorId = /id="error-id">([0-9a-f-]{36})</.exec(out.html)?.[1];
      assert.ok(errorId, 'the page shows an error ID');
      assert.ok(out.setCookies.some((c) => /^sessiond_web=;/.test(c)), 'the cookie is cleared');
      assert.doesNotMatch(out.html, /sd1_|ECONNREFUSED|fetch failed|NETWORK_ERROR|at .*\.ts/, 'no internals on the page');
      const logged = web.logText().split('\n').filter((line) => line.includes(errorId!));
      assert.ok(logged.some((line) => /could not close a server session/.test(line) && /"err":/.test(line)), 'the cause is logged with the ID');
      assert.equal((await new WebClient(web.url).get('/web/', { cookie: `sessiond_web=${cookie}` })).status, 303, 'logged out all the same');
      assert.doesNotMatch(web.logText(), /sd1_|sdw1_/, 'no session ID in the log');

      // At shutdown the pooled session cannot be closed: a close failure, logged and audited.
      await web.server.close();
      assert.match(web.logText(), /could not close an evicted pooled session/);
      const db = new Database(join(web.dir, 'sessiond.db'), { readonly: true });
      try {
        const rows = db.prepare("SELECT handle, reason FROM audit WHERE event = 'pool.close-failed'").all() as Array<{ handle: string; reason: string }>;
        assert.equal(rows.length, 1);
        assert.equal(rows[0]!.handle, pooled);
        assert.match(rows[0]!.reason, /^shutdown \(error [0-9a-f-]{36}\)$/);
      } finally {
        db.close();
      }
    } finally {
      await web.close();
    }
  });
});
