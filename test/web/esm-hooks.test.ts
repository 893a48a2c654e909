import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { EsmLoadError, loadEsm } from '../../src/esm/load-esm.ts';
import { api } from '../helpers/server.ts';
import { WebClient } from './web-client.ts';
import { PASSWORD, RECORDING_ESM, SERVICE_PASSWORD, setupWeb } from './web-setup.ts';

/** Each ESM hook as the web tier calls it, through real HTTP, with the recording test module. */

const esm = (tag: string, settings: Record<string, string> = {}) => ({
  SESSIOND_ESM: RECORDING_ESM,
  SESSIOND_ESM_TAG: tag,
  ...Object.fromEntries(Object.entries(settings).map(([k, v]) => [`SESSIOND_ESM_${k}`, v])),
});

describe('handlesAuthenticationRequest', () => {
  test('USE_CUSTOM_LOGIN_PAGE sends the browser to getCustomLoginURL(originalURL, project)', async () => {
    const w = await setupWeb(esm('custom', { AUTH: 'USE_CUSTOM_LOGIN_PAGE', CUSTOM_URL: 'https://sso.example.test/login' }), ['alice']);
    try {
      const home = await new WebClient(w.url).get('/web/');
      assert.equal(home.status, 303);
      assert.equal(home.location, 'https://sso.example.test/login');
      const project = await new WebClient(w.url).get('/web/projects/crm');
      assert.equal(project.location, 'https://sso.example.test/login');
      const asked = w.calls('custom').filter((c) => c.hook === 'getCustomLoginURL');
      assert.deepEqual(asked.map((c) => [c.reason, c.project]), [['/web/', ''], ['/web/projects/crm', 'crm']]);
      const reasons = w.calls('custom').filter((c) => c.hook === 'handlesAuthenticationRequest').map((c) => c.reason);
      assert.deepEqual(reasons, ['NO_SESSION_FOUND', 'NO_SESSION_FOUND']);
    } finally {
      await w.s.close();
    }
  });

  test('a custom URL that is not a /path or http(s) URL is refused: the stock login instead', async () => {
    const w = await setupWeb(esm('bad-url', { AUTH: 'USE_CUSTOM_LOGIN_PAGE', CUSTOM_URL: 'javascript:alert(1)' }), ['alice']);
    try {
      const res = await new WebClient(w.url).get('/web/');
      assert.match(res.location!, /^\/web\/login\?/);
      assert.match(w.s.logText(), /"hook":"getCustomLoginURL"/);
    } finally {
      await w.s.close();
    }
  });

  test('COLLECT_SESSION_NOW signs the user in with the session getServerSession answers', async () => {
    const w = await setupWeb(esm('collect', { AUTH: 'COLLECT_SESSION_NOW', COLLECT_LOGIN: 'svc', COLLECT_PASSWORD: SERVICE_PASSWORD }), []);
    try {
      const browser = new WebClient(w.url);
      const res = await browser.get('/web/');
      assert.equal(res.status, 303);
      assert.equal(res.location, '/web/');
      assert.ok(browser.jar.get('sessiond_web'), 'a web session cookie');
      const home = await browser.get('/web/');
      assert.equal(home.status, 200);
      assert.match(home.html, /Signed in as <strong>svc<\/strong>/);
      assert.equal((await w.handlesOf('svc')).length, 1);
    } finally {
      await w.s.close();
    }
  });

  test('COLLECT_SESSION_NOW with no session to collect falls back to the stock login', async () => {
    const w = await setupWeb(esm('collect-none', { AUTH: 'COLLECT_SESSION_NOW', COLLECT_LOGIN: 'svc', COLLECT_PASSWORD: 'wrong-password-1' }), []);
    try {
      const res = await new WebClient(w.url).get('/web/');
      assert.match(res.location!, /^\/web\/login\?/);
      assert.deepEqual(await w.handlesOf('svc'), []);
      assert.match(w.s.logText(), /"hook":"getServerSession"/, 'the failed collection is logged');
    } finally {
      await w.s.close();
    }
  });
});

describe('processLoginForm', () => {
  test('false refuses the sign-in with the generic message', async () => {
    const w = await setupWeb(esm('refuse', { REFUSE_LOGIN: 'alice' }), ['alice']);
    try {
      const browser = new WebClient(w.url);
      const res = await browser.login('alice', PASSWORD);
      assert.equal(res.status, 401);
      assert.match(res.html, /Sign-in failed/);
      assert.deepEqual(await w.handlesOf('alice'), [], 'no server session was made');
      const call = w.calls('refuse').find((c) => c.hook === 'processLoginForm')!;
      assert.equal(call.reason, 'LOGIN_FIRST');
      assert.equal(call.keys!.password, undefined, 'the password reaches the module only through LoginForm');
      assert.equal(call.keys!.username?.value, 'alice');
    } finally {
      await w.s.close();
    }
  });
});

describe('isRequestAuthorized', () => {
  test('false sends the user to getFailureURL(AUTHORIZATION_REQUEST)', async () => {
    const w = await setupWeb(esm('authz-url', { AUTHZ: 'false', FAILURE_URL: '/web/login?denied=1' }), ['alice']);
    try {
      const browser = new WebClient(w.url);
      await browser.login('alice', PASSWORD);
      const res = await browser.get('/web/projects/default');
      assert.equal(res.status, 303);
      assert.equal(res.location, '/web/login?denied=1');
      assert.deepEqual(w.calls('authz-url').filter((c) => c.hook === 'getFailureURL').map((c) => c.reason), ['AUTHORIZATION_REQUEST']);
    } finally {
      await w.s.close();
    }
  });

  for (const mode of ['false', 'throw', 'wrong-type']) {
    test(`${mode}: the stock error page (403), and the server keeps serving`, async () => {
      const w = await setupWeb(esm(`authz-${mode}`, { AUTHZ: mode }), ['alice']);
      try {
        const browser = new WebClient(w.url);
        await browser.login('alice', PASSWORD);
        const res = await browser.get('/web/projects/default');
        assert.equal(res.status, 403);
        assert.match(res.html, /not authorized/);
        assert.equal((await browser.get('/web/')).status, 403);
        if (mode !== 'false') assert.match(w.s.logText(), /"hook":"isRequestAuthorized"/);
        assert.equal((await fetch(`${w.url}/healthz`)).status, 200);
      } finally {
        await w.s.close();
      }
    });
  }
});

describe('canReconnectSession', () => {
  async function endedUnderUser(tag: string, reconnect?: string) {
    const w = await setupWeb(esm(tag, reconnect ? { RECONNECT: reconnect } : {}), ['alice']);
    const browser = new WebClient(w.url);
    await browser.login('alice', PASSWORD);
    const old = WebClient.handleOf((await browser.get('/web/projects/crm')).html)!;
    await api(w.url, 'POST', '/api/v1/admin/sessions/invalidate', { sessionId: w.admin, body: { handles: [old] } });
    return { w, browser, old };
  }

  test('true: a server session that ended under the user is re-created transparently', async () => {
    const { w, browser, old } = await endedUnderUser('reconnect-yes', 'true');
    try {
      const res = await browser.get('/web/projects/crm');
      assert.equal(res.status, 200);
      const fresh = WebClient.handleOf(res.html)!;
      assert.notEqual(fresh, old);
      assert.match(res.html, /a new one was opened/);
      const call = w.calls('reconnect-yes').find((c) => c.hook === 'canReconnectSession')!;
      assert.equal(call.handle, old);
      assert.equal(call.reason, 'SESSION_ENDED');
    } finally {
      await w.s.close();
    }
  });

  test('false (the default): the user is asked to sign in again', async () => {
    const { w, browser } = await endedUnderUser('reconnect-no');
    try {
      const res = await browser.get('/web/projects/crm');
      assert.equal(res.status, 303);
      assert.match(res.location!, /^\/web\/login\?next=%2Fweb%2Fprojects%2Fcrm&reason=SESSION_CLOSED/);
      assert.equal((await browser.get('/web/')).status, 200, 'the other projects are still open');
      assert.equal((await w.handlesOf('alice')).length, 1);
    } finally {
      await w.s.close();
    }
  });
});

describe('SESSIOND_ESM loading', () => {
  test('a missing module or a default export that is neither object nor class stops the start with a clear error', async () => {
    await assert.rejects(loadEsm('/nonexistent/module.ts', { settings: {} }), (e: unknown) => e instanceof EsmLoadError && /cannot load \/nonexistent/.test(e.message));
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'sessiond-esm-'));
    try {
      const file = join(dir, 'number.mjs');
      writeFileSync(file, 'export default 42;\n');
      await assert.rejects(loadEsm(file, { settings: {} }), /must default-export an object of hooks or a class/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
