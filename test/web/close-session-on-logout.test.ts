import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { WebClient } from './web-client.ts';
import { PASSWORD, RECORDING_ESM, setupWeb } from './web-setup.ts';

/** DESIGN.md "closeSessionOnLogout (the web tier's ESM)", one sentence at a time, over real HTTP. */

const OBJECT_ESM = fileURLToPath(new URL('./fixtures/object-esm.ts', import.meta.url));

async function signedIn(url: string, user: string, projects: string[] = []): Promise<WebClient> {
  const browser = new WebClient(url);
  const res = await browser.login(user, PASSWORD);
  assert.equal(res.status, 303, `login of ${user}: ${res.html}`);
  for (const p of projects) assert.equal((await browser.get(`/web/projects/${p}`)).status, 200);
  return browser;
}

describe('closeSessionOnLogout', () => {
  test('a module that does not define it behaves as true: every server session is closed at the upstream', async () => {
    const w = await setupWeb({ SESSIOND_ESM: OBJECT_ESM });
    try {
      const alice = await signedIn(w.url, 'alice', ['crm']);
      assert.equal((await w.handlesOf('alice')).length, 2);
      const cookie = alice.jar.get('sessiond_web')!;
      const out = await alice.logout();
      assert.equal(out.status, 303);
      assert.equal(out.location, '/web/login');
      assert.deepEqual(await w.handlesOf('alice'), [], 'both server sessions are closed');
      assert.equal((await w.pool()).entries.length, 0);
      // The old cookie opens nothing any more.
      const again = await new WebClient(w.url).get('/web/', { cookie: `sessiond_web=${cookie}` });
      assert.equal(again.status, 303);
      assert.match(again.location!, /^\/web\/login\?.*reason=SESSION_CLOSED/);
    } finally {
      await w.s.close();
    }
  });

  test('it is called once for each server session, just before that session would be closed', async () => {
    const w = await setupWeb({ SESSIOND_ESM: RECORDING_ESM, SESSIOND_ESM_TAG: 'once-each' });
    try {
      const alice = await signedIn(w.url, 'alice', ['crm', 'hr']);
      const held = await w.handlesOf('alice');
      assert.equal(held.length, 3);
      await alice.logout();
      const calls = w.calls('once-each').filter((c) => c.hook === 'closeSessionOnLogout');
      assert.deepEqual(calls.map((c) => c.handle).sort(), [...held].sort(), 'one call per server session, no more');
      assert.ok(calls.every((c) => c.alive === true), 'each session is still open when the module is asked');
      assert.deepEqual(await w.handlesOf('alice'), []);
    } finally {
      await w.s.close();
    }
  });

  test('RequestKeys carry the logout request’s cookies, query and form fields and the web session variables; ContainerServices the headers, variables and address', async () => {
    const w = await setupWeb({ SESSIOND_ESM: RECORDING_ESM, SESSIOND_ESM_TAG: 'keys' });
    try {
      const alice = await signedIn(w.url, 'alice');
      alice.jar.set('theme', 'dark');
      await alice.get('/web/');
      const out = await alice.post('/web/logout?from=menu', { _csrf: alice.csrf!, extra: 'field-value' }, { 'x-test-header': 'hello' });
      assert.equal(out.status, 303);
      const call = w.calls('keys').find((c) => c.hook === 'closeSessionOnLogout')!;
      assert.deepEqual(call.keys!.from, { value: 'menu', source: 'query' });
      assert.deepEqual(call.keys!.extra, { value: 'field-value', source: 'form' });
      assert.deepEqual(call.keys!.theme, { value: 'dark', source: 'cookie' });
      assert.deepEqual(call.keys!.signedinvia, { value: 'recording-module', source: 'session' });
      // The web tier's own secrets are not request keys.
      assert.equal(call.keys!._csrf, undefined);
      assert.equal(call.keys!.sessiond_web, undefined);
      assert.equal(call.header, 'hello');
      assert.equal(call.attribute, 'recording-module');
      assert.equal(call.address, '127.0.0.1');
    } finally {
      await w.s.close();
    }
  });

  test('false: the user is logged out, the session stays alive in the pool, and the next login with that key gets the same session', async () => {
    const w = await setupWeb({ SESSIOND_ESM: RECORDING_ESM, SESSIOND_ESM_TAG: 'keep', SESSIOND_ESM_CLOSE: 'false' });
    try {
      const alice = await signedIn(w.url, 'alice');
      const page = await alice.get('/web/projects/default');
      const handle = WebClient.handleOf(page.html)!;
      const cookie = alice.jar.get('sessiond_web')!;

      const out = await alice.logout();
      assert.equal(out.status, 303);
      assert.ok(out.setCookies.some((c) => /^sessiond_web=;/.test(c)), 'the web cookie is cleared');
      assert.equal((await new WebClient(w.url).get('/web/', { cookie: `sessiond_web=${cookie}` })).status, 303, 'the web session ended');
      assert.deepEqual(await w.handlesOf('alice'), [handle], 'the server session is still alive upstream');
      const pool = await w.pool();
      assert.deepEqual(
        pool.entries.map((e) => ({ key: JSON.parse(e.key), handle: e.handle, project: e.project, login: e.login })),
        [{ key: ['local', 'default', 'alice'], handle, project: 'default', login: 'alice' }],
      );
      assert.ok(!JSON.stringify(pool).includes('sd1_'), 'the pool view shows no session ID');

      const again = await signedIn(w.url, 'alice');
      const second = await again.get('/web/projects/default');
      assert.equal(WebClient.handleOf(second.html), handle);
      const ids = w.calls('keep').filter((c) => c.handle === handle && c.sessionId).map((c) => c.sessionId);
      assert.equal(new Set(ids).size, 1, 'the very same session ID before and after');
      const after = await w.pool();
      assert.equal(after.entries.length, 0);
      assert.equal(after.hits, 1);
      assert.doesNotMatch(w.s.logText(), /sd1_|sdw1_/, 'no session ID in the log');
    } finally {
      await w.s.close();
    }
  });

  test('a module that throws or answers a wrong type gets the safe answer: the session is closed', async () => {
    for (const mode of ['throw', 'wrong-type']) {
      const w = await setupWeb({ SESSIOND_ESM: RECORDING_ESM, SESSIOND_ESM_TAG: `safe-${mode}`, SESSIOND_ESM_CLOSE: mode });
      try {
        const alice = await signedIn(w.url, 'alice');
        const out = await alice.logout();
        assert.equal(out.status, 303, mode);
        assert.deepEqual(await w.handlesOf('alice'), [], `${mode}: closed, not pooled`);
        assert.equal((await w.pool()).entries.length, 0);
        assert.match(w.s.logText(), /"hook":"closeSessionOnLogout"/, `${mode}: logged with its hook`);
        if (mode === 'throw') assert.match(w.s.logText(), /the test module failed on purpose/, 'logged with its cause');
      } finally {
        await w.s.close();
      }
    }
  });
});

describe('the pool (seed scenario: a shared service principal)', () => {
  const mapped = { SESSIOND_ESM: RECORDING_ESM, SESSIOND_ESM_CLOSE: 'false', SESSIOND_ESM_MAP: 'alice,bob', SESSIOND_ESM_MAP_LOGIN: 'svc', SESSIOND_ESM_MAP_PASSWORD: 'service-password-1' };

  test('user A logs out, user B mapped to the same key gets the same server session ID; never across keys', async () => {
    const w = await setupWeb({ ...mapped, SESSIOND_ESM_TAG: 'seed' });
    try {
      const alice = await signedIn(w.url, 'alice');
      const handle = WebClient.handleOf((await alice.get('/web/projects/default')).html)!;
      assert.match((await alice.get('/web/projects/default')).html, /id="login">svc</);
      await alice.logout();
      assert.equal((await w.pool()).entries[0]?.handle, handle);

      // carol is not mapped: her key is (local, default, carol), and she never gets svc's session.
      const carol = await signedIn(w.url, 'carol');
      const carolHandle = WebClient.handleOf((await carol.get('/web/projects/default')).html);
      assert.notEqual(carolHandle, handle);
      assert.equal((await w.pool()).entries.length, 1, 'the pooled svc session is still waiting');

      // bob maps onto svc: the same server session, the same session ID.
      const bob = await signedIn(w.url, 'bob');
      const bobPage = await bob.get('/web/projects/default');
      assert.equal(WebClient.handleOf(bobPage.html), handle);
      assert.match(bobPage.html, /id="user">bob</);
      const ids = new Set(w.calls('seed').filter((c) => c.handle === handle).map((c) => c.sessionId));
      assert.equal(ids.size, 1, 'alice and bob used the very same session ID');

      // Another project is another key: bob gets a new session there.
      const crm = await bob.get('/web/projects/crm');
      assert.notEqual(WebClient.handleOf(crm.html), handle);
      const view = await w.pool();
      assert.equal(view.hits, 1);
      assert.ok(view.misses >= 3);
    } finally {
      await w.s.close();
    }
  });

  test('a wrong password never gets a pooled session', async () => {
    const w = await setupWeb({ SESSIOND_ESM: RECORDING_ESM, SESSIOND_ESM_TAG: 'wrong', SESSIOND_ESM_CLOSE: 'false' });
    try {
      await (await signedIn(w.url, 'alice')).logout();
      assert.equal((await w.pool()).entries.length, 1);
      const mallory = new WebClient(w.url);
      const res = await mallory.login('alice', 'not-the-password');
      assert.equal(res.status, 401);
      assert.equal(mallory.jar.get('sessiond_web'), undefined);
      assert.equal((await w.pool()).entries.length, 1, 'still pooled');
    } finally {
      await w.s.close();
    }
  });

  test('session variables are reset; a session that died in the pool is dropped and a fresh login made', async () => {
    const w = await setupWeb({ ...mapped, SESSIOND_ESM_TAG: 'vars' });
    try {
      const alice = await signedIn(w.url, 'alice');
      await alice.get('/web/projects/default');
      const set = await alice.post('/web/projects/default/variables', { _csrf: alice.csrf!, name: 'report', value: '<b>q3</b>' });
      assert.equal(set.status, 303);
      const shown = await alice.get('/web/projects/default');
      assert.match(shown.html, /&lt;b&gt;q3&lt;\/b&gt;/, 'shown, escaped');
      const handle = WebClient.handleOf(shown.html)!;
      await alice.logout();

      const bob = await signedIn(w.url, 'bob');
      const page = await bob.get('/web/projects/default');
      assert.equal(WebClient.handleOf(page.html), handle);
      // The value as the page shows it: a bare /q3/ also matches random CSRF tokens.
      assert.doesNotMatch(page.html, /&lt;b&gt;q3/, 'the variables did not travel with the pooled session');
      await bob.logout();

      // An admin ends the pooled session: the next login must not get it.
      const { api } = await import('../helpers/server.ts');
      await api(w.url, 'POST', '/api/v1/admin/sessions/invalidate', { sessionId: w.admin, body: { handles: [handle] } });
      const carolAsSvc = await signedIn(w.url, 'alice');
      const fresh = await carolAsSvc.get('/web/projects/default');
      assert.notEqual(WebClient.handleOf(fresh.html), handle);
      const view = await w.pool();
      assert.equal(view.entries.length, 0);
      assert.ok(view.evictions >= 1);
    } finally {
      await w.s.close();
    }
  });
});
