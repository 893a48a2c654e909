import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { LOGIN_FAILED_MESSAGE } from '../../src/web/login-routes.ts';
import { WebClient } from './web-client.ts';
import { PASSWORD, setupWeb } from './web-setup.ts';

/** Sign-in, the pages, CSRF and the web cookie, over real HTTP with the default module. */

const escapedMessage = LOGIN_FAILED_MESSAGE.replace(/'/g, '&#39;');

describe('web sign-in', () => {
  test('the form carries a CSRF token; POST → 303 /web/ with an HttpOnly SameSite=Lax cookie, a new web session ID at every login', async () => {
    const w = await setupWeb();
    try {
      const browser = new WebClient(w.url);
      const form = await browser.get('/web/login');
      assert.equal(form.status, 200);
      assert.match(form.html, /<input type="hidden" name="_csrf" value="[^"]+">/);
      assert.match(form.html, /name="username"/);
      assert.match(form.html, /name="password" type="password"/);
      assert.match(form.html, /name="project"/);

      const res = await browser.post('/web/login', { _csrf: browser.csrf!, username: 'alice', password: PASSWORD });
      assert.equal(res.status, 303);
      assert.equal(res.location, '/web/');
      const cookie = res.setCookies.find((c) => c.startsWith('sessiond_web='))!;
      assert.match(cookie, /; HttpOnly/);
      assert.match(cookie, /; SameSite=Lax/);
      assert.doesNotMatch(cookie, /; Secure/, 'not Secure unless configured');
      const first = browser.jar.get('sessiond_web')!;

      const second = await browser.login('alice', PASSWORD);
      assert.equal(second.status, 303);
      const next = browser.jar.get('sessiond_web')!;
      assert.notEqual(next, first, 'a new web session ID at every login');
      assert.equal((await new WebClient(w.url).get('/web/', { cookie: `sessiond_web=${first}` })).status, 303, 'the old one no longer works');
      assert.equal((await browser.get('/web/')).status, 200);
      assert.equal((await w.handlesOf('alice')).length, 1, 'the old web session’s server session was closed');
    } finally {
      await w.s.close();
    }
  });

  test('SESSIOND_SECURE_COOKIES marks the cookies Secure', async () => {
    const w = await setupWeb({ SESSIOND_SECURE_COOKIES: '1' }, ['alice']);
    try {
      const browser = new WebClient(w.url);
      const form = await browser.get('/web/login');
      assert.match(form.setCookies.join('\n'), /sessiond_csrf=.*; Secure/);
      // fetch keeps Secure cookies over http here, as a browser behind a TLS proxy would send them.
      const res = await browser.post('/web/login', { _csrf: browser.csrf!, username: 'alice', password: PASSWORD });
      assert.match(res.setCookies.find((c) => c.startsWith('sessiond_web='))!, /; Secure/);
    } finally {
      await w.s.close();
    }
  });

  test('without the CSRF token: 403 and no sign-in', async () => {
    const w = await setupWeb({}, ['alice']);
    try {
      const browser = new WebClient(w.url);
      await browser.get('/web/login');
      const res = await browser.post('/web/login', { username: 'alice', password: PASSWORD });
      assert.equal(res.status, 403);
      assert.equal(browser.jar.get('sessiond_web'), undefined);
      const forged = await browser.post('/web/login', { _csrf: 'forged-token', username: 'alice', password: PASSWORD });
      assert.equal(forged.status, 403);
      assert.deepEqual(await w.handlesOf('alice'), []);
    } finally {
      await w.s.close();
    }
  });

  test('a CSRF token works only with the web session it was made for: another user’s cookie and token together are refused', async () => {
    const w = await setupWeb({}, ['alice', 'bob']);
    try {
      const victim = new WebClient(w.url);
      assert.equal((await victim.login('alice', PASSWORD)).status, 303);
      const attacker = new WebClient(w.url);
      assert.equal((await attacker.login('bob', PASSWORD)).status, 303);
      await attacker.get('/web/sessions');
      const attackerToken = attacker.csrf!;
      const attackerCsrfCookie = attacker.jar.get('sessiond_csrf');
      // Cookie injection: the victim's browser now sends the attacker's CSRF cookie beside its own web session.
      const planted = new WebClient(w.url);
      planted.jar.set('sessiond_web', victim.jar.get('sessiond_web')!);
      if (attackerCsrfCookie) planted.jar.set('sessiond_csrf', attackerCsrfCookie);
      for (const path of ['/web/logout', '/web/sessions/end-others']) {
        const res = await planted.post(path, { _csrf: attackerToken });
        assert.equal(res.status, 403, path);
      }
      assert.equal((await victim.get('/web/')).status, 200, 'the victim is still signed in');
      assert.equal((await w.handlesOf('alice')).length, 1, 'and still holds her server session');
      // The victim's own page token still works, and the attacker's works for the attacker.
      await victim.get('/web/');
      assert.equal((await victim.logout()).status, 303);
      assert.equal((await attacker.logout()).status, 303);
    } finally {
      await w.s.close();
    }
  });

  test('every failure answers the form again with one generic message', async () => {
    const w = await setupWeb({}, ['alice']);
    try {
      const tries: Array<Record<string, string>> = [
        { username: 'alice', password: 'wrong-password-1' },
        { username: 'nobody', password: PASSWORD },
        { username: 'alice', password: PASSWORD, project: 'no/such project' },
      ];
      for (const form of tries) {
        const browser = new WebClient(w.url);
        await browser.get('/web/login');
        const res = await browser.post('/web/login', { _csrf: browser.csrf!, ...form });
        assert.equal(res.status, 401, JSON.stringify(form));
        assert.ok(res.html.includes(escapedMessage), 'the one message');
        assert.match(res.html, /<form method="post" action="\/web\/login"/, 'the form again');
        assert.equal(browser.jar.get('sessiond_web'), undefined);
      }
    } finally {
      await w.s.close();
    }
  });

  test('sign-in attempts are rate-limited per username and address', async () => {
    const w = await setupWeb({ SESSIOND_LOGIN_MAX_FAILURES: '3' }, ['alice']);
    try {
      const browser = new WebClient(w.url);
      for (let i = 0; i < 3; i++) assert.equal((await browser.login('alice', 'wrong-password-1')).status, 401);
      const blocked = await browser.login('alice', PASSWORD);
      assert.equal(blocked.status, 429, 'even the right password waits now');
      assert.ok(blocked.html.includes(escapedMessage));
      assert.equal(browser.jar.get('sessiond_web'), undefined);
      // Another user from the same address is not locked out by alice's failures.
      assert.equal((await new WebClient(w.url).login('svc', 'service-password-1')).status, 303);
    } finally {
      await w.s.close();
    }
  });
});

describe('web pages', () => {
  test('GET /web/ lists the open projects; GET /web/projects/{project} opens and shows a server session, never its ID', async () => {
    const w = await setupWeb({}, ['alice']);
    try {
      assert.match((await new WebClient(w.url).get('/web/')).location!, /^\/web\/login\?next=%2Fweb%2F/);
      const browser = new WebClient(w.url);
      await browser.login('alice', PASSWORD, 'crm');
      const home = await browser.get('/web/');
      assert.equal(home.status, 200);
      assert.match(home.html, /href="\/web\/projects\/crm"/);
      assert.doesNotMatch(home.html, /projects\/hr/);

      const hr = await browser.get('/web/projects/hr');
      assert.equal(hr.status, 200);
      assert.match(hr.html, /id="project">hr</);
      assert.match(hr.html, /id="login">alice</);
      const handle = WebClient.handleOf(hr.html)!;
      assert.ok((await w.handlesOf('alice')).includes(handle));
      // Opening it again shows the same session, not a new login.
      assert.equal(WebClient.handleOf((await browser.get('/web/projects/hr')).html), handle);
      assert.equal((await w.handlesOf('alice')).length, 2);

      const after = await browser.get('/web/');
      assert.match(after.html, /href="\/web\/projects\/hr"/);
      for (const page of [home.html, hr.html, after.html]) assert.doesNotMatch(page, /sd1_|sdw1_/, 'no session ID in a page');
      assert.equal((await browser.get('/web/open?project=ops')).location, '/web/projects/ops');
      assert.equal((await browser.get('/web/projects/%3Cscript%3E')).status, 404);
    } finally {
      await w.s.close();
    }
  });

  test('a project the upstream will not open for the user answers 403 with a page, and the web session stays signed in', async () => {
    const w = await setupWeb({}, ['alice']);
    try {
      const browser = new WebClient(w.url);
      await browser.login('alice', PASSWORD, 'crm');
      const before = await w.handlesOf('alice');
      // The upstream (this server) stops accepting alice: a new project cannot be opened for her.
      await w.s.server.ctx.users.setActive('alice', false);
      const refused = await browser.get('/web/projects/hr');
      assert.equal(refused.status, 403);
      assert.match(refused.html, /could not be opened for your account/);
      assert.deepEqual(await w.handlesOf('alice'), before, 'no server session was opened');
      // The refusal ended nothing of the web session: its home page still answers.
      assert.equal((await browser.get('/web/')).status, 200);
    } finally {
      await w.s.close();
    }
  });

  test('web sessions are stored hashed and sealed: the database holds neither the cookie nor a server session ID', async () => {
    const w = await setupWeb({}, ['alice']);
    try {
      const browser = new WebClient(w.url);
      await browser.login('alice', PASSWORD);
      const cookie = browser.jar.get('sessiond_web')!;
      await w.s.server.close();
      const db = new Database(join(w.s.dir, 'sessiond.db'), { readonly: true });
      try {
        const rows = db.prepare('SELECT * FROM web_sessions').all();
        assert.equal(rows.length, 1);
        const text = JSON.stringify(rows);
        assert.ok(!text.includes(cookie));
        assert.ok(!text.includes('sd1_'), 'the server session ID is sealed');
        assert.ok(!text.includes(PASSWORD), 'the mapped credentials are sealed');
      } finally {
        db.close();
      }
    } finally {
      await w.s.close();
    }
  });

  test('two tabs opening projects at the same time: both are kept, and logout closes all of them', async () => {
    const w = await setupWeb({}, ['alice']);
    try {
      const browser = new WebClient(w.url);
      await browser.login('alice', PASSWORD);
      const pages = await Promise.all(['p1', 'p2', 'p3'].map((p) => browser.get(`/web/projects/${p}`)));
      assert.deepEqual(pages.map((p) => p.status), [200, 200, 200]);
      const home = await browser.get('/web/');
      for (const p of ['default', 'p1', 'p2', 'p3']) assert.match(home.html, new RegExp(`href="/web/projects/${p}"`));
      assert.equal((await w.handlesOf('alice')).length, 4);
      await browser.logout();
      assert.deepEqual(await w.handlesOf('alice'), [], 'none left behind');
    } finally {
      await w.s.close();
    }
  });

  test('web sessions have their own idle timeout (SESSIOND_WEB_IDLE_TIMEOUT_SECONDS); an expired one’s server sessions are closed', async () => {
    const w = await setupWeb({ SESSIOND_WEB_IDLE_TIMEOUT_SECONDS: '1' }, ['alice']);
    try {
      const browser = new WebClient(w.url);
      await browser.login('alice', PASSWORD);
      assert.equal((await browser.get('/web/')).status, 200);
      await new Promise((r) => setTimeout(r, 1300));
      const res = await browser.get('/web/');
      assert.equal(res.status, 303);
      assert.match(res.location!, /reason=SESSION_CLOSED/);
      assert.deepEqual(await w.handlesOf('alice'), [], 'its server session was closed, not left to run out');
    } finally {
      await w.s.close();
    }
  });

  test('logout without the CSRF token: 403 and nothing changes', async () => {
    const w = await setupWeb({}, ['alice']);
    try {
      const browser = new WebClient(w.url);
      await browser.login('alice', PASSWORD);
      const res = await browser.post('/web/logout', {});
      assert.equal(res.status, 403);
      assert.equal((await browser.get('/web/')).status, 200, 'still signed in');
      assert.equal((await w.handlesOf('alice')).length, 1);
    } finally {
      await w.s.close();
    }
  });
});
